"""Check 2, admission: every pod against its namespace's Pod Security level.

Pod Security admission refuses a pod that breaks its namespace's ``enforce`` level, so a
Deployment whose pods break it never gets a ready replica and its release times out.
The rules are the policy pack's own Pod Security rules, applied at the namespace's level.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlplat.policies.pod_security import pss_violations
from mlplat.render.context import RenderContext
from mlplat.render.findings import Finding, Severity
from mlplat.render.objects import Inventory
from mlplat.render.pods import SYSTEM_NAMESPACES, pod_templates

ENFORCE = "pod-security.kubernetes.io/enforce"


def check(inventory: Inventory, ctx: RenderContext) -> Iterator[Finding]:
    namespaces = inventory.namespaces()
    missing: set[str] = set()
    for pod in pod_templates(inventory):
        if pod.owner.synthetic:
            continue
        namespace = namespaces.get(pod.namespace)
        if namespace is None:
            if pod.namespace not in SYSTEM_NAMESPACES and pod.namespace not in missing:
                missing.add(pod.namespace)
                yield Finding(
                    "admission",
                    Severity.ERROR,
                    pod.owner.source,
                    pod.owner.ident,
                    "metadata.namespace",
                    f"namespace {pod.namespace!r} is not created by the platform, so nothing "
                    "in it can be created",
                    "create the namespace before the release (or install into one that exists)",
                )
            continue
        level = str(namespace.labels.get(ENFORCE, "privileged"))
        for message in pss_violations(pod.spec, level):
            yield Finding(
                "admission",
                Severity.ERROR,
                pod.owner.source,
                pod.owner.ident,
                pod.path,
                f"Pod Security {level!r} in namespace {pod.namespace} refuses its pods: {message}",
                "set the security context the level requires (or, for a node agent, run it "
                "in a namespace whose level says why it may not)",
            )
