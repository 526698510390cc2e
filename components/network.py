"""Network: the VPC, subnets, routing, NAT, VPC endpoints and flow logs.

Driven by the spec's ``network`` section. Not stateful. Nodes live only in private
subnets; public subnets never auto-assign public IPs (load balancers and NAT gateways
get their own addresses). The VPC's default security group is emptied so nothing can
use it by accident. S3 traffic stays on the gateway endpoint (free, and never crosses
the NAT); chosen AWS APIs get private interface endpoints in subnets of their own (a /28
per zone, so team network policies can open exactly them). The S3, ECR and STS endpoints
carry policies that keep them to the platform's account: its buckets, its principals,
its roles. Every flow is logged to an encrypted log group with a retention period.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import pulumi
import pulumi_aws as aws

from mlplat.components.args import coerce, spec_fields
from mlplat.components.iam import assume_role_policy, document, log_delivery
from mlplat.spec.model import NatGateways, NetworkSpec
from mlplat.spec.subnets import plan_subnets

ENDPOINT_SERVICES = {
    "ecr": ("ecr.api", "ecr.dkr"),
    "sts": ("sts",),
    "logs": ("logs",),
    "ec2": ("ec2",),
    "eks-auth": ("eks-auth",),
}
"""Interface endpoint services behind each spec name."""
ECR_LAYERS = "prod-{region}-starport-layer-bucket"
"""The AWS-owned bucket ECR serves image layers from, through the S3 gateway endpoint
(Amazon ECR user guide, VPC endpoints: minimum S3 gateway endpoint permissions)."""


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of a Network: the VPC's layout, and the account its endpoints admit."""

    cluster_name: str
    """EKS cluster name, for the kubernetes.io/cluster/<name> subnet tag; also the prefix of
    the bucket names the S3 endpoint admits."""
    region: str
    """Region, for endpoint service names."""
    kms_key_arn: pulumi.Input[str]
    """Key that encrypts the flow-log group."""
    account_id: pulumi.Input[str]
    """The platform's account: the endpoints admit only its principals, roles and buckets."""
    partition: str
    """ARN partition (aws, aws-us-gov)."""
    cidr: str = "10.0.0.0/16"
    """VPC IPv4 CIDR."""
    availability_zones: int = 3
    """Number of availability zones to spread subnets over (when zones is empty)."""
    zones: Sequence[str] = ()
    """The zones to use, in order; empty takes the first availability_zones AWS lists."""
    nat_gateways: NatGateways = NatGateways.PER_ZONE
    """One NAT gateway per zone, or a single shared one."""
    interface_endpoints: Sequence[str] = ()
    """Services reached through private interface endpoints (ecr, sts, logs, ec2, eks-auth)."""
    flow_log_retention_days: int = 365
    """Days VPC flow logs are kept."""

    @property
    def zone_count(self) -> int:
        """How many zones the network spans: the zones named, else availability_zones."""
        return len(self.zones) or self.availability_zones

    @classmethod
    def from_spec(cls, spec: NetworkSpec, **rest: Any) -> Self:
        """Args with the spec's network section; ``rest`` gives the other fields."""
        return cls(**{**spec_fields(spec, cls), **rest})


