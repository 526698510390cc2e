from __future__ import annotations

from mlplat.render import pack
from tests.render.helpers import container, context, deployment, inventory


def _latest() -> object:
    return deployment(pod={"containers": [container(image="nginx:latest")]})


def test_mandatory_controls_see_inside_charts() -> None:
    config = {"k8s-image-pinned": {"enforcementLevel": "mandatory"}}
    findings = list(pack.check(inventory(_latest()), context(policy_config=config)))
    pinned = [f for f in findings if "[k8s-image-pinned]" in f.message]
    assert len(pinned) == 1 and pinned[0].severity == "error"
    assert pinned[0].release == "chart" and pinned[0].object == "app/Deployment/app"


def test_advisory_controls_warn_and_exemptions_are_notes() -> None:
    advisory = {"k8s-image-pinned": {"enforcementLevel": "advisory"}}
    (finding,) = [
        f
        for f in pack.check(inventory(_latest()), context(policy_config=advisory))
        if "k8s-image-pinned" in f.message
    ]
    assert finding.severity == "warning"
    exempt = {
        "k8s-image-pinned": {
            "enforcementLevel": "mandatory",
            "exemptions": [{"namespace": "app", "reason": "a vendor image we cannot pin"}],
        }
    }
    (noted,) = [
        f
        for f in pack.check(inventory(_latest()), context(policy_config=exempt))
        if "k8s-image-pinned" in f.message
    ]
    assert noted.severity == "info" and "a vendor image we cannot pin" in noted.message


def test_mlplat_own_objects_are_left_to_the_plan_verdict() -> None:
    own = deployment(pod={"containers": [container(image="nginx:latest")]}, source="mlplat")
    config = {"k8s-image-pinned": {"enforcementLevel": "mandatory"}}
    assert list(pack.check(inventory(own), context(policy_config=config))) == []


def test_workload_exemptions_match_objects_whose_template_leaves_the_namespace_to_helm() -> None:
    placed = _latest()
    del placed.manifest["metadata"]["namespace"]  # as the EFA device plugin's DaemonSet
    exempt = {
        "k8s-image-pinned": {
            "enforcementLevel": "mandatory",
            "exemptions": [{"workload": "app/Deployment/app", "reason": "a vendor image"}],
        }
    }
    (noted,) = [
        f
        for f in pack.check(inventory(placed), context(policy_config=exempt))
        if "k8s-image-pinned" in f.message
    ]
    assert noted.severity == "info"
