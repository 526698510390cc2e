"""cluster-autoscaler: its own scoped role, an image matching the control plane, least-waste."""

from __future__ import annotations

import json

from mlplat.components.charts import CLUSTER_AUTOSCALER_IMAGES
from tests.components.services.helpers import of_type, releases
from tests.conftest import STACKS

PROD = STACKS / "prod.yaml"


def test_the_autoscaler_matches_the_cluster_and_prefers_least_waste() -> None:
    values = releases(PROD)["cluster-autoscaler"].inputs["values"]
    assert values["image"]["tag"] == CLUSTER_AUTOSCALER_IMAGES["1.35"] == "v1.35.0"
    assert values["extraArgs"]["expander"] == "least-waste"
    assert values["autoDiscovery"] == {"clusterName": "mlplat-prod"}
    annotations = values["rbac"]["serviceAccount"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"].endswith(
        "mlplat-prod-autoscaler-identity-role"
    )


def test_the_autoscaler_may_resize_only_this_clusters_groups() -> None:
    (policy,) = [
        p
        for p in of_type(PROD, "aws:iam/rolePolicy:RolePolicy")
        if p.name == "mlplat-prod-autoscaler-identity-policy"
    ]
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    scale = statements["ScaleOwnGroups"]
    assert scale["Condition"] == {
        "StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/mlplat-prod": "owned"}
    }
    groups = statements["ReadNodeGroups"]["Resource"]
    assert len(groups) == 5 and all(":nodegroup/mlplat-prod/" in arn for arn in groups)


def test_no_autoscaler_unless_the_spec_asks() -> None:
    assert "cluster-autoscaler" not in releases(STACKS / "dev.yaml")