class Network(pulumi.ComponentResource):
    """A VPC over several zones: private and public subnets, NAT, endpoints, flow logs."""

    vpc_id: pulumi.Output[str]
    """Id of the VPC."""
    private_subnet_ids: pulumi.Output[list[str]]
    """The private subnets (where nodes and databases live), one per zone, in zone order."""
    public_subnet_ids: pulumi.Output[list[str]]
    """The public subnets (load balancers, NAT gateways), one per zone, in zone order."""
    availability_zones: pulumi.Output[list[str]]
    """The zones of the private subnets, in the same order."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(NetworkArgs, args)
        super().__init__("mlplat:index:Network", name, None, opts)
        layout = plan_subnets(args.cidr, args.zone_count)
        child = pulumi.ResourceOptions(parent=self)
        zones: pulumi.Input[list[str]] = (
            list(args.zones)
            if args.zones
            else aws.get_availability_zones_output(
                state="available",
                filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
                opts=pulumi.InvokeOutputOptions(parent=self),
            ).names
        )
        cluster_tag = {f"kubernetes.io/cluster/{args.cluster_name}": "shared"}

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=vpc.id,
            ingress=[],
            egress=[],
            tags={"Name": f"{name}-default-sg (unused, no rules)"},
            opts=child,
        )
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags={"Name": f"{name}-igw"}, opts=child
        )

        public_rt = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags={"Name": f"{name}-public"},
            opts=child,
        )
        self._vpc_id, self._zones, self._cluster_tag = vpc.id, zones, cluster_tag
        public, private, nats, private_rts = [], [], [], []
        for i in range(args.zone_count):
            suffix = i + 1
            public_subnet = self._subnet(
                f"{name}-public-{suffix}", layout.public[i], i, "kubernetes.io/role/elb", public_rt
            )
            public.append(public_subnet)
            if args.nat_gateways is NatGateways.PER_ZONE or i == 0:
                eip = aws.ec2.Eip(
                    f"{name}-nat-{suffix}",
                    domain="vpc",
                    tags={"Name": f"{name}-nat-{suffix}"},
                    opts=child,
                )
                nats.append(
                    aws.ec2.NatGateway(
                        f"{name}-nat-{suffix}",
                        subnet_id=public_subnet.id,
                        allocation_id=eip.id,
                        tags={"Name": f"{name}-nat-{suffix}"},
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                    )
                )
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-{suffix}",
                vpc_id=vpc.id,
                routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nats[-1].id}],
                tags={"Name": f"{name}-private-{suffix}"},
                opts=child,
            )
            private_rts.append(private_rt)
            private.append(
                self._subnet(
                    f"{name}-private-{suffix}",
                    layout.private[i],
                    i,
                    "kubernetes.io/role/internal-elb",
                    private_rt,
                )
            )

        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in private_rts],
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: s3_endpoint_policy(args, account)
            ),
            tags={"Name": f"{name}-s3"},
            opts=child,
        )
        self._interface_endpoints(name, args, vpc.id, layout.endpoints)
        self._flow_logs(name, args, vpc.id)

        self.vpc_id = vpc.id
        self._private_subnets = private
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private])
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self.availability_zones = pulumi.Output.all(*[s.availability_zone for s in private])
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "privateSubnetIds": self.private_subnet_ids,
                "publicSubnetIds": self.public_subnet_ids,
                "availabilityZones": self.availability_zones,
            }
        )

    def private_subnet_in(self, zone: str) -> pulumi.Output[list[str]]:
        """The private subnet of one zone (as a one-item list), for zone-pinned pools."""
        pairs = pulumi.Output.all(
            *[pulumi.Output.all(s.availability_zone, s.id) for s in self._private_subnets]
        )

        def pick(found: list[list[str]]) -> list[str]:
            for subnet_zone, subnet_id in found:
                if subnet_zone == zone:
                    return [subnet_id]
            zones = ", ".join(z for z, _ in found)
            raise ValueError(f"zone {zone} is not one of the network's zones ({zones})")

        return pairs.apply(pick)

    def _interface_endpoints(
        self, name: str, args: NetworkArgs, vpc_id: pulumi.Output[str], cidrs: tuple[str, ...]
    ) -> None:
        services = [svc for key in args.interface_endpoints for svc in ENDPOINT_SERVICES[key]]
        if not services:
            return
        # Their own subnets (no load balancer or cluster tags, the main route table's local
        # route only): nothing but the endpoints' network interfaces lives there.
        subnets = [
            aws.ec2.Subnet(
                f"{name}-endpoints-{i + 1}",
                vpc_id=vpc_id,
                cidr_block=cidr,
                availability_zone=self._zones[i],
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-endpoints-{i + 1}"},
                opts=pulumi.ResourceOptions(parent=self),
            ).id
            for i, cidr in enumerate(cidrs)
        ]
        group = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            description="HTTPS from inside the VPC to AWS interface endpoints",
            vpc_id=vpc_id,
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": [args.cidr],
                    "description": "HTTPS from the VPC",
                }
            ],
            egress=[],
            tags={"Name": f"{name}-endpoints"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        account = pulumi.Output.from_input(args.account_id)
        for service in services:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=subnets,
                security_group_ids=[group.id],
                policy=account.apply(
                    lambda a, svc=service: interface_endpoint_policy(svc, args, a)
                ),
                tags={"Name": f"{name}-{service}"},
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _flow_logs(self, name: str, args: NetworkArgs, vpc_id: pulumi.Output[str]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/mlplat/{args.cluster_name}/vpc-flow-logs",
            retention_in_days=args.flow_log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=assume_role_policy("vpc-flow-logs.amazonaws.com"),
            opts=child,
        )
        grant = aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=group.arn.apply(log_delivery),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags={"Name": f"{name}-flow-logs"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[grant]),
        )

    def _subnet(
        self, name: str, cidr: str, zone: int, role_tag: str, route_table: aws.ec2.RouteTable
    ) -> aws.ec2.Subnet:
        """A subnet in the zone-th zone, tagged for load balancers, attached to a route table."""
        subnet = aws.ec2.Subnet(
            name,
            vpc_id=self._vpc_id,
            cidr_block=cidr,
            availability_zone=self._zones[zone],
            map_public_ip_on_launch=False,
            tags={"Name": name, role_tag: "1", **self._cluster_tag},
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ec2.RouteTableAssociation(
            name,
            subnet_id=subnet.id,
            route_table_id=route_table.id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return subnet


def s3_endpoint_policy(args: NetworkArgs, account: str) -> str:
    """The platform's buckets (``<platform>-…`` in its account), and ECR's image layers.

    Everything in the private subnets reaches S3 through this endpoint, so a bucket of
    another account (with credentials from outside) is unreachable from the VPC.
    """
    return document(
        [
            {
                "Sid": "PlatformBuckets",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [
                    f"arn:{args.partition}:s3:::{args.cluster_name}-*",
                    f"arn:{args.partition}:s3:::{args.cluster_name}-*/*",
                ],
                "Condition": {"StringEquals": {"aws:ResourceAccount": account}},
            },
            {
                "Sid": "EcrImageLayers",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:{args.partition}:s3:::"
                + ECR_LAYERS.format(region=args.region)
                + "/*",
            },
        ]
    )


def interface_endpoint_policy(service: str, args: NetworkArgs, account: str) -> str | None:
    """ECR: only the platform account's principals (nodes also pull the EKS add-on images
    AWS hosts in its own registries). STS: only the platform account's roles. Others: the
    default policy."""
    if service.startswith("ecr."):
        return document(
            [
                {
                    "Sid": "PlatformPrincipals",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": account}},
                }
            ]
        )
    if service == "sts":
        return document(
            [
                {
                    "Sid": "PlatformRoles",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRole", "sts:TagSession"],
                    "Resource": f"arn:{args.partition}:iam::{account}:role/*",
                },
                {
                    "Sid": "PlatformCallers",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "sts:GetCallerIdentity",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": account}},
                },
            ]
        )
    return None
