from __future__ import annotations

from mlplat.render import admission
from tests.render.helpers import context, deployment, inventory, namespace


def _findings(*objects):
    return list(admission.check(inventory(*objects), context()))


def test_a_pod_that_meets_its_namespace_level_is_admitted() -> None:
    assert _findings(namespace("app"), deployment()) == []


def test_restricted_refuses_a_pod_without_the_restricted_contexts() -> None:
    pod = deployment(pod={"containers": [{"name": "app", "image": "x:1"}]})
    messages = [f.message for f in _findings(namespace("app"), pod)]
    assert any("allowPrivilegeEscalation" in m for m in messages)
    assert any("runAsNonRoot" in m for m in messages)
    assert all("Pod Security 'restricted' in namespace app" in m for m in messages)


def test_baseline_admits_what_restricted_refuses_but_not_host_paths() -> None:
    loose = deployment(pod={"containers": [{"name": "app", "image": "x:1"}]})
    assert _findings(namespace("app", "baseline"), loose) == []
    host = deployment(pod={"volumes": [{"name": "h", "hostPath": {"path": "/"}}]})
    (finding,) = _findings(namespace("app", "baseline"), host)
    assert "host path" in finding.message and finding.severity == "error"


def test_privileged_admits_host_access() -> None:
    host = deployment(
        pod={"hostNetwork": True, "volumes": [{"name": "h", "hostPath": {"path": "/"}}]}
    )
    assert _findings(namespace("app", "privileged"), host) == []


def test_a_namespace_nobody_creates_is_an_error_once_and_system_namespaces_exist() -> None:
    findings = _findings(deployment(name="a"), deployment(name="b"))
    assert len(findings) == 1 and "'app' is not created" in findings[0].message
    assert _findings(deployment(namespace="kube-system")) == []
