"""Kubernetes workloads beyond Pod Security: resources, GPUs, images and API tokens."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import (
    WORKLOADS,
    as_list,
    containers,
    dig,
    label,
    namespace_of,
    pod_spec,
    quantity,
)

SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
DEFAULT_REGISTRIES = [
    "*.dkr.ecr.*.amazonaws.com/*",
    "public.ecr.aws/*",
    "registry.k8s.io/*",
    "quay.io/prometheus/*",
    "nvcr.io/nvidia/*",
    "docker.io/library/*",
]


def _gpu_keys(resources: Mapping[str, Any]) -> set[str]:
    return {
        str(k)
        for part in ("limits", "requests")
        for k in (resources.get(part) or {})
        if str(k) == "nvidia.com/gpu" or str(k).startswith("nvidia.com/mig-")
    }


def uses_gpu(pod: Mapping[str, Any]) -> bool:
    return any(_gpu_keys(c.get("resources") or {}) for c in containers(pod))


def _resources(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    pod = pod_spec(args.resource_type, args.props)
    for key in ("initContainers", "containers"):
        for container in as_list(pod.get(key)):
            resources = container.get("resources") or {}
            missing = [
                path
                for path in ("requests.cpu", "requests.memory", "limits.memory")
                if dig(resources, path) is None
            ]
            if missing:
                report(f"{label(container)} sets no {', '.join(missing)}")


def _gpu_wellformed(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    for container in containers(pod_spec(args.resource_type, args.props)):
        resources = container.get("resources") or {}
        limits, requests = resources.get("limits") or {}, resources.get("requests") or {}
        for key in sorted(_gpu_keys(resources)):
            limit = quantity(limits.get(key))
            if key not in limits:
                report(f"{label(container)} requests {key} without a limit; GPUs are set in limits")
                continue
            if limit is None or limit < 1 or limit != int(limit):
                report(
                    f"{label(container)} asks for {limits.get(key)} {key}; GPUs are whole numbers"
                )
            if key in requests and quantity(requests.get(key)) != limit:
                report(f"{label(container)} requests and limits of {key} differ")


def _tolerates(pod: Mapping[str, Any], key: str) -> bool:
    return any(
        t.get("key") == key or (not t.get("key") and t.get("operator") == "Exists")
        for t in as_list(pod.get("tolerations"))
    )


def _gpu_placement(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    pod = pod_spec(args.resource_type, args.props)
    key = settings["gpuTaintKey"]
    if uses_gpu(pod):
        if not _tolerates(pod, key):
            report(f"a GPU pod without a toleration for {key} cannot reach the GPU nodes")
        if not pod.get("nodeSelector") and not dig(pod, "affinity.nodeAffinity"):
            report(
                "a GPU pod without a nodeSelector or node affinity may wait on the wrong GPU type"
            )
    elif args.resource_type != DAEMON_SET and _tolerates(pod, key):
        report(f"a pod that uses no GPU tolerates {key} and can take a GPU node")


def repository_of(image: str) -> str:
    """``<registry>/<repository>`` of an image, with Docker Hub's implicit parts written out."""
    return image_reference(image)[0]


