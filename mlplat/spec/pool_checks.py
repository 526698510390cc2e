"""Node pool rules: names, sizes, instance types (CPU or NVIDIA GPU), EFA, zones, taints."""

from __future__ import annotations

from collections.abc import Iterator

from mlplat.spec import instances
from mlplat.spec.errors import SpecError
from mlplat.spec.findings import Check, dns_label, duplicates, error_at, reads
from mlplat.spec.model import PlatformSpec
from mlplat.spec.schema import suggest
from mlplat.spec.yaml_source import SourceDoc
from mlplat.spec.zones import in_region, network_zones

POOL_NAME_MAX = 32


def _names(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    for i, pool in enumerate(spec.node_pools):
        yield from dns_label(doc, ("nodePools", i, "name"), pool.name, POOL_NAME_MAX)
    names = [pool.name for pool in spec.node_pools]
    yield from duplicates(doc, ("nodePools",), names, "name", "pool name")


def _sizes(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    for i, pool in enumerate(spec.node_pools):
        if pool.min_size > pool.max_size:
            yield error_at(
                doc,
                "pool-size-order",
                ("nodePools", i, "minSize"),
                f"minSize {pool.min_size} is greater than maxSize {pool.max_size}",
                "raise maxSize or lower minSize",
            )
        elif not pool.min_size <= pool.initial_size <= pool.max_size:
            yield error_at(
                doc,
                "pool-size-order",
                ("nodePools", i, "desiredSize"),
                f"desiredSize {pool.initial_size} is outside minSize..maxSize "
                f"({pool.min_size}..{pool.max_size})",
                "set desiredSize between minSize and maxSize, or leave it unset",
            )


def _instance_types(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    known = sorted([*instances.CPU_FAMILIES, *instances.GPU_FAMILIES])
    for i, pool in enumerate(spec.node_pools):
        kinds: dict[str, str] = {}
        for j, instance_type in enumerate(pool.instance_types):
            path = ("nodePools", i, "instanceTypes", j)
            fam = instances.family(instance_type)
            gpu_family = instances.GPU_FAMILIES.get(fam)
            if fam in instances.REFUSED_ACCELERATED:
                yield error_at(
                    doc,
                    "gpu-unsupported",
                    path,
                    f"'{instance_type}' cannot run a GPU pool: "
                    f"{instances.REFUSED_ACCELERATED[fam].reason}",
                    "use an NVIDIA family on x86_64, e.g. g6, g6e, p5",
                )
            elif gpu_family is not None and instances.gpu(instance_type) is None:
                yield error_at(
                    doc,
                    "unknown-instance-size",
                    path,
                    f"'{instance_type}' is not a {fam} size mlplat knows",
                    f"{fam} sizes: {', '.join(sorted(gpu_family.gpus))}",
                )
            elif gpu_family is None and fam not in instances.CPU_FAMILIES:
                close = suggest(fam, known)
                yield error_at(
                    doc,
                    "unknown-instance-family",
                    path,
                    f"unknown instance family '{fam}' in '{instance_type}'",
                    f"did you mean '{close}'?" if close else "see mlplat/spec/instances.py",
                )
            else:
                kinds.setdefault(_kind(instance_type), instance_type)
        if len(kinds) > 1:
            gpu_pool = any(instances.gpu(t) is not None for t in kinds.values())
            found = ", ".join(f"{t} ({k})" for k, t in sorted(kinds.items()))
            yield error_at(
                doc,
                "mixed-accelerators" if gpu_pool else "mixed-architectures",
                ("nodePools", i, "instanceTypes"),
                (
                    "a GPU pool's instance types must share one GPU model and count"
                    if gpu_pool
                    else "instance types mix CPU architectures"
                )
                + f"; found {found}",
                "a node group runs one AMI and the autoscaler assumes identical nodes; "
                "split the pool",
            )


def _kind(instance_type: str) -> str:
    found = instances.gpu(instance_type)
    if found is not None:
        return f"{found.count}x NVIDIA {found.model}"
    return f"{instances.architecture(instance_type)} CPU"


@reads("cloud", "network")
def _efa_and_zones(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    region = spec.cloud.region or ""
    used = network_zones(spec)
    for i, pool in enumerate(spec.node_pools):
        zone = pool.availability_zone
        if zone is not None and not in_region(zone, region):
            yield error_at(
                doc,
                "zone-invalid",
                ("nodePools", i, "availabilityZone"),
                f"'{zone}' is not a zone of region {region}",
                f"e.g. {region}a; the pool must sit in one of the network's zones",
            )
        elif zone is not None and zone not in used:
            yield error_at(
                doc,
                "zone-not-in-network",
                ("nodePools", i, "availabilityZone"),
                f"'{zone}' is not one of the network's {len(used)} zones ({', '.join(used)}), "
                "so the pool would have no subnet",
                f"pin the pool to one of {', '.join(used)}, or add {zone} to network.zones",
            )
        if not pool.efa:
            continue
        if zone is None:
            yield error_at(
                doc,
                "efa-zone-required",
                ("nodePools", i, "efa"),
                "an EFA pool must be pinned to one availability zone",
                f"set availabilityZone, e.g. {region}a: EFA traffic does not cross zones "
                "and the cluster placement group lives in one zone",
            )
        counts = {
            t: found.efa_interfaces
            for t in pool.instance_types
            if (found := instances.gpu(t)) is not None and found.efa
        }
        if len(set(counts.values())) > 1:
            yield error_at(
                doc,
                "mixed-accelerators",
                ("nodePools", i, "instanceTypes"),
                "an EFA pool's instance types must take the same number of EFA interfaces "
                "(one per network card); found "
                + ", ".join(f"{t} ({n})" for t, n in counts.items()),
                "one launch template serves the pool: split it by network cards",
            )
        for j, instance_type in enumerate(pool.instance_types):
            found = instances.gpu(instance_type)
            if found is not None and not found.efa:
                yield error_at(
                    doc,
                    "efa-unsupported",
                    ("nodePools", i, "instanceTypes", j),
                    f"'{instance_type}' has no Elastic Fabric Adapter",
                    "use a larger size (8xlarge and up for g5/g6/g6e) or a p4d/p5 type",
                )
            elif found is None and instances.architecture(instance_type) is not None:
                yield error_at(
                    doc,
                    "efa-unsupported",
                    ("nodePools", i, "instanceTypes", j),
                    f"'{instance_type}' is a CPU type; mlplat uses EFA only on GPU pools",
                    "remove efa, or use EFA-capable GPU types",
                )


def _reservations(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    """What EC2 requires of a launch into a reservation: its id, and the instance type and
    zone it reserved (a reservation holds one type in one zone)."""
    for i, pool in enumerate(spec.node_pools):
        at = ("nodePools", i)
        kind = pool.capacity_type
        if not kind.reserved:
            if pool.capacity_reservation_id is not None:
                yield error_at(
                    doc,
                    "not-applicable",
                    (*at, "capacityReservationId"),
                    f"capacityReservationId is only used with capacityType capacityReservation "
                    f"or capacityBlock, found {kind}",
                    "set capacityType, or remove capacityReservationId",
                )
            continue
        if pool.capacity_reservation_id is None:
            yield error_at(
                doc,
                "missing-field",
                (*at, "capacityReservationId"),
                f"capacityType {kind} launches into a reservation named by its id",
                "set capacityReservationId: cr-... (aws ec2 describe-capacity-reservations)",
            )
        if len(pool.instance_types) != 1:
            yield error_at(
                doc,
                "capacity-reservation",
                (*at, "instanceTypes"),
                f"a reservation holds one instance type; found {len(pool.instance_types)}: "
                + ", ".join(pool.instance_types),
                "list only the reserved instance type",
            )
        if pool.availability_zone is None:
            yield error_at(
                doc,
                "capacity-reservation",
                (*at, "capacityType"),
                f"capacityType {kind} needs availabilityZone: a reservation lives in one zone "
                "and launches elsewhere fail",
                "set availabilityZone to the reservation's zone",
            )


def _taints(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    for i, pool in enumerate(spec.node_pools):
        keys = [f"{t.key}:{t.effect}" for t in pool.taints]
        for j, taint in enumerate(pool.taints):
            if taint.key == instances.GPU_RESOURCE and pool.facts.known and pool.facts.is_gpu:
                yield error_at(
                    doc,
                    "taint-reserved",
                    ("nodePools", i, "taints", j, "key"),
                    f"GPU pools already carry the {instances.GPU_RESOURCE} taint",
                    "remove this taint",
                )
        yield from duplicates(doc, ("nodePools", i, "taints"), keys, "key", "taint key:effect")


POOL_CHECKS: tuple[Check, ...] = (
    _names,
    _sizes,
    _instance_types,
    _efa_and_zones,
    _reservations,
    _taints,
)
