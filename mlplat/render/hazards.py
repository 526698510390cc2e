"""Check 6, hazards: what installs but never becomes ready, or breaks later.

- A post-install hook that the release's own pods wait for: Pulumi awaits the release,
  Helm runs post-install hooks only after its wait succeeds, and the pods never get ready
  without the hook: the install times out, every time.
- A pre-install hook that uses an object of its own release: hooks run before the
  release's objects exist, so on a first install it cannot start.
- A webhook that fails closed on objects of releases that do not wait for it.
- A read-only root filesystem with a path to write to that no volume backs.
- Image tags that float.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from mlplat.policies.workloads import image_reference
from mlplat.render.context import RenderContext
from mlplat.render.findings import Finding, Severity
from mlplat.render.objects import MLPLAT, Inventory, K8sObject
from mlplat.render.pods import PodTemplate, namespace_labels, pod_templates, selects
from mlplat.render.selection import pod_references

_WAITS = re.compile(r"^wait-for|wait_for|check-migrations", re.I)
_WRITABLE = re.compile(
    r"(dir|directory|home|tmp|temp|cache|folder|multiproc|logs?|metrics|prometheus|output|"
    r"state|data|work|db|store)$",
    re.I,
)
"""Names of env vars and flags that point a program at a place to write."""
_READ_ONLY_PLACES = ("/etc/", "/usr/", "/bin/", "/sbin/", "/lib", "/proc/", "/sys/", "/dev/",
                     "/run/secrets/", "/var/run/secrets/")  # fmt: skip
_READ_SUFFIXES = (".py", ".sh", ".yaml", ".yml", ".json", ".conf", ".cfg", ".ini", ".crt",
                  ".pem", ".key", ".txt", ".tpl")  # fmt: skip
"""Paths that name something to read, even behind a writing-sounding name."""
_FLOATING = frozenset({"main", "master", "stable", "edge", "nightly", "dev", "develop"})
_PATH = re.compile(r"^(/[\w.\-]+)+/?$")


def check(inventory: Inventory, ctx: RenderContext) -> Iterator[Finding]:
    pods = [p for p in pod_templates(inventory) if not p.owner.synthetic]
    yield from _post_install_waits(pods)
    yield from _pre_install_uses(inventory, pods)
    yield from fail_closed_webhooks(inventory, ctx)
    for pod in pods:
        yield from _read_only_paths(pod)
        yield from _floating(pod)


def _post_install_waits(pods: list[PodTemplate]) -> Iterator[Finding]:
    hooks = [
        p
        for p in pods
        if p.owner.source != MLPLAT and {"post-install", "post-upgrade"} & set(p.owner.hooks)
    ]
    for hook in hooks:
        tokens = {t for t in re.split(r"[-_.]", hook.owner.name) if len(t) >= 5}
        tokens -= {hook.owner.source, "airflow", "upgrade", "install"}
        waiting = [
            (p, c)
            for p in pods
            if p.owner.source == hook.owner.source and not p.hook
            for c in p.spec.get("initContainers") or []
            if _WAITS.search(str(c.get("name", "")))
            or (tokens and any(t in _text(c) for t in tokens))
        ]
        if waiting:
            pod, container = waiting[0]
            yield Finding(
                "hazard",
                Severity.ERROR,
                hook.owner.source,
                hook.owner.ident,
                "metadata.annotations.helm.sh/hook",
                f"post-install hook that {pod.owner.ident} waits for (init container "
                f"{container.get('name')!r}): Helm runs it only after every pod is ready, so "
                "the release never becomes ready under Pulumi's await",
                "run the job as an ordinary release object (the chart's useHelmHooks: false), "
                "or stop the pods waiting for it",
            )
        else:
            yield Finding(
                "hazard",
                Severity.WARNING,
                hook.owner.source,
                hook.owner.ident,
                "metadata.annotations.helm.sh/hook",
                "post-install hook: it runs only after every object of the release is ready; "
                "nothing may depend on it to get ready",
            )


def _pre_install_uses(inventory: Inventory, pods: list[PodTemplate]) -> Iterator[Finding]:
    for pod in pods:
        if "pre-install" not in pod.owner.hooks:
            continue
        for kind, name, where, optional in pod_references(pod):
            target = inventory.find(kind, pod.namespace, name)
            if (
                target is None
                or optional
                or target.source != pod.owner.source
                or "pre-install" in target.hooks
            ):
                continue
            yield Finding(
                "hazard",
                Severity.ERROR,
                pod.owner.source,
                pod.owner.ident,
                f"{pod.path}.{where}",
                f"pre-install hook uses {target.ident}, which its release creates only after "
                "pre-install hooks: the first install cannot start it",
                "make that object a pre-install hook of lower weight too, or use one that "
                "exists before the release",
            )


def _text(container: Mapping[str, Any]) -> str:
    parts = [*(container.get("command") or []), *(container.get("args") or [])]
    return " ".join(str(p) for p in parts)


def _read_only_paths(pod: PodTemplate) -> Iterator[Finding]:
    for at, container in pod.indexed_containers():
        context = container.get("securityContext") or {}
        if context.get("readOnlyRootFilesystem") is not True:
            continue
        mounts = [
            str(m.get("mountPath", "")).rstrip("/") for m in container.get("volumeMounts") or []
        ]
        for where, path in _write_paths(container):
            if any(path == m or path.startswith(m + "/") for m in mounts if m):
                continue
            yield Finding(
                "hazard",
                Severity.ERROR,
                pod.owner.source,
                pod.owner.ident,
                f"{pod.path}.{at}.{where}",
                f"container {container.get('name')!r} has a read-only root filesystem but is "
                f"told to write under {path}, which no volume backs: it fails when it writes",
                f"mount an emptyDir at {path}",
            )


def _write_paths(container: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, path) of env vars and flags that name a directory to write to."""
    for i, env in enumerate(container.get("env") or []):
        value = env.get("value")
        if isinstance(value, str) and _writable(str(env.get("name")), value):
            yield f"env[{i}]", value.rstrip("/")
    args = [str(a) for a in [*(container.get("command") or []), *(container.get("args") or [])]]
    for i, arg in enumerate(args):
        flag, _, value = arg.partition("=")
        if not value and i + 1 < len(args) and flag.startswith("--"):
            value = args[i + 1]
        if flag.startswith("--") and _writable(flag, value):
            yield f"args[{i}]", value.rstrip("/")


