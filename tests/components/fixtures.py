"""Inputs component tests share: a platform key and a cluster's identity."""

from mlplat.components.workload_identity import ClusterIdentity

KEY = "arn:aws:kms:eu-west-1:111122223333:key/test"
ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"
IDENTITY = ClusterIdentity(
    cluster_name="plat",
    cluster_arn="arn:aws:eks:eu-west-1:111122223333:cluster/plat",
    oidc_provider_arn="arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    oidc_issuer=ISSUER,
    account_id="111122223333",
    partition="aws",
)
