"""The composition root of a `kind: Team` stack: one team on a platform it references.

Everything about the platform comes from the platform stack's ``teamPlatform`` and
``kubeconfig`` outputs through a StackReference; the team stack never reads the platform
spec. Before declaring anything that depends on them, the outputs are checked: the
contract version, and the team's spec against the platform's facts (GPU pool capacity,
existing teams, access entries, namespaces), with the same errors ``mlplat validate``
gives.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from mlplat.build_teams import OUTPUT, member_groups
from mlplat.components.team import Team, TeamArgs, TeamCloud
from mlplat.components.tenancy.access import TeamAccess, TeamAccessArgs
from mlplat.components.tenancy.outputs import PlatformOutputs
from mlplat.components.workload_identity import ClusterIdentity
from mlplat.spec import load_spec
from mlplat.spec.capacity import PlatformFacts, PoolCapacity
from mlplat.spec.model import CloudProvider, Environment
from mlplat.spec.tags import team_tags
from mlplat.spec.team_checks import stack_reference_problem
from mlplat.spec.teams import TeamStackSpec

KUBECONFIG_OUTPUT = "kubeconfig"
UNUSED_PARTITION = "aws"
"""ClusterIdentity.partition only builds AWS-managed policy ARNs, and a team role attaches
none; the team's own documents take the partition from the platform's outputs."""


def facts_of_outputs(outputs: PlatformOutputs) -> PlatformFacts:
    """The platform's published facts, as the spec checks take them."""
    return PlatformFacts(
        gpu_pools={
            pool: PoolCapacity(int(v["gpus"]), str(v["basis"]))
            for pool, v in outputs.gpu_pools.items()
        },
        other_pools=dict(outputs.other_pools),
        gpu_quotas={
            team: {pool: int(gpus) for pool, gpus in pools.items()}
            for team, pools in outputs.gpu_quotas.items()
        },
        teams=frozenset(outputs.teams),
        principals=frozenset(outputs.principals),
        namespaces=frozenset(outputs.namespaces),
        aws=outputs.provider == "aws",
        reference={
            "environment": outputs.environment,
            "provider": outputs.provider,
            "workloadIdentity": outputs.workload_identity or "",
        },
    )


def checked(spec_path: str, data: Any) -> PlatformOutputs:
    """The platform's outputs, once the team spec is valid against them; else a RunError."""
    outputs = PlatformOutputs.from_dict(data)
    result = load_spec(spec_path, facts_of_outputs(outputs))
    if result.errors:
        details = "\n".join(error.format() for error in result.errors)
        raise pulumi.RunError(f"{spec_path} does not fit its platform:\n{details}")
    return outputs


def build_team_stack(spec_path: str, spec: TeamStackSpec) -> dict[str, Any]:
    """Declare the team; returns the stack outputs."""
    team = spec.team
    # The engine names the stack's organization; the offline plan's mock runtime names none.
    organization = pulumi.get_organization() or None
    problem = stack_reference_problem(spec.platform.stack, organization) if organization else None
    if problem is not None:
        raise pulumi.RunError(f"{spec_path}: {problem}")
    reference = pulumi.StackReference(spec.platform.stack)
    platform = reference.require_output(OUTPUT).apply(lambda d: checked(spec_path, d))
    provider = k8s.Provider(
        f"{team.name}-k8s", kubeconfig=reference.require_output(KUBECONFIG_OUTPUT)
    )
    tags = team_tags(team)
    cloud = None
    on_aws = pulumi.ResourceOptions()
    if spec.platform.provider is CloudProvider.AWS:
        aws_provider = aws.Provider(
            f"{team.name}-aws",
            region=platform.apply(lambda p: str(p.region)),
            default_tags={"tags": platform.apply(lambda p: {**p.tags, **tags})},
        )
        on_aws = pulumi.ResourceOptions(providers=[aws_provider])
        cloud = TeamCloud(
            identity=ClusterIdentity(
                cluster_name=platform.apply(lambda p: str(p.cluster_name)),
                cluster_arn=platform.apply(lambda p: str(p.cluster_arn)),
                oidc_provider_arn=platform.apply(lambda p: str(p.oidc_provider_arn)),
                oidc_issuer=platform.apply(lambda p: str(p.oidc_issuer)),
                account_id=platform.apply(lambda p: str(p.account_id)),
                partition=UNUSED_PARTITION,
            ),
            mode=spec.platform.workload_identity,
        )
    built = Team(
        f"team-{team.name}",
        TeamArgs.from_spec(
            team,
            # The outputs once the team spec is checked against them, in their exported shape.
            platform=platform.apply(PlatformOutputs.exported),
            cloud=cloud,
            tags=tags,
            protect=spec.platform.environment is Environment.PROD,
        ),
        pulumi.ResourceOptions.merge(on_aws, pulumi.ResourceOptions(providers=[provider])),
    )
    outputs: dict[str, Any] = {
        "team": team.name,
        "namespaces": built.namespaces,
        "uid": built.uid,
        "storagePrefix": built.storage_prefix,
    }
    if cloud is not None:
        groups, _ = member_groups((team,))
        if groups:
            TeamAccess(
                f"team-{team.name}-access",
                TeamAccessArgs(
                    cluster_name=cloud.identity.cluster_name,
                    groups=groups,
                    tags=dict.fromkeys(groups, tags),
                    after=dict.fromkeys(groups, built.namespace_resources),
                ),
                on_aws,
            )
        outputs |= {"roleArn": built.role_arn, "repositoryUrls": built.repository_urls}
    return outputs