def _writable(name: str, value: str) -> bool:
    return bool(
        _WRITABLE.search(name)
        and _PATH.match(value)
        and not value.startswith(_READ_ONLY_PLACES)
        and not value.endswith(_READ_SUFFIXES)
    )


def _floating(pod: PodTemplate) -> Iterator[Finding]:
    for container in pod.containers:
        image = str(container.get("image") or "")
        _, tag, digest = image_reference(image)
        if digest:
            continue
        if tag in (None, "latest") or tag in _FLOATING:
            yield Finding(
                "hazard",
                Severity.ERROR if tag in (None, "latest") else Severity.WARNING,
                pod.owner.source,
                pod.owner.ident,
                pod.path,
                f"container {container.get('name')!r} runs {image!r}, whose tag floats: a "
                "restart can run different code",
                "pin the image tag (or a digest) in the chart values",
            )


def _plural(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("s"):
        return lower + "es"
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def _covers(rule: Mapping[str, Any], group: str, resource: str) -> bool:
    groups = rule.get("apiGroups") or []
    resources = rule.get("resources") or []
    operations = rule.get("operations") or []
    return (
        ("*" in groups or group in groups)
        and ("*" in resources or resource in resources)
        and ("*" in operations or "CREATE" in operations)
    )


def fail_closed_webhooks(inventory: Inventory, ctx: RenderContext) -> Iterator[Finding]:
    """A webhook that fails closed refuses what it covers until its own pods serve it: an
    object of another release, in a namespace it covers, that does not wait for the
    webhook's release cannot be created on a new cluster (and not while it restarts)."""
    namespaces = {name: namespace_labels(inventory, name) for name in inventory.namespaces()}
    workloads = list(pod_templates(inventory))
    kinds = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
    for config in inventory.of_kind(*kinds):
        for hook in config.manifest.get("webhooks") or []:
            if hook.get("failurePolicy", "Fail") != "Fail":
                continue
            blocked = sorted(
                {
                    (obj.source, obj.namespace or "", obj.kind)
                    for obj, labels in _created(inventory, workloads, hook)
                    if obj.source != config.source
                    and not obj.synthetic
                    and config.source not in ctx.waits_for.get(_waiter(obj), frozenset())
                    and obj.namespace in namespaces
                    and selects(hook.get("namespaceSelector") or {}, namespaces[obj.namespace])
                    and selects(hook.get("objectSelector") or {}, labels)
                }
            )
            if blocked:
                source, namespace, kind = blocked[0]
                yield Finding(
                    "hazard",
                    Severity.ERROR,
                    config.source,
                    f"/{config.kind}/{config.name}",
                    f"webhooks[{hook.get('name')}]",
                    f"fails closed for {kind} objects of {source} in namespace {namespace}"
                    + (f" (and {len(blocked) - 1} more)" if len(blocked) > 1 else "")
                    + f", which do not wait for {config.source}: they are refused until its "
                    "pods run, on a new cluster and whenever they restart",
                    "scope the webhook's namespaceSelector to where it is needed, turn it off, "
                    f"or make the other releases wait for {config.source}",
                )


def _waiter(obj: K8sObject) -> str:
    """What the plan orders: a release by name, one of mlplat's objects by its URN."""
    return obj.origin if obj.source == MLPLAT else obj.source


def _created(
    inventory: Inventory, workloads: list[PodTemplate], hook: Mapping[str, Any]
) -> Iterator[tuple[K8sObject, Mapping[str, str]]]:
    """The objects (and labels) a webhook's rules cover; pods are what workloads create."""
    rules = hook.get("rules") or []
    if any(_covers(rule, "", "pods") for rule in rules):
        yield from ((pod.owner, pod.labels) for pod in workloads)
    for obj in inventory.objects:
        if obj.namespace and any(_covers(rule, obj.group, _plural(obj.kind)) for rule in rules):
            yield obj, obj.labels
