from __future__ import annotations

import io
import tarfile
from pathlib import Path

from mlplat.render import values

VALUES = """
replicas: 1
podAnnotations: {}
securityContexts:
  pod: {}
  containers: {}
resources:
  requests: {cpu: 10m}
extraArgs:
  v: 2
sub:
  enabled: true
"""
TEMPLATES = """
spec:
  replicas: {{ .Values.replicas }}
  {{- with .Values.resources }}
  resources: {{ toYaml . | nindent 4 }}
  {{- end }}
  args:
  {{- range $key, $value := .Values.extraArgs }}
  - --{{ $key }}={{ $value }}
  {{- end }}
"""


def _chart(tmp_path: Path) -> Path:
    path = tmp_path / "c-1.0.0.tgz"
    files = {
        "c/values.yaml": VALUES,
        "c/templates/deployment.yaml": TEMPLATES,
        "c/charts/sub/values.yaml": "image: {tag: '1'}\nlabels: {}\n",
        "c/ci/values.yaml": "notAKey: 1\n",
    }
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_keys_the_chart_defines_or_leaves_open_pass(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    ours = {
        "replicas": 2,
        "podAnnotations": {"a": "b"},
        "securityContexts": {"containers": {"readOnlyRootFilesystem": True}},
        "resources": {"limits": {"memory": "1Gi"}},  # handed on whole with `with`/toYaml
        "extraArgs": {"expander": "least-waste"},  # ranged over
        "sub": {"image": {"tag": "2"}, "labels": {"x": "y"}},  # the subchart's own keys
    }
    assert list(values.check("r", chart, ours)) == []


def test_a_key_the_chart_does_not_define_is_an_error(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    ours = {"replicaCount": 2, "securityContexts": {"container": {}}, "sub": {"imag": {}}}
    found = {f.field for f in values.check("r", chart, ours)}
    assert found == {"replicaCount", "securityContexts.container", "sub.imag"}
    assert "notAKey" not in values.chart_defaults(chart)  # ci/ values are not the chart's
