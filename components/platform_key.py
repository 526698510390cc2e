"""PlatformKey: the customer-managed KMS key that encrypts the whole platform.

One key per platform (EKS secrets, EBS volumes, S3, ECR, RDS and its master secret, log
groups), with yearly rotation and a key policy that names its principals (no ``*``).
Stateful: losing it makes every encrypted byte unreadable, so it is protected and
retained in prod.

KMS refuses a key policy that names a role which does not exist, and the EC2 Auto Scaling
service-linked role the policy names only appears in an account with its first Auto
Scaling group. So the key waits for that role, created here unless the account already
has one. The role is account-wide and other Auto Scaling groups may rely on it, so it is
never deleted with the stack.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from mlplat.components.args import coerce
from mlplat.components.iam import AUTOSCALING_SERVICE, kms_key_policy
from mlplat.components.options import stateful


@dataclass(frozen=True)
class PlatformKeyArgs:
    """Inputs of a PlatformKey."""

    alias: str
    """Alias name without the alias/ prefix; the platform name."""
    account_id: pulumi.Input[str]
    """Account that owns the key (named in the key policy)."""
    region: str
    """Region of the key, for the CloudWatch Logs service principal."""
    partition: str
    """ARN partition (aws, aws-us-gov)."""
    deletion_window_days: int = 30
    """Days a scheduled deletion waits (7 to 30)."""
    protect: bool = False
    """Protect and retain the key (prod)."""
    create_autoscaling_role: bool = True
    """Create the EC2 Auto Scaling service-linked role; False where the account has it."""


class PlatformKey(pulumi.ComponentResource):
    """The customer-managed KMS key that encrypts the whole platform, rotated yearly."""

    arn: pulumi.Output[str]
    """ARN of the key."""

    def __init__(
        self, name: str, args: PlatformKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(PlatformKeyArgs, args)
        super().__init__("mlplat:index:PlatformKey", name, None, opts)
        named_roles: list[pulumi.Resource] = []
        if args.create_autoscaling_role:
            named_roles.append(
                aws.iam.ServiceLinkedRole(
                    f"{name}-autoscaling-role",
                    aws_service_name=AUTOSCALING_SERVICE,
                    opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
                )
            )
        key = aws.kms.Key(
            f"{name}-key",
            description=f"mlplat platform key for {args.alias}",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: kms_key_policy(args.partition, account, args.region)
            ),
            opts=stateful(self, args.protect, depends_on=named_roles),
        )
        aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{args.alias}",
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = key.arn
        self.register_outputs({"arn": self.arn})
