#!/usr/bin/env python3
"""An independent reader of safetensors files (json + struct only), used by the tests to check
what `lipflow export` writes: header length, JSON entries, dtypes, shapes, byte counts, offsets
that tile the data exactly, and finite float32 values. Prints one line per file:
`<path>: ok, <n> tensors, <bytes> bytes of data`; exits 1 with the reason otherwise."""
import json
import math
import struct
import sys

SIZES = {"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4}


def check(path):
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 8:
        raise ValueError("shorter than the header length")
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        raise ValueError("header length %d past the end" % length)
    header = json.loads(data[8:8 + length].decode("utf-8"))
    body = data[8 + length:]
    header.pop("__metadata__", None)
    spans = []
    for name, entry in header.items():
        dtype, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
        count = 1
        for extent in shape:
            count *= extent
        if dtype not in SIZES or count * SIZES[dtype] != end - begin:
            raise ValueError("%s: %s %s does not fit offsets [%d, %d]" % (name, dtype, shape, begin, end))
        if dtype == "F32":
            values = struct.unpack("<%df" % count, body[begin:end])
            if not all(math.isfinite(value) for value in values):
                raise ValueError("%s: non-finite values" % name)
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            raise ValueError("%s: data starts at %d, expected %d" % (name, begin, position))
        position = end
    if position != len(body):
        raise ValueError("%d bytes after the last tensor" % (len(body) - position))
    return len(header), len(body)


if __name__ == "__main__":
    status = 0
    for path in sys.argv[1:]:
        try:
            tensors, size = check(path)
            print("%s: ok, %d tensors, %d bytes of data" % (path, tensors, size))
        except Exception as error:  # one line per bad file
            print("%s: invalid: %s" % (path, error))
            status = 1
    sys.exit(status)