def image_reference(image: str) -> tuple[str, str | None, str | None]:
    """(repository with registry, tag, digest) of an image reference."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    if tag is not None:
        name = name[: -len(tag) - 1]
    first = name.split("/", 1)[0]
    if "/" not in name or not ("." in first or ":" in first or first == "localhost"):
        name = f"docker.io/{name if '/' in name else 'library/' + name}"
    return name, tag, digest or None


def _pinned(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    for container in containers(pod_spec(args.resource_type, args.props)):
        image = str(container.get("image") or "")
        _, tag, digest = image_reference(image)
        if settings["requireDigest"] and not digest:
            report(f"{label(container)} image {image} is not pinned by digest")
        elif not digest and tag in (None, "latest"):
            report(f"{label(container)} image {image!r} floats (no tag, or latest)")


def _registry(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    allowed = list(settings["allowedRegistries"])
    for container in containers(pod_spec(args.resource_type, args.props)):
        repository, _, _ = image_reference(str(container.get("image") or ""))
        if not any(fnmatch.fnmatchcase(repository, pattern) for pattern in allowed):
            report(f"{label(container)} pulls {repository} from outside the allowed registries")


def _token(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    name = dig(args.props, "metadata.name")
    if args.resource_type == SERVICE_ACCOUNT:
        if name == "default" and args.props.get("automountServiceAccountToken") is not False:
            report("the default service account mounts an API token into every pod")
        return
    pod = pod_spec(args.resource_type, args.props)
    workload = f"{namespace_of(args.props) or ''}/{args.props.get('kind')}/{name or args.name}"
    if pod.get("automountServiceAccountToken") is not False and workload not in set(
        settings["allowTokenFor"]
    ):
        report("the pod mounts a Kubernetes API token it may not need")


CONTROLS = [
    Control(
        "k8s-resources-set",
        "Containers request CPU and memory and cap memory.",
        WORKLOADS,
        ("CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13", "EKS-BPG-requests-limits"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "Set requests.cpu, requests.memory and limits.memory; team namespaces get defaults "
        "from their LimitRange.",
        _resources,
    ),
    Control(
        "k8s-gpu-requests-wellformed",
        "GPUs are asked for in limits, as whole numbers, with requests equal to limits.",
        WORKLOADS,
        ("Kubernetes-schedule-GPUs", "EKS-BPG-AIML-compute"),
        Severity.HIGH,
        Level.MANDATORY,
        "Write `limits: {nvidia.com/gpu: N}` with a whole N; to share a GPU use a pool's "
        "`gpuSharing` (time slicing or MIG), not fractions.",
        _gpu_wellformed,
    ),
    Control(
        "k8s-gpu-placement",
        "GPU pods tolerate the GPU taint and select their GPU nodes; other pods do not "
        "tolerate it.",
        WORKLOADS,
        ("EKS-BPG-AIML-taints",),
        Severity.MEDIUM,
        Level.ADVISORY,
        "Add the toleration and a nodeSelector on the pool's labels (`nodePools[].labels`) "
        "to GPU pods; remove the toleration from CPU pods.",
        _gpu_placement,
        settings={"gpuTaintKey": {"type": "string", "default": "nvidia.com/gpu"}},
    ),
    Control(
        "k8s-image-pinned",
        "Images are pinned to a tag other than latest, or to a digest.",
        WORKLOADS,
        ("CKV_K8S_14", "CKV_K8S_43"),
        Severity.HIGH,
        Level.MANDATORY,
        "Pin the image tag; mlplat's image pins live in components/charts.py.",
        _pinned,
        settings={"requireDigest": {"type": "boolean", "default": False}},
    ),
    Control(
        "k8s-image-registry-allowlist",
        "Images come from allowed registries.",
        WORKLOADS,
        ("CIS-EKS-5.1.4",),
        Severity.MEDIUM,
        Level.ADVISORY,
        "Mirror the image into the platform registry (`registry.pullThroughCache`) or add "
        "its registry to the policy's allowedRegistries.",
        _registry,
        settings={
            "allowedRegistries": {
                "type": "array",
                "items": {"type": "string"},
                "default": DEFAULT_REGISTRIES,
                "description": "Glob patterns over <registry>/<repository>.",
            }
        },
    ),
    Control(
        "k8s-sa-token-automount",
        "Pods mount a Kubernetes API token only when they call the API.",
        frozenset({*WORKLOADS, SERVICE_ACCOUNT}),
        ("CKV_K8S_38", "CKV_K8S_41", "CIS-EKS-4.1.5", "CIS-EKS-4.1.6"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "Set automountServiceAccountToken: false on the pod; list workloads that call the "
        "API in the policy's allowTokenFor. IRSA works without the API token.",
        _token,
        settings={
            "allowTokenFor": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Workloads (<namespace>/<Kind>/<name>) that call the API.",
            }
        },
    ),
]
