"""EksCluster: the EKS control plane, its IAM role, logs, OIDC provider and admin access.

Driven by the spec's ``cluster`` section. Stateful (it holds every workload), so it is
protected and retained in prod. Secure defaults: private API endpoint; Kubernetes
secrets envelope-encrypted with the platform key; all five control-plane log types, into
a log group created here with retention and encryption (EKS would otherwise create one
that keeps logs forever, unencrypted); authentication through access entries only (no
aws-auth ConfigMap) and no implicit admin for whoever created it. A private endpoint is
reached through the cluster security group, which admits the cluster's own nodes and pods
and the CIDRs the spec lists (a runner inside the VPC), or through a proxy the kubeconfig
names (a tunnel). Add-ons live in ``EksAddons``.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import pulumi
import pulumi_aws as aws

from mlplat.components.args import coerce, spec_fields
from mlplat.components.iam import (
    IRSA_AUDIENCE,
    assume_role_policy,
    eks_access_policy_arn,
    kms_use_for_grants,
    managed_policy_arn,
    principal_key,
)
from mlplat.components.options import stateful
from mlplat.spec.model import ClusterSpec, EndpointAccess

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
"""Every control-plane log type EKS can send to CloudWatch Logs."""


@dataclass(frozen=True)
class EksClusterArgs:
    """Inputs of an EksCluster: where it lives, who administers it, who reaches its API."""

    cluster_name: str
    """Physical EKS cluster name; changing it replaces the cluster."""
    subnet_ids: pulumi.Input[list[str]]
    """Private subnets for the control plane's network interfaces."""
    region: str
    """Region, written into the kubeconfig's token command."""
    partition: str
    """ARN partition (aws, aws-us-gov)."""
    kms_key_arn: pulumi.Input[str]
    """Platform key: envelope-encrypts Kubernetes secrets and the control-plane log group."""
    protect: bool
    """Protect and retain the cluster (prod)."""
    service_cidr: str | None = None
    """Range of Service IPs; None lets EKS choose (NetworkPolicies then cannot name the API
    server's Service IP)."""
    kubernetes_version: str = "1.35"
    """Kubernetes minor version of the EKS control plane."""
    endpoint_access: EndpointAccess = EndpointAccess.PRIVATE
    """Who can reach the API server endpoint: private, public or both."""
    public_access_cidrs: Sequence[str] = ()
    """CIDRs allowed to reach a public endpoint."""
    private_access_cidrs: Sequence[str] = ()
    """Private CIDRs (runners in the VPC, a VPN) admitted to the private endpoint on 443."""
    kubeconfig_proxy_url: str | None = None
    """A proxy (e.g. a SOCKS tunnel into the VPC) the kubeconfig reaches the API through."""
    admins: Sequence[str] = ()
    """IAM principal ARNs granted cluster admin via access entries."""
    log_retention_days: int = 365
    """Days control-plane logs are kept."""

    @classmethod
    def from_spec(cls, spec: ClusterSpec, **rest: Any) -> Self:
        """Args with the spec's cluster section; ``rest`` gives the other fields."""
        return cls(**{**spec_fields(spec, cls), **rest})


