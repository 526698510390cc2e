"""WorkloadIdentity: an IAM role that exactly one Kubernetes service account can use.

The one way the platform hands AWS credentials to pods (add-ons, and the services that
issue #4 installs). IRSA trusts the cluster's OIDC provider with ``:sub`` pinned to
``system:serviceaccount:<namespace>:<name>`` and ``:aud`` to STS in one condition map;
EKS Pod Identity trusts the pods service in this account and cluster, and one
association pins the service account. Permissions are documents from ``components.iam``
scoped to named resources, plus AWS-managed policies only where AWS maintains the
action list (the CSI and CNI drivers).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from mlplat.components.args import coerce
from mlplat.components.iam import irsa_trust_policy, managed_policy_arn, pod_identity_trust_policy
from mlplat.spec.model import WorkloadIdentityMode

IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"


@dataclass(frozen=True)
class ClusterIdentity:
    """What a workload role needs to know about the cluster."""

    cluster_name: pulumi.Input[str]
    """Name of the EKS cluster (Pod Identity associations name it)."""
    cluster_arn: pulumi.Input[str]
    """ARN of the cluster (the Pod Identity trust is pinned to it)."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's IAM OIDC provider (the IRSA trust names it)."""
    oidc_issuer: pulumi.Input[str]
    """Issuer URL of the cluster's service-account tokens (https://...)."""
    account_id: pulumi.Input[str]
    """The cluster's account."""
    partition: str
    """ARN partition (aws, aws-us-gov)."""


@dataclass(frozen=True)
class WorkloadIdentityArgs:
    """Inputs of a WorkloadIdentity: which service account, how, and what it may do."""

    cluster: ClusterIdentity
    """The cluster whose service account gets the role."""
    namespace: str
    """Namespace of the service account."""
    service_account: str
    """Name of the service account."""
    mode: WorkloadIdentityMode = WorkloadIdentityMode.IRSA
    """IRSA or EKS Pod Identity."""
    policy: pulumi.Input[str] | None = None
    """Inline least-privilege permissions (a document from components.iam); None for none."""
    managed_policies: Sequence[str] = ()
    """Names of AWS-managed policies to attach, e.g. AmazonEBSCSIDriverPolicy."""
    more_namespaces: Sequence[str] = ()
    """Further namespaces whose service account of the same name may use the role."""
    tags: dict[str, pulumi.Input[str]] | None = None
    """Tags on the role beyond the provider's defaults (a team's cost tags)."""


class WorkloadIdentity(pulumi.ComponentResource):
    """An IAM role that exactly one Kubernetes service account can use (IRSA or EKS Pod
    Identity)."""

    role_arn: pulumi.Output[str]
    """ARN of the role, released once its permissions are attached."""
    service_account_annotations: pulumi.Output[dict[str, str]]
    """Annotations the service account needs (the role ARN under IRSA; none under Pod Identity)."""

    def __init__(
        self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(WorkloadIdentityArgs, args)
        super().__init__("mlplat:index:WorkloadIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cluster = args.cluster
        if args.mode is WorkloadIdentityMode.IRSA:
            trust = pulumi.Output.all(cluster.oidc_provider_arn, cluster.oidc_issuer).apply(
                lambda v: irsa_trust_policy(
                    v[0], v[1], args.namespace, args.service_account, args.more_namespaces
                )
            )
        else:
            trust = pulumi.Output.all(cluster.account_id, cluster.cluster_arn).apply(
                lambda v: pod_identity_trust_policy(v[0], v[1])
            )
        role = aws.iam.Role(
            f"{name}-role",
            description=f"workload identity of {args.namespace}/{args.service_account}",
            assume_role_policy=trust,
            tags=args.tags,
            opts=child,
        )
        grants: list[pulumi.Resource] = []
        if args.policy is not None:
            grants.append(
                aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=args.policy, opts=child)
            )
        grants += [
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy}",
                role=role.name,
                policy_arn=managed_policy_arn(cluster.partition, policy),
                opts=child,
            )
            for policy in args.managed_policies
        ]
        if args.mode is WorkloadIdentityMode.POD_IDENTITY:
            for namespace in (args.namespace, *args.more_namespaces):
                suffix = "" if namespace == args.namespace else f"-{namespace}"
                aws.eks.PodIdentityAssociation(
                    f"{name}-association{suffix}",
                    cluster_name=cluster.cluster_name,
                    namespace=namespace,
                    service_account=args.service_account,
                    role_arn=role.arn,
                    tags=args.tags,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=grants),
                )
        # Consumers wait for the permissions, not just the role, before a pod uses it.
        self.role_arn = pulumi.Output.all(role.arn, *[g.id for g in grants]).apply(lambda v: v[0])
        irsa = args.mode is WorkloadIdentityMode.IRSA
        self.service_account_annotations = self.role_arn.apply(
            lambda arn: {IRSA_ROLE_ANNOTATION: arn} if irsa else {}
        )
        self.register_outputs(
            {
                "roleArn": self.role_arn,
                "serviceAccountAnnotations": self.service_account_annotations,
            }
        )
