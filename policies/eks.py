"""EKS control plane, access and managed node groups."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import as_list, dig
from mlplat.spec import instances

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ADDON = "aws:eks/addon:Addon"
ACCESS_POLICY = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
OPEN_CIDRS = {"0.0.0.0/0", "::/0"}
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
GPU_AMI_MARKS = ("NVIDIA", "GPU")
"""EKS AMI types for NVIDIA GPU nodes say so: AL2023_*_NVIDIA, BOTTLEROCKET_*_NVIDIA,
AL2_x86_64_GPU."""


def _endpoint_open(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    vpc = args.props.get("vpcConfig") or {}
    if vpc.get("endpointPublicAccess") is False:
        return
    cidrs = as_list(vpc.get("publicAccessCidrs"))
    if not cidrs:
        report("the public endpoint has no publicAccessCidrs, so AWS opens it to 0.0.0.0/0")
    elif open_ := sorted(OPEN_CIDRS & set(cidrs)):
        report(f"the public endpoint is open to {', '.join(open_)}")


def _endpoint_private(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    vpc = args.props.get("vpcConfig") or {}
    if vpc.get("endpointPublicAccess") is not False:
        report("the API endpoint is public (endpointPublicAccess is not false)")
    if vpc.get("endpointPrivateAccess") is not True:
        report("private endpoint access is off, so nodes reach the API over the internet")


def _secrets_kms(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    config = args.props.get("encryptionConfig") or {}
    if "secrets" not in as_list(config.get("resources")) or not dig(config, "provider.keyArn"):
        report("Kubernetes secrets are not envelope-encrypted with a KMS key")


def _logging(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    enabled = set(as_list(args.props.get("enabledClusterLogTypes")))
    if missing := [t for t in settings["requiredLogTypes"] if t not in enabled]:
        report(f"control-plane log types not enabled: {', '.join(missing)}")


def _access_entries(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if args.resource_type == ACCESS_POLICY:
        principal = args.props.get("principalArn")
        if args.props.get("policyArn") == CLUSTER_ADMIN_POLICY and principal not in set(
            settings["allowedAdminPrincipals"]
        ):
            report(f"{principal} gets cluster admin but is not an allowed admin principal")
        return
    access = args.props.get("accessConfig") or {}
    mode = access.get("authenticationMode") or "CONFIG_MAP"
    if mode == "CONFIG_MAP":
        report("authentication uses only the aws-auth ConfigMap; use access entries (API)")
    if access.get("bootstrapClusterCreatorAdminPermissions") is not False:
        report("the cluster creator is made a hidden cluster admin")


def _network_policy(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    addons = [r for r in args.resources if r.resource_type == ADDON]
    for cluster in (r for r in args.resources if r.resource_type == CLUSTER):
        cni = [
            a
            for a in addons
            if a.props.get("addonName") == "vpc-cni"
            and cluster in a.property_dependencies.get("clusterName", [])
        ]
        if not cni:
            report("no managed vpc-cni add-on, so NetworkPolicies are not enforced", cluster.urn)
            continue
        values = cni[0].props.get("configurationValues") or "{}"
        try:
            enabled = str(json.loads(values).get("enableNetworkPolicy", "")).lower() == "true"
        except (TypeError, ValueError, AttributeError):
            enabled = False
        if not enabled:
            report("the vpc-cni add-on does not set enableNetworkPolicy", cluster.urn)


def _launch_template(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if not args.props.get("launchTemplate"):
        report("no launch template, so IMDS and volume settings are AWS defaults")


def _no_ssh(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    remote = args.props.get("remoteAccess")
    if remote and remote.get("ec2SshKey") and not settings["allowSsh"]:
        sources = as_list(remote.get("sourceSecurityGroupIds"))
        where = "from anywhere" if not sources else "from the listed security groups"
        report(f"SSH key {remote.get('ec2SshKey')!r} is installed and port 22 is open {where}")


def is_gpu_node_group(props: Any) -> bool:
    """NVIDIA GPU nodes: an NVIDIA AMI type, or an instance type of a family the instance
    table says carries NVIDIA GPUs (any size, the families node pools refuse included,
    as the node group may not be mlplat's)."""
    ami = str(props.get("amiType") or "").upper()
    types = [str(t) for t in as_list(props.get("instanceTypes"))]
    return any(mark in ami for mark in GPU_AMI_MARKS) or any(
        instances.maker(t) == instances.NVIDIA for t in types
    )


def _gpu_tainted(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if not is_gpu_node_group(args.props):
        return
    key = settings["gpuTaintKey"]
    taints = [t for t in as_list(args.props.get("taints")) if isinstance(t, Mapping)]
    if not any(t.get("key") == key and t.get("effect") == "NO_SCHEDULE" for t in taints):
        report(f"GPU node group without a {key}:NoSchedule taint; any pod can land on it")


CONTROLS = [
    Control(
        "eks-endpoint-no-open-public-cidr",
        "The EKS API endpoint is never reachable from the whole internet.",
        frozenset({CLUSTER}),
        ("CKV_AWS_38", "CIS-EKS-5.4.1"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "Keep `cluster.endpointAccess: private`, or list only your admin networks in "
        "`cluster.publicAccessCidrs`.",
        _endpoint_open,
    ),
    Control(
        "eks-endpoint-private",
        "The EKS API endpoint is private, and nodes reach it inside the VPC.",
        frozenset({CLUSTER}),
        ("CKV_AWS_39", "CIS-EKS-5.4.2", "EKS-BPG-private-endpoint"),
        Severity.HIGH,
        Level.ADVISORY,
        "Set `cluster.endpointAccess: private` and run `pulumi up` from inside the VPC "
        "(a CI runner in the VPC, or a tunnel).",
        _endpoint_private,
        prod_level=Level.MANDATORY,
    ),
    Control(
        "eks-secrets-kms-encryption",
        "Kubernetes secrets are envelope-encrypted with a customer KMS key.",
        frozenset({CLUSTER}),
        ("CKV_AWS_58", "CIS-EKS-5.3.1"),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's EksCluster always sets this; a cluster built elsewhere needs "
        "encryptionConfig with resources [secrets] and a KMS key ARN.",
        _secrets_kms,
    ),
    Control(
        "eks-control-plane-logging",
        "Every control-plane log type (audit included) goes to CloudWatch.",
        frozenset({CLUSTER}),
        ("CKV_AWS_37", "CIS-EKS-2.1.1"),
        Severity.MEDIUM,
        Level.MANDATORY,
        "mlplat's EksCluster enables all five log types; set enabledClusterLogTypes.",
        _logging,
        settings={
            "requiredLogTypes": {
                "type": "array",
                "items": {"type": "string", "enum": LOG_TYPES},
                "default": LOG_TYPES,
            }
        },
    ),
    Control(
        "eks-access-entries",
        "Cluster access goes through access entries; no hidden or unlisted cluster admins.",
        frozenset({CLUSTER, ACCESS_POLICY}),
        ("CIS-EKS-4.1.7", "CIS-EKS-4.1.1", "EKS-BPG-cluster-access-manager"),
        Severity.HIGH,
        Level.ADVISORY,
        "List administrators in `cluster.admins`; mlplat maps exactly those to access "
        "entries and turns off the creator's bootstrap admin.",
        _access_entries,
        settings={
            "allowedAdminPrincipals": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "IAM principals allowed AmazonEKSClusterAdminPolicy.",
            }
        },
    ),
    Control(
        "eks-vpc-cni-network-policy",
        "The vpc-cni add-on enforces Kubernetes NetworkPolicies.",
        frozenset({CLUSTER, ADDON}),
        ("CIS-EKS-4.3.1", "CIS-EKS-5.4.4", "EKS-BPG-network-policy"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "mlplat's EksAddons installs vpc-cni with enableNetworkPolicy; keep the add-on managed.",
        _network_policy,
        stack=True,
    ),
    Control(
        "eks-nodegroup-launch-template",
        "Managed node groups use a launch template, so IMDS and disks are controlled.",
        frozenset({NODE_GROUP}),
        ("CIS-EKS-3.1", "pulumi-eks-node-group-launch-template-required"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "mlplat's NodePool always creates one; node groups built elsewhere need launchTemplate.",
        _launch_template,
    ),
    Control(
        "eks-nodegroup-no-ssh",
        "Worker nodes accept no SSH keys.",
        frozenset({NODE_GROUP}),
        ("CKV_AWS_100", "EKS-BPG-minimize-node-access"),
        Severity.HIGH,
        Level.MANDATORY,
        "Remove remoteAccess; use SSM Session Manager to reach a node.",
        _no_ssh,
        settings={"allowSsh": {"type": "boolean", "default": False}},
    ),
    Control(
        "eks-gpu-nodegroup-tainted",
        "NVIDIA GPU node groups (NVIDIA AMI, or an NVIDIA family in mlplat's instance table) "
        "carry the GPU taint so only GPU pods land on them.",
        frozenset({NODE_GROUP}),
        ("EKS-BPG-AIML-taints",),
        Severity.MEDIUM,
        Level.ADVISORY,
        "mlplat taints every GPU pool in `nodePools`; keep the default taint. Other "
        "accelerators (Neuron, AMD, Gaudi) advertise other resources and are not judged here.",
        _gpu_tainted,
        settings={"gpuTaintKey": {"type": "string", "default": instances.GPU_RESOURCE}},
    ),
]
