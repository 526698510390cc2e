"""Registry: ECR repositories for images and OCI model artifacts, scanning and caching.

Driven by the spec's ``registry`` section. Tags are immutable (a deployed ``:v3`` can
never silently change, and an OCI model artifact keeps the digest it was evaluated
with); every repository is encrypted with the platform key and scanned; lifecycle rules
expire untagged leftovers. Repositories hold artifacts, so in prod they are protected,
retained and never force-deleted.

The scanning configuration and pull-through cache rules are the registry's, one per
account and region: only the stack whose spec manages the account's settings declares
them, so two platforms in one account do not overwrite each other.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import pulumi
import pulumi_aws as aws

from mlplat.components.args import coerce, spec_fields
from mlplat.components.options import stateful
from mlplat.spec.model import RegistrySpec, Scanning, Upstream


@dataclass(frozen=True)
class EcrRepository:
    """One ECR repository and how long it keeps artifacts."""

    name: str
    """Repository name under the registry's prefix."""
    keep_last_tagged: int | None = None
    """Tagged artifacts to keep; None keeps all."""
    untagged_expiry_days: int = 7
    """Days before untagged artifacts expire."""


@dataclass(frozen=True)
class PullThroughCacheRule:
    """An ECR prefix that caches images of an upstream registry."""

    prefix: str
    """ECR prefix for cached images."""
    upstream: Upstream
    """Upstream registry."""
    credential_arn: str | None = None
    """Secrets Manager secret with upstream credentials (Docker Hub, GitHub, GitLab)."""


@dataclass(frozen=True)
class RegistryArgs:
    """Inputs of a Registry: its repositories, how they are scanned, and cached upstreams."""

    prefix: pulumi.Input[str]
    """Repository namespace: repositories are <prefix>/<name> (the platform's name, or a
    team's <platform>/teams/<team>)."""
    kms_key_arn: pulumi.Input[str]
    """Key that encrypts every repository."""
    protect: bool = False
    """Protect and retain repositories; never force-delete them (prod)."""
    tags: dict[str, pulumi.Input[str]] | None = None
    """Tags on each repository beyond the provider's defaults (a team's cost tags)."""
    team_prefixes: Sequence[str] = ()
    """Repository namespaces of the platform's own teams outside ``prefix`` (unscoped team
    repositories), scanned continuously like its own."""
    scanning: Scanning = Scanning.ON_PUSH
    """Basic scan on push, or Inspector enhanced scanning."""
    repositories: Sequence[EcrRepository] = ()
    """Repositories to create."""
    pull_through_cache: Sequence[PullThroughCacheRule] = ()
    """Pull-through cache rules."""
    manage_account_settings: bool = True
    """Manage the registry's account-wide settings (scanning configuration, cache rules);
    False on all but one platform of an account and region."""

    @classmethod
    def from_spec(cls, spec: RegistrySpec, **rest: Any) -> Self:
        """Args with the spec's registry section; ``rest`` gives the other fields."""
        fields = spec_fields(spec, cls)
        fields["repositories"] = tuple(
            EcrRepository(**spec_fields(r, EcrRepository)) for r in spec.repositories
        )
        fields["pull_through_cache"] = tuple(
            PullThroughCacheRule(**spec_fields(r, PullThroughCacheRule))
            for r in spec.pull_through_cache
        )
        return cls(**{**fields, **rest})


class Registry(pulumi.ComponentResource):
    """ECR repositories with immutable tags, KMS encryption, scanning and lifecycle rules."""

    repository_urls: pulumi.Output[dict[str, str]]
    """Repository URL by repository name."""
    repository_arns: pulumi.Output[dict[str, str]]
    """Repository ARN by repository name."""

    def __init__(
        self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(RegistryArgs, args)
        super().__init__("mlplat:index:Registry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        enhanced = args.scanning is Scanning.ENHANCED and args.manage_account_settings
        if enhanced:
            aws.ecr.RegistryScanningConfiguration(
                f"{name}-scanning",
                scan_type="ENHANCED",
                rules=pulumi.Output.from_input(args.prefix).apply(
                    lambda prefix: enhanced_scanning_rules((prefix, *args.team_prefixes))
                ),
                opts=child,
            )
        urls, arns = {}, {}
        for repo in args.repositories:
            key = f"{name}-{repo.name.replace('/', '-')}"
            repository = aws.ecr.Repository(
                key,
                name=pulumi.Output.concat(args.prefix, "/", repo.name),
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration={"scan_on_push": not enhanced},
                encryption_configurations=[{"encryption_type": "KMS", "kms_key": args.kms_key_arn}],
                force_delete=not args.protect,
                tags=args.tags,
                opts=stateful(self, args.protect),
            )
            aws.ecr.LifecyclePolicy(
                key, repository=repository.name, policy=lifecycle_policy(repo), opts=child
            )
            urls[repo.name] = repository.repository_url
            arns[repo.name] = repository.arn
        for rule in args.pull_through_cache if args.manage_account_settings else ():
            aws.ecr.PullThroughCacheRule(
                f"{name}-cache-{rule.prefix}",
                ecr_repository_prefix=rule.prefix,
                upstream_registry_url=str(rule.upstream),
                credential_arn=rule.credential_arn,
                opts=child,
            )
        self.repository_urls = pulumi.Output.all(**urls) if urls else pulumi.Output.from_input({})
        self.repository_arns = pulumi.Output.all(**arns) if arns else pulumi.Output.from_input({})
        self.register_outputs(
            {"repositoryUrls": self.repository_urls, "repositoryArns": self.repository_arns}
        )


MAX_SCAN_FILTERS = 100
"""ECR's limit on filters per scanning rule."""


def enhanced_scanning_rules(prefixes: Sequence[str]) -> list[dict[str, Any]]:
    """Continuous scans for ``<prefix>/*``, scan on push for every other repository.

    The scanning configuration is the whole registry's, and under enhanced scanning a
    repository that matches no filter is not scanned at all: the catch-all keeps team
    stacks' repositories and any others in the account scanned. Past ECR's filter limit,
    continuous scanning covers every repository.
    """
    filters = [f"{p}/*" for p in prefixes] if len(prefixes) <= MAX_SCAN_FILTERS else ["*"]
    return [
        {
            "scan_frequency": frequency,
            "repository_filters": [{"filter": f, "filter_type": "WILDCARD"} for f in patterns],
        }
        for frequency, patterns in (("CONTINUOUS_SCAN", filters), ("SCAN_ON_PUSH", ["*"]))
    ]


def lifecycle_policy(repo: EcrRepository) -> str:
    """Expire untagged artifacts after N days; keep the newest N tagged ones if asked."""
    rules: list[dict[str, object]] = [
        {
            "rulePriority": 1,
            "description": f"expire untagged artifacts after {repo.untagged_expiry_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": repo.untagged_expiry_days,
            },
            "action": {"type": "expire"},
        }
    ]
    if repo.keep_last_tagged is not None:
        rules.append(
            {
                "rulePriority": 2,
                "description": f"keep the newest {repo.keep_last_tagged} tagged artifacts",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": repo.keep_last_tagged,
                },
                "action": {"type": "expire"},
            }
        )
    return json.dumps({"rules": rules}, sort_keys=True)
