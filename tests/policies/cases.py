"""Compliant and non-compliant cases for every control, keyed by control id."""

from __future__ import annotations

import json

from mlplat.policies.runner import Resource
from tests.policies.cases_elb import ELB_CASES
from tests.policies.cases_gpu import GPU_NODE_GROUP_CASES
from tests.policies.cases_tenancy import TENANCY_CASES
from tests.policies.fixtures import (
    ACCOUNT,
    CLUSTER,
    DELETE,
    DENY_ALL,
    GOOD_CLUSTER,
    GOOD_CONTAINER,
    GOOD_INSTANCE,
    GOOD_KEY,
    GOOD_LT,
    GOOD_MLFLOW_VALUES,
    GOOD_NODE_GROUP,
    GOOD_POD,
    GOOD_RDS,
    GPU_POD,
    INSTANCE,
    ISSUER,
    KMS_KEY,
    LAUNCH_TEMPLATE,
    NODE_GROUP,
    RBAC,
    RDS,
    ROLE,
    SCOPED,
    SG,
    SG_INGRESS,
    SG_RULE,
    bucket_set,
    changed,
    doc,
    k8s,
    namespace,
    release,
    res,
    sg,
    trust,
    workload,
)

ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
ADMIN_ARN = f"arn:aws:iam::{ACCOUNT}:role/platform-admin"


def cluster_with_cni(values: str | None) -> list:
    cluster = res(CLUSTER, GOOD_CLUSTER, "cluster")
    if values is None:
        return [cluster]
    addon = res("aws:eks/addon:Addon", {"addonName": "vpc-cni", "clusterName": "mlplat-prod",
                                        "configurationValues": values}, "vpc-cni",
                deps={"clusterName": [cluster.urn]})  # fmt: skip
    return [cluster, addon]


