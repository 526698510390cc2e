"""A GPU node pool and MLflow on an EKS cluster you already run, built from mlplat's
components by your own Pulumi program (no mlplat spec).

What the cluster, its network and its database are comes from stack config (see
Pulumi.example.yaml; `aws eks describe-cluster` and `aws rds describe-db-instances`
give the values). The program adds: an NVIDIA GPU node group with its device plugin,
an encrypted bucket for artifacts, MLflow's two databases with generated logins on your
PostgreSQL, MLflow itself with a workload role that reaches only its prefix, and
NetworkPolicies that deny by default.
"""

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from mlplat.components import (
    ClusterIdentity,
    GpuSoftware,
    GpuSoftwareArgs,
    Mlflow,
    MlflowArgs,
    MlflowDatabase,
    NetworkPeers,
    NodePool,
    NodePoolArgs,
    ObjectStore,
    Reach,
    SecureBucket,
    SecureBucketArgs,
    WorkloadIdentity,
    WorkloadIdentityArgs,
)
from mlplat.components.iam import s3_prefix_access
from mlplat.components.iam_services import secret_read
from mlplat.components.services import mlflow, service_databases
from mlplat.components.services.fence import INTERNET, blocks, fence, in_namespace, tcp, udp
from mlplat.components.services.kube import PodSecurity, namespace
from mlplat.components.services.mlflow_values import SERVICE_ACCOUNT as MLFLOW_ACCOUNT
from mlplat.components.services.service_databases import (
    MasterFromSecretsManager,
    ServiceDatabases,
    ServiceDatabasesArgs,
)
from mlplat.spec.pools import POOL_LABEL

SETUP_NAMESPACE = "mlflow-setup"
"""Where the Job that creates MLflow's databases and logins runs (fenced apart)."""
ARTIFACTS_PREFIX = "mlflow/"

config = pulumi.Config()
region = aws.get_region().region
account = aws.get_caller_identity()
partition = aws.get_partition().partition
cluster_name = config.require("clusterName")
private_cidrs = config.require_object("privateSubnetCidrs")
kms_key_arn = config.require("kmsKeyArn")

# The GPU pool: what its nodes are (AMI, GPU labels and taint) follows from the types.
pool = NodePool(
    "gpu",
    NodePoolArgs(
        name="gpu",
        instance_types=["g6.xlarge", "g6.2xlarge"],
        cluster_name=cluster_name,
        kubernetes_version=config.require("kubernetesVersion"),
        subnet_ids=config.require_object("privateSubnetIds"),
        partition=partition,
        kms_key_arn=kms_key_arn,
        cluster_security_group_id=config.require("clusterSecurityGroupId"),
        min_size=0,
        max_size=4,
        disk_size_gib=200,
    ),
)

# Where pods may connect: the API server's Service IP, the database and nodes in the
# private subnets, S3 by its prefix list, and AWS's token service for IRSA.
s3 = aws.ec2.get_managed_prefix_list_output(name=f"com.amazonaws.{region}.s3")
peers = NetworkPeers(
    dns=Reach([in_namespace("kube-system", **{"k8s-app": "kube-dns"})], [*udp(53), *tcp(53)]),
    kubernetes_api=Reach(blocks([config.require("apiServiceIp") + "/32"]), tcp(443)),
    control_plane=blocks(private_cidrs),
    database=Reach(blocks(private_cidrs), tcp(5432)),
    object_store=Reach(blocks(s3.entries.apply(lambda es: [e.cidr for e in es])), tcp(443)),
    nodes=blocks(private_cidrs),
    credentials=Reach([INTERNET], tcp(443)),  # STS's public endpoint (no interface endpoint)
)
kubernetes = k8s.Provider("cluster", context=config.require("kubeContext"))
on_cluster = pulumi.ResourceOptions(providers={"kubernetes": kubernetes})
GpuSoftware(
    "gpu-software",
    GpuSoftwareArgs(gpu_node_selector={POOL_LABEL: "gpu"}, peers=peers),
    opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[pool])),
)

# Artifacts, and the role MLflow's service account assumes (IRSA) to reach its prefix.
artifacts = SecureBucket(
    "artifacts",
    SecureBucketArgs(
        bucket_name=config.require("artifactsBucket"),
        partition=partition,
        account_id=account.account_id,
        kms_key_arn=kms_key_arn,
        noncurrent_version_expiry_days=30,
    ),
)
cluster = ClusterIdentity(
    cluster_name=cluster_name,
    cluster_arn=f"arn:{partition}:eks:{region}:{account.account_id}:cluster/{cluster_name}",
    oidc_provider_arn=config.require("oidcProviderArn"),
    oidc_issuer=config.require("oidcIssuer"),
    account_id=account.account_id,
    partition=partition,
)
mlflow_identity = WorkloadIdentity(
    "mlflow",
    WorkloadIdentityArgs(
        cluster=cluster,
        namespace=mlflow.NAMESPACE,
        service_account=MLFLOW_ACCOUNT,
        policy=artifacts.arn.apply(
            lambda arn: s3_prefix_access(arn, [ARTIFACTS_PREFIX], kms_key_arn, region, write=True)
        ),
    ),
)

# MLflow's databases on your PostgreSQL (RDS-managed master login in Secrets Manager).
master_secret = config.require("databaseMasterSecretArn")
setup_identity = WorkloadIdentity(
    "mlflow-setup",
    WorkloadIdentityArgs(
        cluster=cluster,
        namespace=SETUP_NAMESPACE,
        service_account="db-bootstrap",
        policy=secret_read(master_secret, kms_key_arn, region),
    ),
)
holder = pulumi.ComponentResource("example:index:Namespaces", "namespaces")
namespaces = {
    name: namespace(name, PodSecurity.RESTRICTED, provider=kubernetes, parent=holder)
    for name in (mlflow.NAMESPACE, SETUP_NAMESPACE)
}
database_host = config.require("databaseHost")
databases = ServiceDatabases(
    "mlflow-databases",
    ServiceDatabasesArgs(
        namespace=SETUP_NAMESPACE,
        host=database_host,
        port=5432,
        databases={"mlflow": mlflow.NAMESPACE, "mlflowauth": mlflow.NAMESPACE},
        master=MasterFromSecretsManager(
            master_secret, setup_identity.service_account_annotations, region
        ),
        after=tuple(namespaces.values()),
    ),
    provider=kubernetes,
)

fence(
    SETUP_NAMESPACE,
    service_databases.allowances(peers, master_from_aws=True),
    peers,
    provider=kubernetes,
    parent=holder,
    depends_on=[namespaces[SETUP_NAMESPACE]],
)
# MLflow in the namespace made above, once its logins exist: basic auth with a generated
# admin and one replica (MlflowArgs documents OIDC, replicas and an Ingress).
server = Mlflow(
    "mlflow",
    MlflowArgs(
        database=MlflowDatabase(
            host=database_host,
            port=5432,
            backend_secret=databases.secret_names["mlflow"],
            auth_secret=databases.secret_names["mlflowauth"],
        ),
        object_store=ObjectStore(buckets={"artifacts": artifacts.name}, region=region),
        service_account_annotations=mlflow_identity.service_account_annotations,
        peers=peers,
    ),
    opts=pulumi.ResourceOptions.merge(
        on_cluster,
        pulumi.ResourceOptions(depends_on=[namespaces[mlflow.NAMESPACE], databases]),
    ),
)

pulumi.export("gpuNodeGroup", pool.node_group_name)
pulumi.export("mlflowUrl", server.cluster_url)
pulumi.export("mlflowAdminSecret", server.admin_secret)
