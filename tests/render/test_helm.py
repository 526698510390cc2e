from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from mlplat.render import helm

CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
    - name: v1beta1
      served: true
    - name: v1
      served: true
      additionalPrinterColumns:
        - name: Age
          jsonPath: .metadata.creationTimestamp
"""


def _chart(path: Path, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_the_cache_is_the_option_then_the_environment_then_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLPLAT_CHARTS", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert helm.chart_cache(tmp_path / "opt") == tmp_path / "opt"
    assert helm.chart_cache(None) == tmp_path / "env"
    monkeypatch.delenv("MLPLAT_CHARTS")
    assert helm.chart_cache(None) == tmp_path / "xdg" / "mlplat" / "charts"


def test_the_apis_a_chart_installs_are_read_from_its_crds(tmp_path: Path) -> None:
    templated = "{{- if .Values.enabled }}\n---\n" + CRD.replace("example.com", "other.io")
    chart = _chart(
        tmp_path / "c-1.0.0.tgz",
        {"c/crds/w.yaml": CRD, "c/templates/t.yaml": templated, "c/values.yaml": "enabled: true"},
    )
    assert helm.chart_apis(chart) == (
        ("example.com/v1", "Widget"),
        ("example.com/v1beta1", "Widget"),
        ("other.io/v1", "Widget"),
        ("other.io/v1beta1", "Widget"),
    )


def _fake_helm(folder: Path, version: str, pull_exit: int = 1) -> None:
    script = folder / "helm"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = version ]; then echo {version}; exit 0; fi\n'
        f'if [ "$1" = pull ]; then echo "Error: no such host" >&2; exit {pull_exit}; fi\n'
        "exit 3\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


@pytest.mark.parametrize(
    ("version", "accepted"),
    [("v3.17.4", False), ("v3.18.0", True), ("v4.1.4", True), ("garbage", False)],
)
def test_helm_is_version_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, accepted: bool
) -> None:
    _fake_helm(tmp_path, version)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    if accepted:
        assert helm.find_helm().version == version
    else:
        with pytest.raises(helm.HelmError, match=r"needs 3\.18\+ or 4\.x"):
            helm.find_helm()


def test_a_failed_pull_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_helm(tmp_path, "v4.1.4")
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    why = helm.pull(helm.find_helm(), tmp_path / "cache", "airflow", "https://x", "1.0.0")
    assert why == "helm pull failed: Error: no such host"