def vpc(with_flow_log: bool) -> list:
    network = res("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, "vpc")
    if not with_flow_log:
        return [network]
    log = res("aws:ec2/flowLog:FlowLog", {"vpcId": "vpc-1", "trafficType": "ALL"}, "flow",
              deps={"vpcId": [network.urn]})  # fmt: skip
    return [network, log]


REPO = "aws:ecr/repository:Repository"
GOOD_REPO = {
    "name": "plat/trainers",
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
}
UNSCANNED_REPO = changed(GOOD_REPO, "imageScanningConfiguration.scanOnPush", False)


def enhanced(*filters: str) -> Resource:
    rules = [
        {
            "scanFrequency": "CONTINUOUS_SCAN",
            "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters],
        }
    ]
    return res("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
               {"scanType": "ENHANCED", "rules": rules}, "scanning")  # fmt: skip


PUBLIC = doc("ecr:*", "*", principal="*")


def pod_case(mutation: str, value, shape: str = "Deployment") -> list:
    return [workload(changed(GOOD_POD, mutation, value), shape)]


OK = [workload(GOOD_POD)]
AIRFLOW_CONTEXTS = {"pod": {"runAsNonRoot": True}, "containers": {"readOnlyRootFilesystem": True}}
AIRFLOW_VALUES = {
    "postgresql": {"enabled": False},
    "createUserJob": {"enabled": False},
    "securityContexts": AIRFLOW_CONTEXTS,
    "multiNamespaceMode": False,
    "allowJobLaunching": False,
    "allowPodLaunching": False,
}

CASES: dict[str, list[tuple[str, list, bool]]] = {
    "eks-endpoint-no-open-public-cidr": [
        ("private endpoint", [res(CLUSTER, GOOD_CLUSTER)], False),
        ("public, listed CIDRs", [res(CLUSTER, changed(changed(GOOD_CLUSTER, "vpcConfig.endpointPublicAccess", True), "vpcConfig.publicAccessCidrs", ["203.0.113.0/24"]))], False),
        ("public, no CIDRs", [res(CLUSTER, changed(GOOD_CLUSTER, "vpcConfig.endpointPublicAccess", True))], True),
        ("public to 0.0.0.0/0", [res(CLUSTER, changed(changed(GOOD_CLUSTER, "vpcConfig.endpointPublicAccess", True), "vpcConfig.publicAccessCidrs", ["0.0.0.0/0"]))], True),
    ],
    "eks-endpoint-private": [
        ("private", [res(CLUSTER, GOOD_CLUSTER)], False),
        ("public access unset (AWS default true)", [res(CLUSTER, changed(GOOD_CLUSTER, "vpcConfig.endpointPublicAccess", DELETE))], True),
        ("private access off", [res(CLUSTER, changed(GOOD_CLUSTER, "vpcConfig.endpointPrivateAccess", False))], True),
    ],
    "eks-secrets-kms-encryption": [
        ("KMS for secrets", [res(CLUSTER, GOOD_CLUSTER)], False),
        ("no encryptionConfig", [res(CLUSTER, changed(GOOD_CLUSTER, "encryptionConfig", DELETE))], True),
        ("no resources", [res(CLUSTER, changed(GOOD_CLUSTER, "encryptionConfig.resources", []))], True),
    ],
    "eks-control-plane-logging": [
        ("all five", [res(CLUSTER, GOOD_CLUSTER)], False),
        ("api only", [res(CLUSTER, changed(GOOD_CLUSTER, "enabledClusterLogTypes", ["api"]))], True),
    ],
    "eks-access-entries": [
        ("API, no creator admin", [res(CLUSTER, GOOD_CLUSTER)], False),
        ("CONFIG_MAP", [res(CLUSTER, changed(GOOD_CLUSTER, "accessConfig.authenticationMode", "CONFIG_MAP"))], True),
        ("creator admin by default", [res(CLUSTER, changed(GOOD_CLUSTER, "accessConfig.bootstrapClusterCreatorAdminPermissions", DELETE))], True),
        ("unlisted cluster admin", [res(ASSOCIATION, {"policyArn": ADMIN_POLICY, "principalArn": ADMIN_ARN, "clusterName": "c", "accessScope": {"type": "cluster"}})], True),
    ],
    "eks-vpc-cni-network-policy": [
        ("enabled", cluster_with_cni(json.dumps({"enableNetworkPolicy": "true"})), False),
        ("no vpc-cni add-on", cluster_with_cni(None), True),
        ("add-on without network policy", cluster_with_cni("{}"), True),
    ],
    "eks-nodegroup-launch-template": [
        ("with template", [res(NODE_GROUP, GOOD_NODE_GROUP)], False),
        ("without", [res(NODE_GROUP, changed(GOOD_NODE_GROUP, "launchTemplate", DELETE))], True),
    ],
    "eks-nodegroup-no-ssh": [
        ("no remote access", [res(NODE_GROUP, GOOD_NODE_GROUP)], False),
        ("ssh key, open", [res(NODE_GROUP, changed(GOOD_NODE_GROUP, "remoteAccess", {"ec2SshKey": "ops"}))], True),
    ],
    "ec2-imdsv2-required": [
        ("required, hop 1", [res(LAUNCH_TEMPLATE, GOOD_LT)], False),
        ("instance required", [res(INSTANCE, GOOD_INSTANCE)], False),
        ("optional tokens", [res(LAUNCH_TEMPLATE, changed(GOOD_LT, "metadataOptions.httpTokens", "optional"))], True),
        ("hop limit 3", [res(LAUNCH_TEMPLATE, changed(GOOD_LT, "metadataOptions.httpPutResponseHopLimit", 3.0))], True),
        ("no metadata options", [res(INSTANCE, changed(GOOD_INSTANCE, "metadataOptions", DELETE))], True),
    ],
    "ec2-ebs-encrypted": [
        ("encrypted (string true)", [res(LAUNCH_TEMPLATE, GOOD_LT)], False),
        ("unencrypted (string false)", [res(LAUNCH_TEMPLATE, changed(GOOD_LT, "blockDeviceMappings.0.ebs.encrypted", "false"))], True),
        ("no mappings", [res(LAUNCH_TEMPLATE, changed(GOOD_LT, "blockDeviceMappings", DELETE))], True),
        ("instance root unencrypted", [res(INSTANCE, changed(GOOD_INSTANCE, "rootBlockDevice.encrypted", False))], True),
        ("volume", [res("aws:ebs/volume:Volume", {"availabilityZone": "eu-west-1a", "size": 10.0})], True),
    ],
    "ec2-no-public-ip": [
        ("private", [res(LAUNCH_TEMPLATE, GOOD_LT)], False),
        ("template public IP", [res(LAUNCH_TEMPLATE, changed(GOOD_LT, "networkInterfaces.0.associatePublicIpAddress", "true"))], True),
        ("instance public IP", [res(INSTANCE, changed(GOOD_INSTANCE, "associatePublicIpAddress", True))], True),
    ],
    "sg-no-public-admin-ingress": [
        ("VPC-only SSH", [res(SG, sg("tcp", 22.0, 22.0, "10.0.0.0/16"))], False),
        ("public HTTPS", [res(SG, sg("tcp", 443.0, 443.0, "0.0.0.0/0"))], False),
        ("public SSH", [res(SG, sg("tcp", 22.0, 22.0, "0.0.0.0/0"))], True),
        ("all traffic from ::/0", [res(SG_RULE, {"type": "ingress", "protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "ipv6CidrBlocks": ["::/0"], "securityGroupId": "sg-1"})], True),
        ("ingress rule 5432 public", [res(SG_INGRESS, {"ipProtocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0, "cidrIpv4": "0.0.0.0/0", "securityGroupId": "sg-1"})], True),
    ],
    "vpc-flow-logs": [
        ("with flow log", vpc(True), False),
        ("without", vpc(False), True),
    ],
    "ecr-immutable-tags": [
        ("immutable", [res(REPO, GOOD_REPO)], False),
        ("default mutable", [res(REPO, changed(GOOD_REPO, "imageTagMutability", DELETE))], True),
        ("mutable with exclusion", [res(REPO, changed(GOOD_REPO, "imageTagMutability", "MUTABLE_WITH_EXCLUSION"))], True),
    ],
    "ecr-scan-on-push": [
        ("scan on push", [res(REPO, GOOD_REPO)], False),
        ("enhanced scanning covers it", [res(REPO, UNSCANNED_REPO), enhanced("other/*", "plat/*")], False),
        ("enhanced, by substring", [res(REPO, UNSCANNED_REPO), enhanced("trainers")], False),
        ("enhanced, catch-all", [res(REPO, UNSCANNED_REPO), enhanced("*")], False),
        ("enhanced, no filter matches", [res(REPO, GOOD_REPO), enhanced("other/*", "*plat")], True),
        ("enhanced, no rules", [res(REPO, GOOD_REPO), enhanced()], True),
        ("no scanning", [res(REPO, UNSCANNED_REPO)], True),
    ],
    "ecr-policy-not-public": [
        ("account principal", [res("aws:ecr/repositoryPolicy:RepositoryPolicy", {"repository": "r", "policy": doc("ecr:BatchGetImage", "*", principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})})], False),
        ("anyone, with org condition", [res("aws:ecr/repositoryPolicy:RepositoryPolicy", {"repository": "r", "policy": doc("ecr:BatchGetImage", "*", principal="*", condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}})})], False),
        ("anyone (JSON string)", [res("aws:ecr/repositoryPolicy:RepositoryPolicy", {"repository": "r", "policy": PUBLIC})], True),
        ("anyone (dict)", [res("aws:ecr/registryPolicy:RegistryPolicy", {"policy": json.loads(PUBLIC)})], True),
    ],
    "s3-public-access-block": [
        ("all four", bucket_set(), False),
        ("no block", bucket_set(block=False), True),
        ("policy not blocked", bucket_set(block={"blockPublicPolicy": False}), True),
    ],
    "s3-sse-kms": [
        ("aws:kms", bucket_set(), False),
        ("AES256", bucket_set(sse="AES256"), True),
        ("none", bucket_set(sse=None), True),
    ],
    "s3-versioning": [
        ("enabled", bucket_set(), False),
        ("suspended", bucket_set(versioning="Suspended"), True),
        ("none", bucket_set(versioning=None), True),
    ],
    "s3-no-public-acl": [
        ("owner enforced", [res("aws:s3/bucketOwnershipControls:BucketOwnershipControls", {"bucket": "b", "rule": {"objectOwnership": "BucketOwnerEnforced"}})], False),
        ("public-read ACL", [res("aws:s3/bucketAcl:BucketAcl", {"bucket": "b", "acl": "public-read"})], True),
        ("AllUsers grant", [res("aws:s3/bucketAcl:BucketAcl", {"bucket": "b", "accessControlPolicy": {"grants": [{"grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}, "permission": "READ"}], "owner": {"id": "o"}}})], True),
        ("ObjectWriter", [res("aws:s3/bucketOwnershipControls:BucketOwnershipControls", {"bucket": "b", "rule": {"objectOwnership": "ObjectWriter"}})], True),
    ],
    "s3-no-legacy-inline-config": [
        ("plain v7 bucket", [res("aws:s3/bucket:Bucket", {"bucket": "b"})], False),
        ("inline versioning", [res("aws:s3/bucket:Bucket", {"bucket": "b", "versioning": {"enabled": True}})], True),
        ("BucketV2 alias", [res("aws:s3/bucketV2:BucketV2", {"bucket": "b"})], True),
    ],
    "rds-storage-encrypted": [
        ("encrypted", [res(RDS, GOOD_RDS)], False),
        ("unset", [res(RDS, changed(GOOD_RDS, "storageEncrypted", DELETE))], True),
    ],
    "rds-not-public": [
        ("private", [res(RDS, GOOD_RDS)], False),
        ("public", [res(RDS, changed(GOOD_RDS, "publiclyAccessible", True))], True),
    ],
    "rds-backup-retention": [
        ("14 days", [res(RDS, GOOD_RDS)], False),
        ("0 days", [res(RDS, changed(GOOD_RDS, "backupRetentionPeriod", 0.0))], True),
        ("unset", [res(RDS, changed(GOOD_RDS, "backupRetentionPeriod", DELETE))], True),
    ],
    "rds-managed-master-password": [
        ("managed", [res(RDS, GOOD_RDS)], False),
        ("password in program", [res(RDS, changed(changed(GOOD_RDS, "manageMasterUserPassword", DELETE), "password", "hunter22"))], True),
    ],
    "rds-deletion-protection": [
        ("on", [res(RDS, GOOD_RDS)], False),
        ("off", [res(RDS, changed(GOOD_RDS, "deletionProtection", False))], True),
    ],
    "rds-enhanced-monitoring": [
        ("every 60 s", [res(RDS, GOOD_RDS)], False),
        ("off", [res(RDS, changed(GOOD_RDS, "monitoringInterval", 0.0))], True),
        ("too sparse", [res(RDS, changed(GOOD_RDS, "monitoringInterval", 300.0))], True),
        ("no role", [res(RDS, changed(GOOD_RDS, "monitoringRoleArn", DELETE))], True),
    ],
    "kms-key-rotation": [
        ("rotating", [res(KMS_KEY, GOOD_KEY)], False),
        ("asymmetric key (cannot rotate)", [res(KMS_KEY, {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"})], False),
        ("not rotating", [res(KMS_KEY, changed(GOOD_KEY, "enableKeyRotation", DELETE))], True),
    ],
    "kms-key-policy-safe": [
        ("account root", [res(KMS_KEY, GOOD_KEY)], False),
        ("lockout check bypassed", [res(KMS_KEY, changed(GOOD_KEY, "bypassPolicyLockoutSafetyCheck", True))], True),
        ("anyone", [res("aws:kms/keyPolicy:KeyPolicy", {"keyId": "k", "policy": doc("kms:Decrypt", "*", principal={"AWS": "*"})})], True),
    ],
    "iam-no-admin-policy": [
        ("scoped", [res("aws:iam/policy:Policy", {"policy": doc(["s3:GetObject"], "arn:aws:s3:::b/*")})], False),
        ("star star (string)", [res("aws:iam/policy:Policy", {"policy": doc("*", "*")})], True),
        ("star star (dict, inline)", [res(ROLE, {"assumeRolePolicy": trust(SCOPED), "inlinePolicies": [{"name": "x", "policy": json.loads(doc("*", "*"))}]})], True),
        ("AdministratorAccess", [res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})], True),
    ],
    "iam-irsa-trust-scoped": [
        ("one service account", [res(ROLE, {"assumeRolePolicy": trust(SCOPED)})], False),
        ("one account in two team namespaces", [res(ROLE, {"assumeRolePolicy": trust({"StringEquals": {f"{ISSUER}:sub": ["system:serviceaccount:a:workload", "system:serviceaccount:a-batch:workload"], f"{ISSUER}:aud": "sts.amazonaws.com"}})})], False),
        ("two different accounts", [res(ROLE, {"assumeRolePolicy": trust({"StringEquals": {f"{ISSUER}:sub": ["system:serviceaccount:a:workload", "system:serviceaccount:a:other"]}})})], True),
        ("EC2 service trust", [res(ROLE, {"assumeRolePolicy": trust(None, {"Service": "ec2.amazonaws.com"})})], False),
        ("no condition", [res(ROLE, {"assumeRolePolicy": trust(None)})], True),
        ("StringLike wildcard", [res(ROLE, {"assumeRolePolicy": trust({"StringLike": {f"{ISSUER}:sub": "system:serviceaccount:*"}})})], True),
        ("any AWS principal", [res(ROLE, {"assumeRolePolicy": trust(None, {"AWS": "*"})})], True),
    ],
    "k8s-no-privileged": [
        ("restricted", OK, False),
        ("privileged", pod_case("containers.0.securityContext.privileged", True), True),
        ("privileged (Pod)", pod_case("containers.0.securityContext.privileged", True, "Pod"), True),
        ("privileged init (CronJob)", pod_case("initContainers", [{**GOOD_CONTAINER, "securityContext": {"privileged": True}}], "CronJob"), True),
    ],
    "k8s-no-host-namespaces": [
        ("restricted", OK, False),
        ("hostNetwork", pod_case("hostNetwork", True), True),
        ("hostPID (CronJob)", pod_case("hostPID", True, "CronJob"), True),
    ],
    "k8s-no-hostpath": [
        ("emptyDir", OK, False),
        ("docker socket", pod_case("volumes", [{"name": "d", "hostPath": {"path": "/var/run/docker.sock"}}]), True),
    ],
    "k8s-no-host-ports": [
        ("no host port", pod_case("containers.0.ports", [{"containerPort": 9100.0}]), False),
        ("host port", pod_case("containers.0.ports", [{"containerPort": 9100.0, "hostPort": 9100.0}]), True),
    ],
    "k8s-capabilities-baseline": [
        ("NET_BIND_SERVICE", pod_case("containers.0.securityContext.capabilities.add", ["NET_BIND_SERVICE"]), False),
        ("SYS_ADMIN", pod_case("containers.0.securityContext.capabilities.add", ["SYS_ADMIN"]), True),
    ],
    "k8s-pss-baseline-misc": [
        ("RuntimeDefault", OK, False),
        ("Unconfined seccomp", pod_case("securityContext.seccompProfile.type", "Unconfined"), True),
        ("unmasked proc", pod_case("containers.0.securityContext.procMount", "Unmasked", "Pod"), True),
        ("unsafe sysctl", pod_case("securityContext.sysctls", [{"name": "kernel.msgmax", "value": "1"}]), True),
    ],
    "k8s-pss-restricted": [
        ("restricted (Deployment)", OK, False),
        ("restricted (CronJob)", [workload(GOOD_POD, "CronJob")], False),
        ("escalation allowed", pod_case("containers.0.securityContext.allowPrivilegeEscalation", DELETE), True),
        ("may run as root", pod_case("securityContext.runAsNonRoot", DELETE, "Pod"), True),
        ("capabilities kept", pod_case("containers.0.securityContext.capabilities", DELETE), True),
        ("nfs volume", pod_case("volumes", [{"name": "n", "nfs": {"server": "s", "path": "/"}}], "CronJob"), True),
    ],
    "k8s-resources-set": [
        ("set", OK, False),
        ("no requests", pod_case("containers.0.resources.requests", DELETE), True),
        ("no memory limit", pod_case("containers.0.resources.limits", {}), True),
    ],
    "k8s-gpu-requests-wellformed": [
        ("one GPU in limits", [workload(GPU_POD)], False),
        ("requests only", [workload(changed(GPU_POD, "containers.0.resources", {"requests": {"nvidia.com/gpu": "1", "cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}))], True),
        ("requests differ", [workload(changed(GPU_POD, "containers.0.resources", {"requests": {"nvidia.com/gpu": "2", "cpu": "1", "memory": "1Gi"}, "limits": {"nvidia.com/gpu": "1", "memory": "1Gi"}}))], True),
        ("fraction", [workload(changed(GPU_POD, "containers.0.resources.limits", {"memory": "1Gi", "nvidia.com/gpu": "0.5"}))], True),
    ],
    "k8s-gpu-placement": [
        ("GPU pod placed", [workload(GPU_POD)], False),
        ("CPU pod", OK, False),
        ("GPU pod, no toleration", [workload(changed(GPU_POD, "tolerations", []))], True),
        ("GPU pod, no selector", [workload(changed(GPU_POD, "nodeSelector", DELETE))], True),
        ("CPU pod tolerating GPUs", [workload(changed(GOOD_POD, "tolerations", [{"key": "nvidia.com/gpu", "operator": "Exists"}]))], True),
    ],
    "k8s-image-pinned": [
        ("tag", OK, False),
        ("digest", pod_case("containers.0.image", "busybox@sha256:" + "a" * 64), False),
        ("latest", pod_case("containers.0.image", "mlflow:latest"), True),
        ("untagged", pod_case("containers.0.image", "busybox"), True),
        ("registry port, untagged", pod_case("containers.0.image", "registry.local:5000/tools/busybox"), True),
    ],
    "k8s-image-registry-allowlist": [
        ("ECR", OK, False),
        ("Docker official", pod_case("containers.0.image", "postgres:17"), False),
        ("someone's hub image", pod_case("containers.0.image", "docker.io/someone/tool:1.0"), True),
        ("implicit hub user image", pod_case("containers.0.image", "someone/tool:1.0"), True),
    ],
    "k8s-sa-token-automount": [
        ("no token", OK, False),
        ("token mounted", pod_case("automountServiceAccountToken", DELETE), True),
        ("default SA", [k8s("ServiceAccount", "core/v1", {}, "default")], True),
        ("named SA", [k8s("ServiceAccount", "core/v1", {}, "trainer")], False),
    ],
    "k8s-no-cluster-admin-binding": [
        ("edit role", [k8s("RoleBinding", RBAC, {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"}, "subjects": [{"kind": "Group", "name": "team-a"}]})], False),
        ("cluster-admin", [k8s("ClusterRoleBinding", RBAC, {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "ops"}]}, namespace=None)], True),
        ("system:masters", [k8s("RoleBinding", RBAC, {"roleRef": {"kind": "Role", "name": "x"}, "subjects": [{"kind": "Group", "name": "system:masters"}]})], True),
    ],
    "k8s-rbac-no-wildcards-escalation": [
        ("scoped", [k8s("Role", RBAC, {"rules": [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "create"]}]})], False),
        ("wildcards", [k8s("ClusterRole", RBAC, {"rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}, namespace=None)], True),
        ("impersonate", [k8s("Role", RBAC, {"rules": [{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"]}]})], True),
        ("cluster-wide secrets", [k8s("ClusterRole", RBAC, {"rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]}, namespace=None)], True),
    ],
    "k8s-namespace-psa-labels": [
        ("restricted", [namespace("team-a")], False),
        ("privileged", [namespace("team-a", "privileged")], True),
        ("unlabelled", [namespace("team-a", None)], True),
    ],
    "k8s-default-deny-netpol": [
        ("deny-all present", [namespace("team-a"), workload(GOOD_POD), k8s("NetworkPolicy", "networking.k8s.io/v1", DENY_ALL, "deny")], False),
        ("no workloads", [namespace("team-a")], False),
        ("workload, no policy", [namespace("team-a"), workload(GOOD_POD)], True),
        ("release, ingress-only policy", [namespace("mlflow"), release(GOOD_MLFLOW_VALUES), k8s("NetworkPolicy", "networking.k8s.io/v1", changed(DENY_ALL, "spec.policyTypes", ["Ingress"]), "deny", "mlflow")], True),
    ],
    "helm-release-visibility": [
        ("known chart", [release(GOOD_MLFLOW_VALUES)], False),
        ("unknown chart", [release({}, chart="superset")], True),
    ],
    "helm-values-hardened": [
        ("hardened mlflow", [release(GOOD_MLFLOW_VALUES)], False),
        ("no chart version", [release(GOOD_MLFLOW_VALUES, version=None)], True),
        ("latest tag", [release(changed(GOOD_MLFLOW_VALUES, "image.tag", "latest"))], True),
        ("plain password", [release(changed(GOOD_MLFLOW_VALUES, "auth.adminPassword", "password"))], True),
        ("bundled postgres", [release(changed(GOOD_MLFLOW_VALUES, "postgresql.enabled", True))], True),
        ("no security context", [release(changed(GOOD_MLFLOW_VALUES, "securityContext", DELETE))], True),
        ("grafana default admin", [release({"grafana": {"enabled": True}}, chart="kube-prometheus-stack", version="88.5.3")], True),
        ("device plugin with volume mounts", [release({"deviceListStrategy": "volume-mounts"}, chart="nvidia-device-plugin", version="0.20.0")], False),
        ("device plugin on env vars", [release({"gfd": {"enabled": True}}, chart="nvidia-device-plugin", version="0.20.0")], True),
        ("hardened airflow", [release(AIRFLOW_VALUES, chart="airflow", version="1.21.0")], False),
        ("airflow's user job", [release(changed(AIRFLOW_VALUES, "createUserJob.enabled", True), chart="airflow", version="1.21.0")], True),
        ("airflow launching pods in every namespace", [release(changed(AIRFLOW_VALUES, "multiNamespaceMode", True), chart="airflow", version="1.21.0")], True),
        ("airflow tasks launching Jobs", [release(changed(AIRFLOW_VALUES, "allowJobLaunching", True), chart="airflow", version="1.21.0")], True),
        ("airflow's own pod-launcher binding", [release(changed(AIRFLOW_VALUES, "allowPodLaunching", True), chart="airflow", version="1.21.0")], True),
        ("airflow contexts under an unread key", [release(changed(AIRFLOW_VALUES, "securityContexts", {"pod": {"runAsNonRoot": True}, "container": {"allowPrivilegeEscalation": False}}), chart="airflow", version="1.21.0")], True),
    ],
}  # fmt: skip

CASES |= TENANCY_CASES | ELB_CASES | GPU_NODE_GROUP_CASES
