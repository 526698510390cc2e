"""Check 3, policy: the policy pack's Kubernetes controls over the objects charts render.

CrossGuard sees a Helm release as one resource; here the same control objects run over
what the release renders, with the stack's policy config (levels, settings, exemptions).
mlplat's own objects are included so stack-wide controls see the whole cluster, but only
findings on rendered objects are reported: the plan's own verdict covers the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlplat.policies import CONTROLS
from mlplat.policies.control import Level
from mlplat.policies.runner import Resource, Status, evaluate
from mlplat.render.context import RenderContext
from mlplat.render.findings import Finding, Severity
from mlplat.render.objects import MLPLAT, Inventory, K8sObject
from mlplat.render.pods import PodTemplate, pod_templates, template_path

_KUBERNETES_CONTROLS = tuple(
    c for c in CONTROLS if all(t.startswith("kubernetes:") and "helm.sh" not in t for t in c.types)
)
_INSPECTED = frozenset(t for c in _KUBERNETES_CONTROLS for t in c.types)
"""Only these types go to the runner: wrapping a large CRD for no control is costly."""


def urn_of(obj: K8sObject, stack: str) -> str:
    """A stand-in URN: the release's, with the object's type and identity."""
    return f"urn:pulumi:{stack}::mlplat::{obj.source}${obj.type_token}::{obj.ident}"


def placed_manifest(obj: K8sObject) -> Mapping[str, Any]:
    """The manifest as the cluster stores it: in its namespace even where the chart's
    template leaves metadata.namespace to Helm, so namespace and workload exemptions match."""
    metadata = obj.manifest.get("metadata") or {}
    if obj.namespace is None or metadata.get("namespace"):
        return obj.manifest
    return {**obj.manifest, "metadata": {**metadata, "namespace": obj.namespace}}


TOKEN = "automountServiceAccountToken"


def with_account_token(manifest: Mapping[str, Any], inventory: Inventory) -> Mapping[str, Any]:
    """The manifest with its pod's API token as admission decides it: a pod that does not
    say takes its service account's setting (Kubernetes' ServiceAccount admission), so a
    chart that turns the token off on the account is not reported as mounting one."""
    path = template_path(str(manifest.get("kind")))
    if path is None:
        return manifest
    spec: Any = manifest
    for key in path:
        spec = spec.get(key) if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping) or spec.get(TOKEN) is not None:
        return manifest
    name = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
    namespace = (manifest.get("metadata") or {}).get("namespace")
    account = inventory.find("ServiceAccount", namespace, name)
    if account is None or account.manifest.get(TOKEN) is not False:
        return manifest
    return _replaced(manifest, path, {**spec, TOKEN: False})


def _replaced(tree: Mapping[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    head, *rest = path
    return {**tree, head: _replaced(tree[head], tuple(rest), value) if rest else value}


POD = "kubernetes:core/v1:Pod"


def executor_pods(inventory: Inventory, stack: str) -> dict[str, tuple[Resource, PodTemplate]]:
    """The pods charts hand an executor as a template in a ConfigMap (Airflow's task pods),
    as Pods the controls can judge, by stand-in URN: the most numerous pods a platform runs
    are never a workload object of their own."""
    found = {}
    for pod in pod_templates(inventory):
        owner = pod.owner
        if owner.kind != "ConfigMap" or owner.source == MLPLAT:
            continue
        urn = f"{urn_of(owner, stack)}#{pod.path}"
        manifest = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": owner.name, "namespace": pod.namespace, "labels": pod.labels},
            "spec": pod.spec,
        }
        props = with_account_token(manifest, inventory)
        found[urn] = (Resource(urn=urn, type=POD, name=owner.name, props=props), pod)
    return found


def check(inventory: Inventory, ctx: RenderContext) -> Iterator[Finding]:
    templates = executor_pods(inventory, ctx.stack)
    resources = [resource for resource, _ in templates.values()]
    resources += [
        Resource(
            urn=urn_of(o, ctx.stack),
            type=o.type_token,
            name=o.name,
            props=with_account_token(placed_manifest(o), inventory),
        )
        for o in inventory.objects
        if not o.synthetic and o.type_token in _INSPECTED
    ]
    rendered = {urn_of(o, ctx.stack): o for o in inventory.objects if o.source != MLPLAT}
    verdict = evaluate(resources, ctx.policy_config, _KUBERNETES_CONTROLS)
    for finding in verdict.findings:
        template = templates.get(finding.urn or "")
        obj = template[1].owner if template else rendered.get(finding.urn or "")
        if obj is None:
            continue
        if finding.status is Status.EXEMPT:
            severity = Severity.INFO
        elif finding.level is Level.MANDATORY and finding.status is Status.VIOLATION:
            severity = Severity.ERROR
        else:
            severity = Severity.WARNING
        yield Finding(
            "policy",
            severity,
            obj.source,
            obj.ident,
            template[1].path if template else "",
            f"[{finding.control}] {finding.message}",
            finding.remediation,
        )
