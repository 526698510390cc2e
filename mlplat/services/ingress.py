"""Ingress: on aws the AWS Load Balancer Controller (its own role and IAM document, in
``components/iam_load_balancer.py``); on an existing cluster, the ingress class it has.
Services built after it publish themselves through its exposure."""

from __future__ import annotations

from mlplat.components.services.context import Exposure
from mlplat.components.services.load_balancer import (
    NAMESPACE,
    LoadBalancerController,
    LoadBalancerControllerArgs,
)
from mlplat.services.service import ApiClient, Built, Needs, Provided, Service, Shared
from mlplat.spec.model import PlatformSpec
from mlplat.spec.services import IngressSpec


def _needs(section: IngressSpec, spec: PlatformSpec) -> Needs:
    return Needs(load_balancer=section.scheme)


def _build(section: IngressSpec, provided: Provided) -> Built:
    tls = bool(section.certificate_arn)
    cloud, spec = provided.cloud, provided.spec
    if cloud is None:
        assert section.class_name is not None, "the spec checks require a class off aws"
        exposure = Exposure(domain=section.domain, class_name=section.class_name)
        return Built(shared=Shared(exposure=exposure, tls=tls))
    controller = LoadBalancerController(
        provided.name,
        LoadBalancerControllerArgs(
            spec=section,
            provider=provided.context.provider,
            cluster=cloud.identity,
            cluster_name=spec.metadata.name,
            region=cloud.region,
            vpc_id=cloud.network.vpc_id,
            cluster_security_group_id=cloud.cluster.security_group_id,
            platform=spec.metadata.name,
            identity_mode=spec.cluster.workload_identity,
        ),
        cloud.opts,
    )
    return Built(
        shared=Shared(exposure=controller.exposure, tls=tls, ingress_controller=controller.release)
    )


SERVICE = Service(
    name="ingress",
    section=lambda spec: spec.services.ingress,
    needs=_needs,
    build=_build,
    charts=("load-balancer-controller",),
    api_clients=(
        ApiClient(
            f"{NAMESPACE}/Deployment/aws-load-balancer-controller",
            "turns Ingresses into load balancers and registers the pods behind them",
        ),
    ),
)
