#!/usr/bin/env python3
"""Writes CIFAR10 batches in the python version's format (cifar-10-batches-py), for LipFlow's tests.

The batches are pickled dictionaries {b'batch_label', b'labels', b'data', b'filenames'} whose
b'data' is a uint8 array [N, 3072] pickled the way numpy pickles it. Without --numpy no numpy is
needed: stand-in modules named numpy.core.multiarray and numpy make pickle write the same opcodes
(GLOBAL/STACK_GLOBAL of _reconstruct, ndarray and dtype, REDUCE, BUILD with numpy's states).

  cifar10_python_batches.py --from-binary DIR --to OUT [--protocols 2,3,4,5] [--numpy] [--archive]
  cifar10_python_batches.py --synthetic --to OUT ...

--from-binary converts the binary batches in DIR (data_batch_1.bin ... test_batch.bin, those present);
--synthetic writes the pattern of LipFlow's tests: training batch k holds record k-1, the test batch
records 20 and 21, record r has label r % 10 and value (7r + 3c + y + 2x) % 256 at channel c, row y,
column x. Protocols are used in turn, one per file. --archive writes OUT/cifar-10-python.tar.gz
(members cifar-10-batches-py/<name>) instead of OUT/<name>.
"""
import argparse
import io
import os
import pickle
import sys
import tarfile
import types

NAMES = ["data_batch_%d" % k for k in range(1, 6)] + ["test_batch"]
IMAGE = 3 * 32 * 32


def stand_in_numpy():
    """Modules numpy, numpy.core, numpy.core.multiarray with the three names numpy's pickles use."""
    numpy = types.ModuleType("numpy")
    core = types.ModuleType("numpy.core")
    multiarray = types.ModuleType("numpy.core.multiarray")

    def _reconstruct(*arguments):
        raise RuntimeError("stand-in: only written, never read")

    class ndarray:
        pass

    def dtype(*arguments):
        raise RuntimeError("stand-in: only written, never read")

    for function, module in ((_reconstruct, multiarray), (ndarray, numpy), (dtype, numpy)):
        function.__module__ = module.__name__
        function.__qualname__ = function.__name__
        setattr(module, function.__name__, function)
    numpy.core = core
    core.multiarray = multiarray
    sys.modules.update({"numpy": numpy, "numpy.core": core, "numpy.core.multiarray": multiarray})

    class DataType:
        def __reduce__(self):
            return (dtype, ("u1", False, True), (3, "|", None, None, None, -1, -1, 0))

    class Array:
        def __init__(self, rows, raw):
            self.rows, self.raw = rows, raw

        def __reduce__(self):
            state = (1, (self.rows, IMAGE), DataType(), False, self.raw)
            return (_reconstruct, (ndarray, (0,), b"b"), state)

    return lambda raw: Array(len(raw) // IMAGE, raw)


def real_numpy():
    import numpy

    return lambda raw: numpy.frombuffer(raw, dtype=numpy.uint8).reshape(len(raw) // IMAGE, IMAGE).copy()


def binary_records(directory, name):
    path = os.path.join(directory, name + ".bin")
    if not os.path.exists(path):
        return None
    data = open(path, "rb").read()
    records = [data[start:start + 1 + IMAGE] for start in range(0, len(data), 1 + IMAGE)]
    return [record[0] for record in records], b"".join(record[1:] for record in records)


def synthetic_records(name):
    numbers = [20, 21] if name == "test_batch" else [int(name[-1]) - 1]
    pixels = bytes((7 * r + 3 * c + y + 2 * x) % 256 for r in numbers for c in range(3) for y in range(32) for x in range(32))
    return [r % 10 for r in numbers], pixels


def batch(name, labels, pixels, array):
    return {
        b"batch_label": ("testing batch 1 of 1" if name == "test_batch" else "training batch %s of 5" % name[-1]).encode(),
        b"labels": list(labels),
        b"data": array(pixels),
        b"filenames": [b"image_%d.png" % index for index in range(len(labels))],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-binary")
    source.add_argument("--synthetic", action="store_true")
    parser.add_argument("--to", required=True)
    parser.add_argument("--protocols", default="2")
    parser.add_argument("--numpy", action="store_true")
    parser.add_argument("--archive", action="store_true")
    options = parser.parse_args()
    array = real_numpy() if options.numpy else stand_in_numpy()
    protocols = [int(p) for p in options.protocols.split(",")]
    files = []
    for name in NAMES:
        records = synthetic_records(name) if options.synthetic else binary_records(options.from_binary, name)
        if records is not None:
            protocol = protocols[len(files) % len(protocols)]
            files.append((name, pickle.dumps(batch(name, *records, array), protocol=protocol)))
    os.makedirs(options.to, exist_ok=True)
    if options.archive:
        with tarfile.open(os.path.join(options.to, "cifar-10-python.tar.gz"), "w:gz", format=tarfile.USTAR_FORMAT) as archive:
            for name, data in files:
                member = tarfile.TarInfo("cifar-10-batches-py/" + name)
                member.size, member.mtime, member.mode = len(data), 0, 0o644
                archive.addfile(member, io.BytesIO(data))
    else:
        for name, data in files:
            with open(os.path.join(options.to, name), "wb") as output:
                output.write(data)
    print("wrote %d batches to %s" % (len(files), options.to))


if __name__ == "__main__":
    main()
