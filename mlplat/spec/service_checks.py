"""Rules for the `services:` section and GPU sharing that the JSON Schema cannot express."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlplat.spec import instances
from mlplat.spec.errors import SpecError
from mlplat.spec.findings import Check, error_at, reads
from mlplat.spec.model import CloudProvider, GpuSharing, PlatformSpec
from mlplat.spec.policy import PolicyLevel
from mlplat.spec.services import LoadBalancerScheme, MlflowAuth
from mlplat.spec.yaml_source import SourceDoc

INTERNAL_LB_CONTROL = "lb-not-internet-facing"
"""The policy control that fails an internet-facing load balancer (mandatory in prod)."""
_SSH_URL = re.compile(r"^(ssh://|[\w.-]+@[\w.-]+:)")


def _gpu_sharing(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    for i, pool in enumerate(spec.node_pools):
        sharing = pool.gpu_sharing
        if sharing is None:
            continue
        where = ("nodePools", i, "gpuSharing")
        if not pool.facts.known:
            continue  # the unknown type has its own error; its GPUs cannot be judged
        gpu = pool.facts.gpu
        if gpu is None:
            yield error_at(
                doc,
                "gpu-sharing-cpu-pool",
                where,
                f"pool '{pool.name}' has no NVIDIA GPUs to share",
                "remove gpuSharing, or use GPU instance types",
            )
        elif not pool.facts.device_plugin:  # Bottlerocket's own plugin
            yield error_at(
                doc,
                "gpu-sharing-bottlerocket",
                where,
                "Bottlerocket runs its own built-in NVIDIA device plugin, which mlplat's "
                "sharing configuration does not reach",
                "use os: al2023 for a pool that shares GPUs",
            )
        elif sharing.strategy is GpuSharing.MIG and not gpu.mig:
            yield error_at(
                doc,
                "mig-unsupported",
                (*where, "strategy"),
                f"the {gpu.model.upper()} GPUs of pool '{pool.name}' have no MIG partitions; "
                f"MIG needs one of {', '.join(sorted(m.upper() for m in instances.MIG_MODELS))}",
                "use strategy: timeSlicing",
            )


def _mlflow_auth(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    mlflow = spec.services.mlflow
    if mlflow is None:
        return
    if mlflow.auth is MlflowAuth.OIDC and mlflow.oidc is None:
        yield error_at(
            doc,
            "missing-field",
            ("services", "mlflow", "oidc"),
            "auth oidc needs the identity provider's settings",
            "add oidc: {discoveryUrl, clientId, clientSecretName, userGroups, adminGroups}",
        )
    if mlflow.auth is not MlflowAuth.OIDC and mlflow.oidc is not None:
        yield error_at(
            doc,
            "not-applicable",
            ("services", "mlflow", "oidc"),
            f"oidc is only used with auth oidc, and auth is {mlflow.auth}",
            "set auth: oidc, or remove oidc",
        )


def _airflow_dags(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    airflow = spec.services.airflow
    dags = airflow.dags if airflow else None
    if dags is None or not _SSH_URL.match(dags.repo):
        return
    if dags.ssh_key_secret is None:
        yield error_at(
            doc,
            "missing-field",
            ("services", "airflow", "dags", "sshKeySecret"),
            f"the ssh repository '{dags.repo}' needs a deploy key",
            "name the Secret here (e.g. airflow-git-deploy-key); mlplat creates it from "
            "`pulumi config set --secret mlplat:airflowGitSshKey < deploy_key`, or use an "
            "https URL for a public repository",
        )
    if not dags.known_hosts:
        yield error_at(
            doc,
            "missing-field",
            ("services", "airflow", "dags", "knownHosts"),
            f"the ssh repository '{dags.repo}' needs its server's host keys, or git-sync "
            "would trust any server that answers (and run its DAGs)",
            "add knownHosts: the output of `ssh-keyscan -t ed25519 <host>`, checked against "
            "the keys your git provider publishes",
        )


@reads("cloud", "metadata", "policy")
def _ingress(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    ingress = spec.services.ingress
    if ingress is None:
        return
    where = ("services", "ingress")
    on_aws = spec.cloud.provider is CloudProvider.AWS
    if on_aws and ingress.class_name is not None:
        yield error_at(
            doc,
            "not-applicable",
            (*where, "className"),
            "on aws the ingress class is alb, served by the AWS Load Balancer Controller",
            "remove className",
        )
    if not on_aws:
        if ingress.class_name is None:
            yield error_at(
                doc,
                "missing-field",
                (*where, "className"),
                "an existing cluster needs the ingress class of its own controller",
                "e.g. className: traefik or envoy (see `kubectl get ingressclass`); "
                "ingress-nginx is retired and gets no fixes",
            )
        for key, set_ in (
            ("certificateArn", ingress.certificate_arn is not None),
            ("scheme", ingress.scheme is not LoadBalancerScheme.INTERNAL),
            ("values", bool(ingress.values)),
            ("chartVersion", ingress.chart_version is not None),
        ):
            if set_:
                yield error_at(
                    doc,
                    "not-applicable",
                    (*where, key),
                    f"{key} configures the AWS load balancer (and its controller's chart) "
                    "and is only used with provider aws",
                    f"remove {key}",
                )
    acknowledged = spec.policy.enforcement.get(INTERNAL_LB_CONTROL) in (
        PolicyLevel.ADVISORY,
        PolicyLevel.DISABLED,
    ) or any(e.control == INTERNAL_LB_CONTROL for e in spec.policy.exemptions)
    public = ingress.scheme is LoadBalancerScheme.INTERNET_FACING
    if on_aws and spec.is_prod and public and not acknowledged:
        yield error_at(
            doc,
            "ingress-internet-facing",
            (*where, "scheme"),
            "the services' load balancer is internet-facing in prod: every service published "
            f"under {ingress.domain} is reachable from the internet, and the policy pack's "
            f"{INTERNAL_LB_CONTROL} control fails the plan",
            "use scheme: internal and reach it through a VPN or private link; if it must be "
            f"public, exempt the services' releases from {INTERNAL_LB_CONTROL} with the reason "
            "(policy.exemptions, e.g. resource: mlflow) and put single sign-on and a WAF in "
            "front",
            warning=True,
        )
    arn = ingress.certificate_arn
    if on_aws and arn is not None and arn.split(":")[3] != spec.cloud.region:
        yield error_at(
            doc,
            "certificate-region",
            (*where, "certificateArn"),
            f"the certificate is in '{arn.split(':')[3]}' but the load balancer is in "
            f"'{spec.cloud.region}'; an ALB only uses ACM certificates of its own region",
            f"request or import the certificate in {spec.cloud.region}",
        )


@reads("cloud")
def _aws_only_services(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    on_aws = spec.cloud.provider is CloudProvider.AWS
    if not on_aws and spec.services.autoscaling is not None:
        yield error_at(
            doc,
            "not-applicable",
            ("services", "autoscaling"),
            "autoscaling installs cluster-autoscaler for mlplat's EKS node pools; an "
            "existing cluster scales its own nodes",
            "remove autoscaling",
        )
    if on_aws and spec.cloud.gpu_node_selector:
        yield error_at(
            doc,
            "not-applicable",
            ("cloud", "gpuNodeSelector"),
            "on aws, GPU nodes come from GPU node pools",
            "remove gpuNodeSelector and declare a GPU pool in nodePools",
        )


SERVICE_CHECKS: tuple[Check, ...] = (
    _gpu_sharing,
    _mlflow_auth,
    _airflow_dags,
    _ingress,
    _aws_only_services,
)
