"""Network: the VPC, per-zone private (node) and public (load balancer) subnets, routing, NAT.

Driven by the spec's ``network`` section. Not stateful. Nodes live only in private
subnets; public subnets never auto-assign public IPs (load balancers and NAT gateways
get their own addresses). The VPC's default security group is emptied so nothing can
use it by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from mlplat.spec.model import NatGateways, NetworkSpec
from mlplat.spec.subnets import plan_subnets


@dataclass(frozen=True)
class NetworkArgs:
    spec: NetworkSpec
    """The spec's network section (CIDR, zone count, NAT layout)."""
    cluster_name: str
    """EKS cluster name, for the kubernetes.io/cluster/<name> subnet tag."""


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    availability_zones: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:Network", name, None, opts)
        spec = args.spec
        layout = plan_subnets(spec.cidr, spec.availability_zones)
        child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones_output(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOutputOptions(parent=self),
        ).names
        cluster_tag = {f"kubernetes.io/cluster/{args.cluster_name}": "shared"}

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=spec.cidr,
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
        public, private, nats = [], [], []
        for i in range(spec.availability_zones):
            suffix = i + 1
            public_subnet = self._subnet(
                f"{name}-public-{suffix}", layout.public[i], i, "kubernetes.io/role/elb", public_rt
            )
            public.append(public_subnet)
            if spec.nat_gateways is NatGateways.PER_ZONE or i == 0:
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
            private.append(
                self._subnet(
                    f"{name}-private-{suffix}",
                    layout.private[i],
                    i,
                    "kubernetes.io/role/internal-elb",
                    private_rt,
                )
            )

        self.vpc_id = vpc.id
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
