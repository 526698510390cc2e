"""Ingress on AWS: the Load Balancer Controller with internal ALBs and TLS from ACM."""

from __future__ import annotations

import json

import yaml

from tests.components.services.helpers import of_type, releases
from tests.conftest import STACKS, planned
from tests.render.examples import errors, needs_charts, rendered, rerendered

PROD = STACKS / "prod.yaml"


def test_services_are_published_through_an_internal_alb_with_tls() -> None:
    mlflow = releases(PROD)["mlflow"].inputs["values"]["ingress"]
    assert mlflow["className"] == "alb"
    annotations = mlflow["annotations"]
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internal"
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"].startswith(
        "arn:aws:acm:eu-west-1:"
    )
    assert annotations["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTPS": 443}]'
    assert mlflow["hosts"][0]["host"] == "mlflow.ml.example.com"
    airflow = releases(PROD)["airflow"].inputs["values"]["ingress"]["apiServer"]
    assert airflow["hosts"] == [{"name": "airflow.ml.example.com"}]
    assert planned(PROD).outputs["serviceUrls"]["mlflow"] == "https://mlflow.ml.example.com"


def test_the_controller_knows_its_cluster_and_vpc() -> None:
    values = releases(PROD)["aws-load-balancer-controller"].inputs["values"]
    assert values["clusterName"] == "mlplat-prod"
    assert values["vpcId"].startswith("vpc-")
    assert values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]


def test_services_wait_for_the_controller_webhook() -> None:
    controller = releases(PROD)["aws-load-balancer-controller"].urn
    for name in ("mlflow", "airflow", "feast"):
        assert controller in releases(PROD)[name].options["dependsOn"], name


def test_no_ingress_means_cluster_internal_urls() -> None:
    urls = planned(STACKS / "dev.yaml").outputs["serviceUrls"]
    assert urls["mlflow"] == "http://mlflow.mlflow.svc:5000"
    assert "aws-load-balancer-controller" not in releases(STACKS / "dev.yaml")


def test_the_controller_role_names_the_platforms_vpc_and_cluster_security_group() -> None:
    (policy,) = [
        r
        for r in of_type(PROD, "aws:iam/rolePolicy:RolePolicy")
        if r.name == "mlplat-prod-ingress-identity-policy"
    ]
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    vpc_id = releases(PROD)["aws-load-balancer-controller"].inputs["values"]["vpcId"]
    cluster_sg = {
        rule.inputs["referencedSecurityGroupId"]
        for rule in of_type(PROD, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if "referencedSecurityGroupId" in rule.inputs
    }
    assert len(cluster_sg) == 1
    create = statements["CreateTaggedSecurityGroupsInThePlatformVpc"]["Resource"]
    assert create[0].endswith(f":vpc/{vpc_id}")
    opened = statements["OpenPodEnisToLoadBalancers"]["Resource"]
    assert opened.endswith(f":security-group/{cluster_sg.pop()}")


@needs_charts
def test_no_fail_closed_webhook_refuses_another_releases_objects_on_a_new_cluster() -> None:
    assert (
        releases(PROD)["aws-load-balancer-controller"].inputs["values"][
            "enableServiceMutatorWebhook"
        ]
        is False
    )
    assert not errors(rendered(PROD), "hazard")

    def service_webhook_on(values: dict) -> None:
        values["enableServiceMutatorWebhook"] = True

    found = errors(rerendered(PROD, "aws-load-balancer-controller", service_webhook_on), "hazard")
    assert any("fails closed for Service objects" in f.message for f in found)


@needs_charts
def test_kueues_webhooks_only_reach_team_namespaces() -> None:
    def chart_scope(values: dict) -> None:
        config = values["managerConfig"]["controllerManagerConfigYaml"]
        document = yaml.safe_load(config)
        del document["managedJobsNamespaceSelector"]
        values["managerConfig"]["controllerManagerConfigYaml"] = yaml.safe_dump(document)

    found = errors(rerendered(PROD, "kueue", chart_scope), "hazard")
    assert any(f.release == "kueue" and "fails closed" in f.message for f in found)
