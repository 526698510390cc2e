import json

import pulumi
import pytest

from mlplat.components.workload_identity import (
    IRSA_ROLE_ANNOTATION,
    WorkloadIdentity,
    WorkloadIdentityArgs,
)
from mlplat.spec.model import WorkloadIdentityMode
from tests.components.fixtures import IDENTITY

POLICY = '{"Statement": [], "Version": "2012-10-17"}'


def _identity(synth, mode):
    def program():
        identity = WorkloadIdentity(
            "mlflow",
            WorkloadIdentityArgs(
                cluster=IDENTITY,
                namespace="platform",
                service_account="mlflow",
                mode=mode,
                policy=POLICY,
            ),
        )
        pulumi.export("annotations", identity.service_account_annotations)

    return synth(program)


def test_irsa_role_trusts_exactly_one_service_account(synth) -> None:
    out = _identity(synth, WorkloadIdentityMode.IRSA)
    trust = json.loads(out.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Federated": IDENTITY.oidc_provider_arn}
    assert statement["Condition"] == {
        "StringEquals": {
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:platform:mlflow",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
        }
    }
    assert out.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation") == []
    assert out.outputs["annotations"] == {
        IRSA_ROLE_ANNOTATION: "arn:aws:iam::123456789012:role/mlflow-role"
    }


def test_pod_identity_role_is_bound_by_one_association(synth) -> None:
    out = _identity(synth, WorkloadIdentityMode.POD_IDENTITY)
    trust = json.loads(out.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    association = out.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs
    assert (association["namespace"], association["serviceAccount"]) == ("platform", "mlflow")
    assert association["clusterName"] == "plat"
    assert out.outputs["annotations"] == {}


@pytest.mark.parametrize("mode", list(WorkloadIdentityMode))
def test_permissions_are_the_given_inline_policy(synth, mode) -> None:
    policy = _identity(synth, mode).one("aws:iam/rolePolicy:RolePolicy")
    assert policy.inputs["policy"] == POLICY
