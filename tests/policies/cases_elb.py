"""Fixtures for lb-not-internet-facing: each way a load balancer can be declared."""

from __future__ import annotations

from mlplat.policies.runner import Resource
from tests.policies.fixtures import GOOD_MLFLOW_VALUES, k8s, release, res

ALB_SCHEME = "alb.ingress.kubernetes.io/scheme"
NLB_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"


def chart_ingress(scheme: str) -> list[Resource]:
    """A chart whose Ingress values ask the controller for a load balancer of ``scheme``."""
    ingress = {"enabled": True, "annotations": {ALB_SCHEME: scheme}}
    return [release({**GOOD_MLFLOW_VALUES, "ingress": ingress})]


def ingress(scheme: str) -> list[Resource]:
    metadata = {"name": "web", "namespace": "mlflow", "annotations": {ALB_SCHEME: scheme}}
    body = {"metadata": metadata, "spec": {"ingressClassName": "alb"}}
    return [k8s("Ingress", "networking.k8s.io/v1", body)]


def service(kind: str, annotations: dict[str, str]) -> list[Resource]:
    metadata = {"name": "svc", "namespace": "mlflow", "annotations": annotations}
    return [k8s("Service", "core/v1", {"metadata": metadata, "spec": {"type": kind}})]


def load_balancer(**props: object) -> list[Resource]:
    return [res(LOAD_BALANCER, {"loadBalancerType": "application", **props})]


PUBLIC_PARAMS = k8s(
    "IngressClassParams",
    "elbv2.k8s.aws/v1beta1",
    {"spec": {"scheme": "internet-facing"}},
    namespace=None,
)
ELB_CASES: dict[str, list[tuple[str, list, bool]]] = {
    "lb-not-internet-facing": [
        ("internal ALB from chart values", chart_ingress("internal"), False),
        ("internet-facing ALB from chart values", chart_ingress("internet-facing"), True),
        ("internal Ingress", ingress("internal"), False),
        ("internet-facing Ingress", ingress("internet-facing"), True),
        ("ClusterIP Service", service("ClusterIP", {}), False),
        ("internal NLB Service", service("LoadBalancer", {NLB_SCHEME: "internal"}), False),
        ("LoadBalancer Service, no scheme", service("LoadBalancer", {}), True),
        ("internal load balancer", load_balancer(internal=True), False),
        ("load balancer, internal unset", load_balancer(), True),
        ("internet-facing IngressClassParams", [PUBLIC_PARAMS], True),
    ],
}
