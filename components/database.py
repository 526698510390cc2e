"""Database: the platform's metadata database, RDS for PostgreSQL.

Driven by the spec's ``database`` section. Private subnets only, and its security group
admits PostgreSQL from the cluster security group alone. Storage and the master secret
are encrypted with the platform key; RDS generates and rotates the master password in
Secrets Manager, so it never passes through the program, the state or a plan. TLS is
forced by the parameter group. Stateful: in prod it is protected, retained, has deletion
protection on and leaves a final snapshot. With Enhanced Monitoring, RDS publishes the
host's OS metrics through a role only the RDS monitoring service of this account may
assume, holding only the AWS-managed AmazonRDSEnhancedMonitoringRole policy.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from mlplat.components.iam import assume_role_policy, managed_policy_arn
from mlplat.components.options import stateful
from mlplat.components.security_groups import cluster_only
from mlplat.spec.model import DatabaseSpec

PORT = 5432
MASTER_USERNAME = "mlplat_admin"
LOG_EXPORTS = ("postgresql", "upgrade")
MONITORING_SERVICE = "monitoring.rds.amazonaws.com"
MONITORING_POLICY = "service-role/AmazonRDSEnhancedMonitoringRole"


@dataclass(frozen=True)
class DatabaseArgs:
    spec: DatabaseSpec
    """The spec's database section."""
    identifier: str
    """Physical RDS identifier; stable, so plans and the console agree."""
    vpc_id: pulumi.Input[str]
    """VPC of the database security group."""
    subnet_ids: pulumi.Input[list[str]]
    """Private subnets (at least two zones)."""
    client_security_group_id: pulumi.Input[str]
    """The only security group allowed to connect (the cluster's)."""
    kms_key_arn: pulumi.Input[str]
    """Key for storage, snapshots and the master-password secret."""
    multi_az: bool = False
    """Keep a synchronous standby in another zone."""
    protect: bool = False
    """Protect, retain, deletion protection and a final snapshot (prod)."""
    monitoring_interval: int = 0
    """Seconds between Enhanced Monitoring samples; 0 turns it off."""
    account_id: pulumi.Input[str] | None = None
    """The account whose RDS may assume the monitoring role (needed with monitoring)."""
    partition: str = "aws"
    """ARN partition (aws, aws-us-gov), for the managed monitoring policy."""


class Database(pulumi.ComponentResource):
    address: pulumi.Output[str]
    port: pulumi.Output[int]
    master_secret_arn: pulumi.Output[str]
    """Secrets Manager secret holding the RDS-managed master credentials."""

    def __init__(
        self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:Database", name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self)
        group = cluster_only(
            f"{name}-db",
            vpc_id=args.vpc_id,
            client_security_group_id=args.client_security_group_id,
            port=PORT,
            what="PostgreSQL",
            opts=child,
        )
        subnets = aws.rds.SubnetGroup(
            f"{name}-db",
            description=f"private subnets of {args.identifier}",
            subnet_ids=args.subnet_ids,
            opts=child,
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-db",
            family=f"postgres{spec.engine_version}",
            description=f"{args.identifier}: TLS only",
            parameters=[
                {"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"},
                {
                    "name": "password_encryption",
                    "value": "scram-sha-256",
                    "apply_method": "pending-reboot",
                },
            ],
            opts=child,
        )
        monitoring_role, waits = self._monitoring_role(name, args)
        instance = aws.rds.Instance(
            f"{name}-db",
            identifier=args.identifier,
            engine="postgres",
            engine_version=spec.engine_version,
            instance_class=spec.instance_class,
            allocated_storage=spec.allocated_storage_gib,
            max_allocated_storage=spec.max_allocated_storage_gib,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[group.id],
            publicly_accessible=False,
            port=PORT,
            username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            parameter_group_name=parameters.name,
            multi_az=args.multi_az,
            backup_retention_period=spec.backup_retention_days,
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=False,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            monitoring_interval=args.monitoring_interval,
            monitoring_role_arn=monitoring_role,
            deletion_protection=args.protect,
            skip_final_snapshot=not args.protect,
            final_snapshot_identifier=f"{args.identifier}-final" if args.protect else None,
            opts=stateful(self, args.protect, depends_on=waits),
        )
        self.address = instance.address
        self.port = instance.port
        self.master_secret_arn = instance.master_user_secrets[0].secret_arn
        self.register_outputs(
            {"address": self.address, "port": self.port, "masterSecretArn": self.master_secret_arn}
        )

    def _monitoring_role(
        self, name: str, args: DatabaseArgs
    ) -> tuple[pulumi.Output[str] | None, list[pulumi.Resource]]:
        """The Enhanced Monitoring role and what the instance waits for; none when off."""
        if args.monitoring_interval == 0:
            return None, []
        assert args.account_id is not None, "monitoring needs the account id for its trust"
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-db-monitoring",
            description=f"RDS Enhanced Monitoring of {args.identifier}",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: assume_role_policy(MONITORING_SERVICE, source_account=account)
            ),
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-db-monitoring",
            role=role.name,
            policy_arn=managed_policy_arn(args.partition, MONITORING_POLICY),
            opts=child,
        )
        return role.arn, [attachment]