class EksCluster(pulumi.ComponentResource):
    """An EKS control plane: private endpoint, encrypted secrets, every log type, access
    entries for its admins and an OIDC provider for workload roles."""

    name: pulumi.Output[str]
    """Name of the cluster."""
    arn: pulumi.Output[str]
    """ARN of the cluster."""
    endpoint: pulumi.Output[str]
    """URL of the Kubernetes API server."""
    version: pulumi.Output[str]
    """Kubernetes minor version the control plane runs."""
    security_group_id: pulumi.Output[str]
    """The EKS-created cluster security group, shared by the control plane and nodes."""
    oidc_provider_arn: pulumi.Output[str]
    """ARN of the cluster's IAM OIDC provider (IRSA trusts it)."""
    oidc_issuer: pulumi.Output[str]
    """Issuer URL of the cluster's service-account tokens."""
    kubeconfig: pulumi.Output[str]
    """Secret. Released only once every admin access entry exists."""

    def __init__(
        self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(EksClusterArgs, args)
        super().__init__("mlplat:index:EksCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-cluster-role",
            assume_role_policy=assume_role_policy(
                "eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession")
            ),
            opts=child,
        )
        policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-policy",
            role=role.name,
            policy_arn=managed_policy_arn(args.partition, "AmazonEKSClusterPolicy"),
            opts=child,
        )
        key_use = aws.iam.RolePolicy(
            f"{name}-cluster-kms",
            role=role.id,
            policy=pulumi.Output.from_input(args.kms_key_arn).apply(kms_use_for_grants),
            opts=child,
        )
        logs = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=f"/aws/eks/{args.cluster_name}/cluster",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        public = args.endpoint_access is not EndpointAccess.PRIVATE
        cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            version=args.kubernetes_version,
            role_arn=role.arn,
            # Pinned to the range EKS picks itself, so NetworkPolicies can name the API
            # server's Service IP (an unchanged value on clusters created before).
            kubernetes_network_config={"service_ipv4_cidr": args.service_cidr},
            vpc_config={
                "subnet_ids": args.subnet_ids,
                "endpoint_private_access": True,
                "endpoint_public_access": public,
                "public_access_cidrs": list(args.public_access_cidrs) if public else None,
            },
            access_config={
                "authentication_mode": "API",
                "bootstrap_cluster_creator_admin_permissions": False,
            },
            encryption_config={
                "provider": {"key_arn": args.kms_key_arn},
                "resources": ["secrets"],
            },
            enabled_cluster_log_types=list(LOG_TYPES),
            bootstrap_self_managed_addons=False,
            opts=stateful(self, args.protect, depends_on=[policy, key_use, logs]),
        )
        issuer = cluster.identities[0].oidcs[0].issuer
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=issuer, client_id_lists=[IRSA_AUDIENCE], opts=child
        )

        grants = []
        for arn in args.admins:
            key = f"{name}-admin-{principal_key(arn)}"
            entry = aws.eks.AccessEntry(
                key, cluster_name=cluster.name, principal_arn=arn, type="STANDARD", opts=child
            )
            grants.append(
                aws.eks.AccessPolicyAssociation(
                    key,
                    cluster_name=cluster.name,
                    principal_arn=entry.principal_arn,
                    policy_arn=eks_access_policy_arn(args.partition, "AmazonEKSClusterAdminPolicy"),
                    access_scope={"type": "cluster"},
                    opts=child,
                )
            )

        for cidr in args.private_access_cidrs:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-api-from-{cidr.replace('.', '-').replace('/', '-')}",
                security_group_id=cluster.vpc_config.cluster_security_group_id,
                cidr_ipv4=cidr,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description=f"Kubernetes API from {cidr} (cluster.privateAccessCidrs)",
                opts=child,
            )

        self.name = cluster.name
        self.arn = cluster.arn
        self.endpoint = cluster.endpoint
        self.version = cluster.version
        self.security_group_id = cluster.vpc_config.cluster_security_group_id
        self.oidc_provider_arn = oidc.arn
        self.oidc_issuer = issuer
        ready = pulumi.Output.all(
            cluster.name,
            cluster.endpoint,
            cluster.certificate_authority.data,
            *[g.id for g in grants],
        )
        self.kubeconfig = pulumi.Output.secret(
            ready.apply(
                lambda v: kubeconfig(v[0], v[1], v[2], args.region, args.kubeconfig_proxy_url)
            )
        )
        self.register_outputs(
            {
                "name": self.name,
                "arn": self.arn,
                "endpoint": self.endpoint,
                "securityGroupId": self.security_group_id,
                "oidcProviderArn": self.oidc_provider_arn,
                "oidcIssuer": self.oidc_issuer,
                "kubeconfig": self.kubeconfig,
            }
        )


def kubeconfig(
    cluster_name: str, endpoint: str, ca_data: str, region: str, proxy_url: str | None = None
) -> str:
    """A kubeconfig that authenticates with `aws eks get-token` (no long-lived token); with
    ``proxy_url``, through that proxy (a tunnel to a private endpoint)."""
    server = {"server": endpoint, "certificate-authority-data": ca_data}
    if proxy_url:
        server["proxy-url"] = proxy_url
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster_name, "cluster": server}],
            "contexts": [
                {"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}
            ],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": [
                                "eks",
                                "get-token",
                                "--cluster-name",
                                cluster_name,
                                "--region",
                                region,
                                "--output",
                                "json",
                            ],
                        }
                    },
                }
            ],
        },
        sort_keys=True,
    )
