import json

import pulumi
import pytest

from mlplat.components.database import Database, DatabaseArgs
from tests.components.fixtures import KEY

INSTANCE = "aws:rds/instance:Instance"


def _database(synth, protect=False, monitoring=0, **spec):
    def program():
        db = Database(
            "plat",
            DatabaseArgs(
                **spec,
                identifier="plat-metadata",
                vpc_id="vpc-1",
                subnet_ids=["subnet-a", "subnet-b"],
                client_security_group_id="sg-cluster",
                kms_key_arn=KEY,
                multi_az=protect,
                protect=protect,
                monitoring_interval=monitoring,
                account_id="111122223333",
            ),
        )
        pulumi.export("secret", db.master_secret_arn)

    return synth(program)


def test_database_is_private_encrypted_and_backed_up(synth) -> None:
    db = _database(synth, engine_version="16", backup_retention_days=10).one(INSTANCE).inputs
    assert db["engine"] == "postgres"
    assert db["engineVersion"] == "16"
    assert db["publiclyAccessible"] is False
    assert db["storageEncrypted"] is True
    assert db["kmsKeyId"] == KEY
    assert db["backupRetentionPeriod"] == 10.0
    assert db["iamDatabaseAuthenticationEnabled"] is True
    assert db["allowMajorVersionUpgrade"] is False


def test_master_password_is_managed_by_rds_and_never_in_the_program(synth) -> None:
    out = _database(synth)
    db = out.one(INSTANCE).inputs
    assert db["manageMasterUserPassword"] is True
    assert db["masterUserSecretKmsKeyId"] == KEY
    assert "password" not in db
    assert out.outputs["secret"].startswith("arn:aws:secretsmanager:eu-west-1:")


def test_only_the_cluster_security_group_can_connect(synth) -> None:
    out = _database(synth)
    group = out.one("aws:ec2/securityGroup:SecurityGroup")
    assert "ingress" not in group.inputs
    (rule,) = out.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rule.inputs["referencedSecurityGroupId"] == "sg-cluster"
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (5432.0, 5432.0)
    assert "cidrIpv4" not in rule.inputs


def test_parameter_group_forces_tls_for_the_pinned_major(synth) -> None:
    out = _database(synth, engine_version="17")
    group = out.one("aws:rds/parameterGroup:ParameterGroup").inputs
    assert group["family"] == "postgres17"
    assert {"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"} in group[
        "parameters"
    ]
    assert out.one(INSTANCE).inputs["parameterGroupName"] == "plat-db"


@pytest.mark.parametrize("protect", [True, False])
def test_prod_database_is_protected_with_deletion_protection_and_final_snapshot(
    synth, protect
) -> None:
    db = _database(synth, protect).one(INSTANCE)
    assert db.inputs["deletionProtection"] is protect
    assert db.inputs["skipFinalSnapshot"] is not protect
    assert (db.inputs.get("finalSnapshotIdentifier") == "plat-metadata-final") is protect
    assert (db.options["protect"], db.options["retainOnDelete"]) == (protect, protect)
    assert db.inputs["multiAz"] is protect


def test_enhanced_monitoring_publishes_through_a_role_only_rds_monitoring_assumes(synth) -> None:
    out = _database(synth, monitoring=60)
    db = out.one(INSTANCE)
    role = out.one("aws:iam/role:Role")
    assert db.inputs["monitoringInterval"] == 60.0
    assert db.inputs["monitoringRoleArn"].endswith(f"/{role.name}")
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}
    attachment = out.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    )
    assert attachment.urn in db.options["dependsOn"]


def test_without_monitoring_there_is_no_role(synth) -> None:
    out = _database(synth)
    assert out.of_type("aws:iam/role:Role") == []
    assert out.one(INSTANCE).inputs.get("monitoringInterval", 0) == 0
