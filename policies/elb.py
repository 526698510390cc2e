"""Load balancers: none faces the internet unless someone decided it must.

mlplat's services sit behind one ALB the AWS Load Balancer Controller makes from Ingress
annotations, which the charts' values carry; the pack sees those values, Ingress and
Service objects, IngressClassParams, and load balancers declared directly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity
from pulumi_policy.proxy import UnknownValueError

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.helm import RELEASE
from mlplat.policies.props import dig, truthy

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
SERVICE = "kubernetes:core/v1:Service"
INGRESS_CLASS_PARAMS = "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams"
LOAD_BALANCERS = frozenset(
    {
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:alb/loadBalancer:LoadBalancer",
        "aws:elb/loadBalancer:LoadBalancer",
    }
)
PUBLIC = "internet-facing"
SCHEME_KEYS = (
    "alb.ingress.kubernetes.io/scheme",
    "service.beta.kubernetes.io/aws-load-balancer-scheme",
)
"""The AWS Load Balancer Controller's annotations for an Ingress's and a Service's scheme."""
LEGACY_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal"


def _public_annotations(values: Any, path: str = "") -> Iterator[str]:
    """Paths in chart values where a scheme annotation says internet-facing."""
    if not isinstance(values, Mapping):
        return
    for key in values:
        here = f"{path}.{key}" if path else str(key)
        try:
            value = values[key]
        except UnknownValueError:
            if key in SCHEME_KEYS:
                raise  # a scheme unknown before apply: cannot evaluate, never a pass
            continue
        if key in SCHEME_KEYS and value == PUBLIC:
            yield here
        elif isinstance(value, Mapping):
            yield from _public_annotations(value, here)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from _public_annotations(item, f"{here}[{i}]")


def _internal(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    props, kind = args.props, args.resource_type
    if kind in LOAD_BALANCERS:
        if not truthy(props.get("internal")):
            report("the load balancer is internet-facing (internal is not true)")
    elif kind == INGRESS_CLASS_PARAMS:
        if dig(props, "spec.scheme") == PUBLIC:
            report("the IngressClassParams make every ALB of its class internet-facing")
    elif kind == SERVICE:
        if dig(props, "spec.type") != "LoadBalancer":
            return
        annotations = dig(props, "metadata.annotations") or {}
        scheme = annotations.get(SCHEME_KEYS[1])
        if scheme == PUBLIC or (scheme is None and not truthy(annotations.get(LEGACY_INTERNAL))):
            report(
                "the LoadBalancer Service is internet-facing (no scheme annotation makes the "
                "in-tree controller's default, internet-facing)"
            )
    elif kind == INGRESS:
        if (dig(props, "metadata.annotations") or {}).get(SCHEME_KEYS[0]) == PUBLIC:
            report(f"the Ingress's ALB is internet-facing ({SCHEME_KEYS[0]})")
    else:
        for path in _public_annotations(props.get("values") or {}, "values"):
            report(f"{path} makes the chart's load balancer internet-facing")


CONTROLS = [
    Control(
        "lb-not-internet-facing",
        "Load balancers are internal: no ALB, NLB or ELB faces the internet.",
        frozenset({*LOAD_BALANCERS, INGRESS, SERVICE, INGRESS_CLASS_PARAMS, RELEASE}),
        ("AWS-WA-SEC05-BP01", "EKS-BPG-network-security"),
        Severity.HIGH,
        Level.ADVISORY,
        "Keep `services.ingress.scheme: internal` and reach the services through a VPN or "
        "private link. If they must be public, exempt the releases that publish them "
        "(`policy.exemptions`, e.g. `resource: mlflow`) with the reason, and put single "
        "sign-on and a WAF in front.",
        _internal,
        prod_level=Level.MANDATORY,
    ),
]
