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

from dataclasses import dataclass
from typing import Any, Self

import pulumi
import pulumi_aws as aws

from mlplat.components.args import coerce, spec_fields
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
    """Inputs of a Database: its size and engine, its network, and who may connect."""

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
    engine_version: str = "17"
    """PostgreSQL major version."""
    instance_class: str = "db.t4g.medium"
    """RDS instance class."""
    allocated_storage_gib: int = 50
    """Initial storage in GiB."""
    max_allocated_storage_gib: int = 200
    """Storage autoscaling ceiling in GiB."""
    backup_retention_days: int = 7
    """Days automated backups are kept."""
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

    @classmethod
    def from_spec(cls, spec: DatabaseSpec, **rest: Any) -> Self:
        """Args with the spec's database section; ``rest`` gives the other fields (and
        ``multi_az``, which the spec leaves to the environment when unset)."""
        return cls(**{**spec_fields(spec, cls), **rest})


class Database(pulumi.ComponentResource):
    """PostgreSQL on RDS in private subnets: TLS only, encrypted, with a master password
    that RDS generates and rotates in Secrets Manager."""

    address: pulumi.Output[str]
    """Host name of the instance."""
    port: pulumi.Output[int]
    """PostgreSQL port."""
    master_secret_arn: pulumi.Output[str]
    """Secrets Manager secret holding the RDS-managed master credentials."""

    def __init__(
        self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(DatabaseArgs, args)
        super().__init__("mlplat:index:Database", name, None, opts)
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
            family=f"postgres{args.engine_version}",
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
            engine_version=args.engine_version,
            instance_class=args.instance_class,
            allocated_storage=args.allocated_storage_gib,
            max_allocated_storage=args.max_allocated_storage_gib,
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
            backup_retention_period=args.backup_retention_days,
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
        if args.account_id is None:
            raise ValueError(
                f"Database {name}: monitoring_interval {args.monitoring_interval} needs "
                "account_id (the account whose RDS may assume the monitoring role)"
            )
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
