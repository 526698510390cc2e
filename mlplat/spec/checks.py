"""Cross-field rules the JSON Schema cannot express. Each check is one small function."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator

from mlplat.spec import aws_regions, instances, versions
from mlplat.spec.errors import Path, SpecError
from mlplat.spec.model import CloudProvider, EndpointAccess, PlatformSpec
from mlplat.spec.schema import suggest
from mlplat.spec.subnets import CidrError, plan_subnets
from mlplat.spec.yaml_source import SourceDoc

PLATFORM_NAME_MAX = 24
"""Room for suffixes within AWS name limits (IAM role prefixes, node group names)."""
POOL_NAME_MAX = 32
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_AWS_ONLY = ("network", "cluster", "nodePools")

Check = Callable[[PlatformSpec, SourceDoc], Iterator[SpecError]]


def run_checks(spec: PlatformSpec, doc: SourceDoc) -> list[SpecError]:
    """All semantic errors; the spec must already be schema-valid."""
    checks: tuple[Check, ...] = (
        _platform_name,
        _pool_names,
        _pool_sizes,
        _pool_instance_types,
        _aws_region,
        _aws_network,
        _aws_cluster_version,
        _aws_endpoint,
        _aws_required,
        _existing_target,
    )
    return [error for check in checks for error in check(spec, doc)]


def _error(
    doc: SourceDoc, code: str, path: Path, message: str, hint: str | None = None
) -> SpecError:
    """An error located at ``path``, or at its nearest written ancestor."""
    probe = path
    while probe and probe not in doc.values:
        probe = probe[:-1]
    return SpecError(code, path, message, doc.values.get(probe), hint)


def _dns_label(doc: SourceDoc, path: Path, value: str, limit: int) -> Iterator[SpecError]:
    if len(value) > limit or not _DNS_LABEL.match(value):
        fixed = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")[:limit].strip("-")
        yield _error(
            doc,
            "invalid-name",
            path,
            f"expected a DNS-1123 label (lowercase letters, digits and '-', starting with a "
            f"letter, at most {limit} characters), found '{value}'",
            f"e.g. '{fixed}'" if fixed and _DNS_LABEL.match(fixed) else None,
        )


def _platform_name(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    yield from _dns_label(doc, ("metadata", "name"), spec.metadata.name, PLATFORM_NAME_MAX)


def _pool_names(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    first: dict[str, int] = {}
    for i, pool in enumerate(spec.node_pools):
        path = ("nodePools", i, "name")
        yield from _dns_label(doc, path, pool.name, POOL_NAME_MAX)
        if pool.name in first:
            yield _error(
                doc,
                "duplicate-name",
                path,
                f"pool name '{pool.name}' is already used by nodePools[{first[pool.name]}]",
                "pool names must be unique; they name the node groups",
            )
        first.setdefault(pool.name, i)


def _pool_sizes(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    for i, pool in enumerate(spec.node_pools):
        if pool.min_size > pool.max_size:
            yield _error(
                doc,
                "pool-size-order",
                ("nodePools", i, "minSize"),
                f"minSize {pool.min_size} is greater than maxSize {pool.max_size}",
                "raise maxSize or lower minSize",
            )
        elif not pool.min_size <= pool.initial_size <= pool.max_size:
            yield _error(
                doc,
                "pool-size-order",
                ("nodePools", i, "desiredSize"),
                f"desiredSize {pool.initial_size} is outside minSize..maxSize "
                f"({pool.min_size}..{pool.max_size})",
                "set desiredSize between minSize and maxSize, or leave it unset",
            )


def _pool_instance_types(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    known = sorted(instances.CPU_FAMILIES)
    for i, pool in enumerate(spec.node_pools):
        arches: dict[str, str] = {}
        for j, instance_type in enumerate(pool.instance_types):
            path = ("nodePools", i, "instanceTypes", j)
            fam = instances.family(instance_type)
            if fam in instances.ACCELERATED_FAMILIES:
                yield _error(
                    doc,
                    "gpu-unsupported",
                    path,
                    f"'{instance_type}' is an accelerated (GPU/ML chip) instance; "
                    "node pools support CPU instance families only so far",
                    "use a CPU family such as m7i or m7g",
                )
            elif fam not in instances.CPU_FAMILIES:
                close = suggest(fam, known)
                yield _error(
                    doc,
                    "unknown-instance-family",
                    path,
                    f"unknown instance family '{fam}' in '{instance_type}'",
                    f"did you mean '{close}'?" if close else "see mlplat/spec/instances.py",
                )
            else:
                arches.setdefault(instances.CPU_FAMILIES[fam], instance_type)
        if len(arches) > 1:
            yield _error(
                doc,
                "mixed-architectures",
                ("nodePools", i, "instanceTypes"),
                "instance types mix CPU architectures: "
                + ", ".join(f"{t} is {a}" for a, t in sorted(arches.items())),
                "a node group runs one AMI; split the pool in two",
            )


def _is_aws(spec: PlatformSpec) -> bool:
    return spec.cloud.provider is CloudProvider.AWS


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
    elif spec.network.availability_zones > aws_regions.ZONES[region]:
        yield _error(
            doc,
            "too-many-zones",
            ("network", "availabilityZones"),
            f"{region} offers {aws_regions.ZONES[region]} availability zones, "
            f"found {spec.network.availability_zones}",
            f"set availabilityZones to {aws_regions.ZONES[region]} or fewer",
        )


def _aws_network(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    if not _is_aws(spec):
        return
    try:
        plan_subnets(spec.network.cidr, spec.network.availability_zones)
    except CidrError as exc:
        yield _error(doc, "cidr-invalid", ("network", "cidr"), str(exc), exc.hint)


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


def _aws_endpoint(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    cluster = spec.cluster
    if not _is_aws(spec):
        return
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
    if not spec.cluster.admins:
        yield _error(
            doc,
            "missing-field",
            ("cluster", "admins"),
            "provider aws needs at least one cluster admin ARN",
            "add the IAM role you run `pulumi up` with; the creator gets no implicit access",
        )


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
