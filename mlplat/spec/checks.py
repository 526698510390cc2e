"""Cross-field rules the JSON Schema cannot express. Each check is one small function."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from mlplat.spec import aws_regions, versions, zones
from mlplat.spec.errors import Path, SpecError
from mlplat.spec.findings import Check, dns_label, duplicates, reads, reads_of
from mlplat.spec.findings import error_at as _error
from mlplat.spec.model import CloudProvider, EndpointAccess, PlatformSpec
from mlplat.spec.name_checks import name_checks
from mlplat.spec.partial import trusted
from mlplat.spec.policy import SELECTORS
from mlplat.spec.pool_checks import POOL_CHECKS
from mlplat.spec.schema import suggest
from mlplat.spec.service_checks import SERVICE_CHECKS
from mlplat.spec.subnets import ALLOWED_RANGES, CidrError, plan_subnets
from mlplat.spec.tag_checks import TAG_CHECKS
from mlplat.spec.team_checks import TEAM_CHECKS
from mlplat.spec.teams import TEAM_REPOSITORIES
from mlplat.spec.yaml_source import SourceDoc

PLATFORM_NAME_MAX = 24
"""Room for suffixes within AWS name limits (bucket names, IAM role prefixes)."""
_AWS_ONLY = ("encryption", "network", "cluster", "nodePools", "registry", "storage", "database")


def run_checks(
    spec: PlatformSpec, doc: SourceDoc, tainted: frozenset[Path] = frozenset()
) -> list[SpecError]:
    """All semantic errors and warnings of a model built from a schema-valid document;
    ``tainted`` are the paths the schema refused (see ``partial``), whose findings go."""
    checks: tuple[Check, ...] = (
        _platform_name,
        *POOL_CHECKS,
        _aws_region,
        _aws_network,
        _aws_cluster_version,
        _aws_endpoint,
        _aws_required,
        _aws_kms_key,
        _aws_registry,
        _aws_database,
        _existing_target,
        *SERVICE_CHECKS,
        _policy_exemptions,
        *TEAM_CHECKS,
        *TAG_CHECKS,
        name_checks,
    )
    return [
        finding
        for check in checks
        for finding in check(spec, doc)
        if trusted(finding.path, reads_of(check), tainted)
    ]


def _platform_name(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    yield from dns_label(doc, ("metadata", "name"), spec.metadata.name, PLATFORM_NAME_MAX)


def _is_aws(spec: PlatformSpec) -> bool:
    return spec.cloud.provider is CloudProvider.AWS


@reads("cloud", "network")
def _aws_region(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    region = spec.cloud.region
    if not _is_aws(spec) or region is None:
        return
    if region in aws_regions.UNSUPPORTED:
        yield _error(
            doc, "region-unsupported", ("cloud", "region"), aws_regions.UNSUPPORTED[region]
        )
    elif region not in aws_regions.ZONES:
        close = suggest(region, sorted(aws_regions.ZONES))
        yield _error(
            doc,
            "region-unknown",
            ("cloud", "region"),
            f"unknown AWS region '{region}'",
            f"did you mean '{close}'?" if close else "e.g. eu-west-1, us-east-1",
        )
    elif spec.network.zone_count > aws_regions.ZONES[region]:
        yield _error(
            doc,
            "too-many-zones",
            ("network", "zones" if spec.network.zones else "availabilityZones"),
            f"{region} offers {aws_regions.ZONES[region]} availability zones, "
            f"found {spec.network.zone_count}",
            f"use {aws_regions.ZONES[region]} zones or fewer",
        )
    for i, zone in enumerate(spec.network.zones):
        if not zones.in_region(zone, region):
            yield _error(
                doc,
                "zone-invalid",
                ("network", "zones", i),
                f"'{zone}' is not a zone of region {region}",
                f"e.g. {region}a",
            )
    count_path = ("network", "availabilityZones")
    named = len(spec.network.zones)
    if named and count_path in doc.values and spec.network.availability_zones != named:
        yield _error(
            doc,
            "zone-invalid",
            count_path,
            f"availabilityZones is {spec.network.availability_zones} but zones names {named}",
            "remove availabilityZones: the zones listed decide",
        )


@reads("cloud", "network")
def _aws_network(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    if not _is_aws(spec):
        return
    try:
        plan_subnets(spec.network.cidr, spec.network.zone_count)
    except CidrError as exc:
        yield _error(doc, "cidr-invalid", ("network", "cidr"), str(exc), exc.hint)


@reads("cloud")
def _aws_cluster_version(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    version = spec.cluster.kubernetes_version
    if _is_aws(spec) and version not in versions.SUPPORTED:
        yield _error(
            doc,
            "kubernetes-version",
            ("cluster", "kubernetesVersion"),
            f"EKS does not support Kubernetes '{version}'; "
            f"supported: {', '.join(versions.SUPPORTED)}",
            f'use "{versions.STANDARD_SUPPORT[-1]}" (quote it: YAML reads 1.30 as 1.3)',
        )


@reads("cloud", "cluster", "metadata")
def _aws_endpoint(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    cluster = spec.cluster
    if not _is_aws(spec):
        return
    for j, cidr in enumerate(cluster.private_access_cidrs):
        path = ("cluster", "privateAccessCidrs", j)
        try:
            network = ipaddress.IPv4Network(cidr)
        except ValueError as exc:
            yield _error(doc, "cidr-invalid", path, f"'{cidr}' is not an IPv4 CIDR: {exc}")
            continue
        if not any(network.subnet_of(allowed) for allowed in ALLOWED_RANGES):
            yield _error(
                doc,
                "cidr-invalid",
                path,
                f"'{cidr}' is not a private range; the private endpoint is only reachable "
                "from inside the VPC or networks routed into it",
                "list private ranges (10/8, 172.16/12, 192.168/16, 100.64/10); public "
                "networks use endpointAccess both with publicAccessCidrs",
            )
    cidrs_path = ("cluster", "publicAccessCidrs")
    if cluster.endpoint_access is EndpointAccess.PRIVATE:
        if cluster.public_access_cidrs:
            yield _error(
                doc,
                "endpoint-cidrs-unused",
                cidrs_path,
                "publicAccessCidrs is set but endpointAccess is private",
                "remove publicAccessCidrs, or set endpointAccess to both",
            )
        return
    if not cluster.public_access_cidrs:
        yield _error(
            doc,
            "endpoint-open",
            cidrs_path,
            f"endpointAccess is {cluster.endpoint_access} but publicAccessCidrs is empty, "
            "which EKS treats as 0.0.0.0/0",
            "list the CIDRs of your VPN, office or CI runners",
        )
    for j, cidr in enumerate(cluster.public_access_cidrs):
        try:
            network = ipaddress.IPv4Network(cidr)
        except ValueError as exc:
            yield _error(
                doc, "cidr-invalid", (*cidrs_path, j), f"'{cidr}' is not an IPv4 CIDR: {exc}"
            )
            continue
        if network.prefixlen == 0 and spec.is_prod:
            yield _error(
                doc,
                "endpoint-open",
                (*cidrs_path, j),
                "a prod API endpoint open to 0.0.0.0/0 is refused",
                "set endpointAccess to private, or list only trusted CIDRs",
            )


@reads("cloud")
def _aws_required(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    if not _is_aws(spec):
        return
    if spec.cloud.region is None:
        yield _error(
            doc,
            "missing-field",
            ("cloud", "region"),
            "provider aws needs a region",
            "e.g. region: eu-west-1",
        )
    if not spec.node_pools:
        yield _error(
            doc,
            "missing-field",
            ("nodePools",),
            "provider aws needs at least one node pool",
            "e.g. nodePools: [{name: system, instanceTypes: [m7i.large], minSize: 2, maxSize: 4}]",
        )
    yield from duplicates(doc, ("cluster", "admins"), spec.cluster.admins, "", "cluster admin")
    if not spec.cluster.admins:
        yield _error(
            doc,
            "missing-field",
            ("cluster", "admins"),
            "provider aws needs at least one cluster admin ARN",
            "add the IAM role you run `pulumi up` with; the creator gets no implicit access",
        )


@reads("cloud")
def _aws_kms_key(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    arn = spec.encryption.kms_key_arn
    if not _is_aws(spec) or arn is None:
        return
    role_path = ("encryption", "autoScalingRole")
    if role_path in doc.values:
        yield _error(
            doc,
            "not-applicable",
            role_path,
            "autoScalingRole only concerns the key mlplat creates; with kmsKeyArn your own "
            "key's policy must allow the Auto Scaling service-linked role",
            "remove autoScalingRole, or unset kmsKeyArn",
        )
    if spec.cloud.region is None:
        return
    key_region = arn.split(":")[3]
    if key_region != spec.cloud.region:
        yield _error(
            doc,
            "kms-key-region",
            ("encryption", "kmsKeyArn"),
            f"the key is in {key_region} but the platform is in {spec.cloud.region}; "
            "KMS keys cannot be used across regions",
            "use a key (or a multi-Region replica) in the platform's region, or unset "
            "kmsKeyArn to create one",
        )


def _aws_registry(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    registry = spec.registry
    repos = [repo.name for repo in registry.repositories]
    yield from duplicates(doc, ("registry", "repositories"), repos, "name", "repository name")
    if not registry.manage_account_settings and ("registry", "scanning") in doc.values:
        yield _error(
            doc,
            "not-applicable",
            ("registry", "scanning"),
            "scanning configures the whole registry of the account and region, which the "
            "stack with manageAccountSettings: true manages",
            "remove scanning here and set it on the managing stack",
        )
    for i, repo in enumerate(registry.repositories):
        if registry.scope_team_repositories and repo.name.split("/")[0] == TEAM_REPOSITORIES:
            yield _error(
                doc,
                "invalid-name",
                ("registry", "repositories", i, "name"),
                f"'{repo.name}': <platform>/{TEAM_REPOSITORIES}/ holds the teams' repositories",
                f"choose a name that does not start with {TEAM_REPOSITORIES}/",
            )
    prefixes = [rule.prefix for rule in registry.pull_through_cache]
    yield from duplicates(doc, ("registry", "pullThroughCache"), prefixes, "prefix", "prefix")
    for i, rule in enumerate(registry.pull_through_cache):
        if rule.upstream.needs_credentials and rule.credential_arn is None:
            yield _error(
                doc,
                "credential-required",
                ("registry", "pullThroughCache", i, "credentialArn"),
                f"ECR caches {rule.upstream} only with stored credentials",
                "create a Secrets Manager secret named ecr-pullthroughcache/<name> holding "
                "username and accessToken, and set credentialArn to its ARN",
            )


@reads("database")
def _aws_database(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    db = spec.database
    if db.engine_version not in versions.POSTGRES_MAJORS:
        yield _error(
            doc,
            "postgres-version",
            ("database", "engineVersion"),
            f"expected a PostgreSQL major version RDS supports "
            f"({', '.join(versions.POSTGRES_MAJORS)}), found '{db.engine_version}'",
            f'use "{versions.POSTGRES_DEFAULT}"; pin the major only, RDS applies minors',
        )
    if db.max_allocated_storage_gib < db.allocated_storage_gib:
        yield _error(
            doc,
            "storage-order",
            ("database", "maxAllocatedStorageGiB"),
            f"maxAllocatedStorageGiB {db.max_allocated_storage_gib} is below "
            f"allocatedStorageGiB {db.allocated_storage_gib}",
            "raise maxAllocatedStorageGiB; it is the storage autoscaling ceiling",
        )


@reads("cloud")
def _existing_target(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    if spec.cloud.provider is not CloudProvider.EXISTING:
        return
    if spec.cloud.context is None:
        yield _error(
            doc,
            "missing-field",
            ("cloud", "context"),
            "provider existing needs a kubeconfig context",
            "e.g. context: kind-mlplat (see `kubectl config get-contexts`)",
        )
    if spec.cloud.region is not None:
        yield SpecError(
            "not-applicable",
            ("cloud", "region"),
            "region is only used with provider aws",
            doc.keys.get(("cloud", "region")),
            "remove it",
        )
    for section in _AWS_ONLY:
        if section in doc.data:
            yield SpecError(
                "not-applicable",
                (section,),
                f"'{section}' is only used with provider aws; an existing cluster's "
                "infrastructure is not managed by mlplat",
                doc.keys.get((section,)),
                f"remove '{section}'",
            )


def _policy_exemptions(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    """An exemption without a selector would exempt every object of the control."""
    for i, exemption in enumerate(spec.policy.exemptions):
        if not exemption.selectors():
            yield _error(
                doc,
                "missing-field",
                ("policy", "exemptions", i),
                f"an exemption from {exemption.control} names no object, so it would "
                "exempt everything",
                f"add one of {', '.join(SELECTORS)}; to turn the control off, use "
                f"policy.enforcement: {{{exemption.control}: disabled}}",
            )
