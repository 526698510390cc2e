"""Instances, launch templates, security groups and VPC flow logs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import as_list, truthy

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
INSTANCE = "aws:ec2/instance:Instance"
VOLUME = "aws:ebs/volume:Volume"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
OPEN_V4, OPEN_V6 = "0.0.0.0/0", "::/0"


def _imdsv2(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    options = args.props.get("metadataOptions")
    if not options:
        report("no metadataOptions: IMDSv1 stays available to every process on the node")
        return
    if options.get("httpEndpoint") == "disabled":
        return
    if options.get("httpTokens") != "required":
        report("httpTokens is not 'required', so IMDSv1 answers")
    hops = options.get("httpPutResponseHopLimit")
    if hops is None or float(hops) > float(settings["maxHopLimit"]):
        report(
            f"httpPutResponseHopLimit is {hops if hops is not None else 'unset'}, above "
            f"{settings['maxHopLimit']:g}: pods could read the node role's credentials"
        )


def _ebs_encrypted(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    props = args.props
    if args.resource_type == VOLUME:
        if not truthy(props.get("encrypted")):
            report("the EBS volume is not encrypted")
        return
    if args.resource_type == INSTANCE:
        root = props.get("rootBlockDevice") or {}
        disks = [("root volume", root.get("encrypted"))]
        disks += [
            (d.get("deviceName"), d.get("encrypted")) for d in as_list(props.get("ebsBlockDevices"))
        ]
    else:
        mappings = as_list(props.get("blockDeviceMappings"))
        if not mappings:
            report("no block device mappings: the root volume's encryption is left to the AMI")
            return
        disks = [
            (m.get("deviceName"), (m.get("ebs") or {}).get("encrypted"))
            for m in mappings
            if m.get("ebs")
        ]
    for device, encrypted in disks:
        if not truthy(encrypted):
            report(f"{device} is not encrypted")


def _no_public_ip(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if args.resource_type == INSTANCE:
        if truthy(args.props.get("associatePublicIpAddress")):
            report("the instance gets a public IP address")
        return
    for nic in as_list(args.props.get("networkInterfaces")):
        if truthy(nic.get("associatePublicIpAddress")):
            report("a network interface of the launch template gets a public IP address")


def _open_rules(args: Any) -> list[tuple[str, float, float, list[str]]]:
    """(protocol, from, to, open CIDRs) of every ingress rule the resource declares."""
    props = args.props
    if args.resource_type == SECURITY_GROUP:
        rules = [
            (
                r.get("protocol"),
                r.get("fromPort"),
                r.get("toPort"),
                as_list(r.get("cidrBlocks")) + as_list(r.get("ipv6CidrBlocks")),
            )
            for r in as_list(props.get("ingress"))
        ]
    elif args.resource_type == SG_RULE:
        if props.get("type") != "ingress":
            return []
        rules = [
            (
                props.get("protocol"),
                props.get("fromPort"),
                props.get("toPort"),
                as_list(props.get("cidrBlocks")) + as_list(props.get("ipv6CidrBlocks")),
            )
        ]
    else:
        rules = [
            (
                props.get("ipProtocol"),
                props.get("fromPort"),
                props.get("toPort"),
                [c for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c],
            )
        ]
    out = []
    for protocol, low, high, cidrs in rules:
        open_ = [c for c in cidrs if c in (OPEN_V4, OPEN_V6)]
        if open_:
            every = str(protocol) in ("-1", "all")
            out.append(
                (
                    str(protocol),
                    0.0 if every else float(low or 0),
                    65535.0 if every else float(high or 0),
                    open_,
                )
            )
    return out


def _no_public_admin_ingress(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    allowed = {float(p) for p in settings["allowedPublicPorts"]}
    for protocol, low, high, cidrs in _open_rules(args):
        if not (low == high and low in allowed):
            ports = f"{low:g}" if low == high else f"{low:g}-{high:g}"
            report(f"ingress {protocol} port {ports} is open to {', '.join(cidrs)}")


def _flow_logs(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    logs = [r for r in args.resources if r.resource_type == FLOW_LOG]
    for vpc in (r for r in args.resources if r.resource_type == VPC):
        if not any(vpc in log.property_dependencies.get("vpcId", []) for log in logs):
            report("the VPC has no flow log", vpc.urn)


CONTROLS = [
    Control(
        "ec2-imdsv2-required",
        "Instances require IMDSv2 with a hop limit that keeps pods off the node's credentials.",
        frozenset({LAUNCH_TEMPLATE, INSTANCE}),
        ("CKV_AWS_79", "CKV_AWS_341", "EKS-BPG-restrict-instance-profile"),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's NodePool sets httpTokens required and hop limit 1; pods get AWS access "
        "through `cluster.workloadIdentity` instead.",
        _imdsv2,
        settings={"maxHopLimit": {"type": "number", "minimum": 1, "default": 1}},
    ),
    Control(
        "ec2-ebs-encrypted",
        "Every EBS volume is encrypted.",
        frozenset({LAUNCH_TEMPLATE, INSTANCE, VOLUME}),
        ("CKV_AWS_3", "CKV_AWS_8", "CKV_AWS_189"),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's NodePool encrypts node disks with the platform key; set encrypted on "
        "every block device.",
        _ebs_encrypted,
    ),
    Control(
        "ec2-no-public-ip",
        "Instances get no public IP address.",
        frozenset({LAUNCH_TEMPLATE, INSTANCE}),
        ("CKV_AWS_88", "CIS-EKS-5.4.3"),
        Severity.HIGH,
        Level.MANDATORY,
        "Nodes live in private subnets; remove associatePublicIpAddress.",
        _no_public_ip,
    ),
    Control(
        "sg-no-public-admin-ingress",
        "No security group admits the internet except on allowed ports (HTTPS).",
        frozenset({SECURITY_GROUP, SG_RULE, SG_INGRESS_RULE}),
        ("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "Admit VPC CIDRs or security groups instead; public traffic enters through the "
        "load balancer that `services.ingress` creates.",
        _no_public_admin_ingress,
        settings={
            "allowedPublicPorts": {"type": "array", "items": {"type": "number"}, "default": [443]}
        },
    ),
    Control(
        "vpc-flow-logs",
        "Every VPC records flow logs.",
        frozenset({VPC, FLOW_LOG}),
        ("CKV2_AWS_11", "CIS-AWS-3.7"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "mlplat's Network always adds a flow log; `network.flowLogRetentionDays` sets how "
        "long it is kept.",
        _flow_logs,
        stack=True,
    ),
]
