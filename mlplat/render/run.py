"""Render every Helm release of a plan and check what would run.

Releases render in parallel (Helm is a separate process per release); the checks then
read one inventory of rendered and declared objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlplat.render import admission, capacity, hazards, network, pack, schema, values, wiring
from mlplat.render.cluster import cluster_objects, operator_objects
from mlplat.render.context import RenderContext
from mlplat.render.findings import Finding, ReleaseRender, RenderReport, Severity
from mlplat.render.helm import (
    Helm,
    HelmError,
    chart_apis,
    chart_cache,
    chart_file,
    find_helm,
    pull,
    template,
)
from mlplat.render.objects import (
    MLPLAT,
    Inventory,
    K8sObject,
    crd_scopes,
    declared_objects,
    parse_rendered,
    place,
)

RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
POD_IDENTITY_ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
Check = Callable[[Inventory, RenderContext], Iterable[Finding]]
CHECKS: tuple[tuple[str, Check], ...] = (
    ("schema", schema.check),
    ("admission", admission.check),
    ("policy", pack.check),
    ("wiring", wiring.check),
    ("hazard", hazards.check),
    ("capacity", capacity.check),
)
"""Every check but the network one, which also returns its matrix."""
NEEDS_EVERY_RELEASE = frozenset({"wiring", "network"})
"""Checks that judge references between objects: what they find missing may be in a
release that was not rendered (as may a custom resource's CRD)."""


@dataclass(frozen=True)
class RenderOptions:
    charts: Path | None = None
    """The chart cache (else $MLPLAT_CHARTS, else the per-user cache)."""
    pull: bool = True
    """Pull missing charts into the cache (needs network)."""
    jobs: int = 4
    """Helm processes at once."""


@dataclass(frozen=True)
class _Release:
    name: str
    namespace: str
    chart: str
    """The chart's name (the last part of an OCI reference)."""
    reference: str
    """What `helm pull` takes: a chart name with its repository, or an OCI reference."""
    repo: str | None
    version: str
    values: Mapping[str, Any]


def waits_for(resources: Sequence[Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """The releases each release (by name) and each other resource (by URN) waits for,
    following the plan's dependsOn through releases and components' children."""
    names = {
        r["urn"]: str(r["inputs"].get("name") or r["name"])
        for r in resources
        if r["type"] == RELEASE_TYPE
    }
    children: dict[str, list[str]] = {}
    for resource in resources:
        if resource.get("parent"):
            children.setdefault(resource["parent"], []).append(resource["urn"])
    direct = {r["urn"]: list((r.get("options") or {}).get("dependsOn") or []) for r in resources}

    def expand(urn: str, seen: set[str]) -> set[str]:
        if urn in seen:
            return set()
        seen.add(urn)
        found = {names[urn]} if urn in names else set()
        for child in children.get(urn, ()):
            found |= expand(child, seen)
        for dependency in direct.get(urn, ()):
            found |= expand(dependency, seen)
        return found

    waits = {}
    for resource in resources:
        found: set[str] = set()
        seen: set[str] = {resource["urn"]}
        for dependency in direct.get(resource["urn"], ()):
            found |= expand(dependency, seen)
        key = names.get(resource["urn"], resource["urn"])
        waits[key] = frozenset(found)
    return waits


def pod_identities(resources: Iterable[Mapping[str, Any]]) -> frozenset[tuple[str, str]]:
    """The service accounts EKS hands Pod Identity credentials to (their associations)."""
    return frozenset(
        (str(r["inputs"].get("namespace")), str(r["inputs"].get("serviceAccount")))
        for r in resources
        if r["type"] == POD_IDENTITY_ASSOCIATION
    )


def releases_of(resources: Iterable[Mapping[str, Any]]) -> list[_Release]:
    found = []
    for resource in resources:
        if resource["type"] != RELEASE_TYPE:
            continue
        inputs = resource["inputs"]
        reference = str(inputs["chart"])
        found.append(
            _Release(
                name=str(inputs.get("name") or resource["name"]),
                namespace=str(inputs.get("namespace") or "default"),
                chart=reference.rsplit("/", 1)[-1],
                reference=reference,
                repo=(inputs.get("repositoryOpts") or {}).get("repo"),
                version=str(inputs.get("version", "")),
                values=inputs.get("values") or {},
            )
        )
    return sorted(found, key=lambda r: r.name)


def render_plan(
    resources: Sequence[Mapping[str, Any]], ctx: RenderContext, options: RenderOptions
) -> RenderReport:
    """Render a plan's releases (``resources`` as in the plan JSON) and run every check."""
    started = time.perf_counter()
    cache = chart_cache(options.charts)
    releases = releases_of(resources)
    ctx = replace(ctx, waits_for=waits_for(resources), identities=pod_identities(resources))
    try:
        helm: Helm | None = find_helm()
        helm_text = f"{helm.path} ({helm.version})" if helm else ""
    except HelmError as error:
        helm, helm_text = None, f"not available: {error}"
    report = RenderReport(helm=helm_text, kube_version=ctx.kube_version, chart_cache=str(cache))
    charts: dict[str, Path] = {}
    for release in releases:
        path = chart_file(cache, release.chart, release.version)
        why = "helm is not available" if helm is None else None
        if helm is not None and not path.exists():
            why = (
                pull(helm, cache, release.reference, release.repo, release.version)
                if options.pull
                else "pulling is off"
            )
        if path.exists():
            charts[release.name] = path
        else:
            report.releases.append(
                ReleaseRender(
                    release.name,
                    release.namespace,
                    release.chart,
                    release.version,
                    False,
                    note=f"not rendered: chart not in cache ({why})",
                )
            )
            report.findings.append(
                Finding(
                    "render",
                    Severity.ERROR,
                    release.name,
                    f"{release.chart} {release.version}",
                    "",
                    f"not rendered: {path.name} is not in {cache} ({why}); nothing in this "
                    "release was checked",
                    f"put the chart in the cache (helm pull {release.reference} --version "
                    f"{release.version} -d {cache}) or pass --charts DIR",
                )
            )
    apis = sorted({api for path in charts.values() for api, _ in chart_apis(path)})
    rendered: list[K8sObject] = []
    if helm is not None and charts:
        todo = [r for r in releases if r.name in charts]
        # Slowest first (by package size), so the pool's last task is a short one.
        todo.sort(key=lambda r: -charts[r.name].stat().st_size)
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            results = list(pool.map(lambda r: _render(helm, r, charts[r.name], ctx, apis), todo))
        for release, (status, text, objects, found) in zip(todo, results, strict=True):
            report.releases.append(status)
            rendered.extend(objects)
            if text is not None:
                report.manifests[release.name] = text
            report.findings.extend(found)
    report.releases.sort(key=lambda r: r.release)
    declared = declared_objects(resources)
    everything = [*rendered, *declared]
    scopes = crd_scopes(everything)
    inventory = Inventory(place(everything, scopes), scopes)
    inventory.add([*cluster_objects(), *operator_objects(inventory)])
    report.objects = len(inventory.objects)
    report.inventory = inventory
    for _, check in CHECKS:
        report.findings.extend(check(inventory, ctx))
    flow_findings, flows = network.check(inventory, ctx)
    report.findings.extend(flow_findings)
    report.flows = flows
    missing = sorted(r.release for r in report.releases if not r.rendered)
    if missing:
        report.findings = [_hedged(f, missing) for f in report.findings]
    report.findings.sort(key=Finding.sort_key)
    report.seconds = time.perf_counter() - started
    return report


def _hedged(finding: Finding, missing: Sequence[str]) -> Finding:
    """``finding`` as a warning that says it may be wrong, if the releases in ``missing``
    (not rendered) could hold what it reports missing. The render still fails, on the
    releases themselves."""
    depends = finding.check in NEEDS_EVERY_RELEASE or finding.message.startswith(schema.NO_CRD)
    if not depends or finding.severity is Severity.INFO:
        return finding
    return replace(
        finding,
        severity=Severity.WARNING,
        message=f"unsure while {', '.join(missing)} not rendered: {finding.message}",
    )


def _render(
    helm: Helm, release: _Release, chart: Path, ctx: RenderContext, apis: Sequence[str]
) -> tuple[ReleaseRender, str | None, list[K8sObject], list[Finding]]:
    started = time.perf_counter()
    try:
        text = template(
            helm, chart, release.name, release.namespace, release.values, ctx.kube_version, apis
        )
    except HelmError as error:
        status = ReleaseRender(
            release.name,
            release.namespace,
            release.chart,
            release.version,
            False,
            note="helm template failed",
            seconds=time.perf_counter() - started,
        )
        finding = Finding(
            "render",
            Severity.ERROR,
            release.name,
            f"{release.chart} {release.version}",
            "values",
            f"helm template fails, so the release cannot install: {error}",
            "fix the values the message names",
        )
        return status, None, [], [finding]
    objects = parse_rendered(text, release.name, release.namespace)
    # In the worker, beside the other releases' Helm processes.
    unknown = list(values.check(release.name, chart, release.values))
    status = ReleaseRender(
        release.name,
        release.namespace,
        release.chart,
        release.version,
        True,
        objects=len(objects),
        note=f"from {chart}",
        seconds=time.perf_counter() - started,
    )
    return status, text, objects, unknown


__all__ = ["MLPLAT", "RenderOptions", "render_plan"]
