"""The policy pack's config for one spec: the same JSON feeds `pulumi preview
--policy-pack-config` and the offline check, so both give the same verdict.

Per control: the enforcement level (the environment's default, then `policy.enforcement`),
settings the spec determines (who may be a cluster admin, which registries mlplat's own
images come from), and exemptions (mlplat's own privileged namespaces, then
`policy.exemptions`).
"""

from __future__ import annotations

from typing import Any

from mlplat.components.charts import IMAGES
from mlplat.components.tenancy.kueue import NAMESPACE as KUEUE_NAMESPACE
from mlplat.policies import CONTROLS, pod_security
from mlplat.policies.workloads import DEFAULT_REGISTRIES, repository_of
from mlplat.services.registry import SERVICES
from mlplat.services.service import ApiClient
from mlplat.spec import PlatformSpec, TeamStackSpec

PSA_LABELS = "k8s-namespace-psa-labels"
POD_SECURITY = tuple(c.id for c in pod_security.CONTROLS)
"""The Pod Security controls a privileged namespace's node agents are exempt from."""
API_TOKEN = "k8s-sa-token-automount"
KUEUE = ApiClient(
    f"{KUEUE_NAMESPACE}/Deployment/kueue-controller-manager",
    "admits queued workloads: watches jobs, pods and queues and serves its webhooks",
)
BUILT_IN_EXEMPTIONS: tuple[tuple[str, dict[str, str]], ...] = (
    *(
        (control, {"namespace": namespace.name, "reason": namespace.reason})
        for service in SERVICES
        for namespace in service.privileged
        for control in (PSA_LABELS, *POD_SECURITY)
    ),
    *(
        (API_TOKEN, {"workload": client.workload, "reason": client.reason})
        for client in (*(c for service in SERVICES for c in service.api_clients), KUEUE)
    ),
)
"""Exemptions mlplat needs for what it installs itself, each with the component's reason
(printed with every exempted finding): the node agents of the services' privileged
namespaces, and the chart workloads that call the Kubernetes API (their token stays)."""


def own_images() -> list[str]:
    """Repositories of the images mlplat pins and runs outside any chart."""
    services = [image for service in SERVICES for image in service.images]
    return sorted({repository_of(i) for i in [*IMAGES.values(), *services]})


def policy_config(spec: PlatformSpec | TeamStackSpec) -> dict[str, Any]:
    """The pack config for a platform stack, or for a team stack (its platform's
    environment; no cluster admins of its own)."""
    if isinstance(spec, TeamStackSpec):
        environment, admins = str(spec.platform.environment), []
    else:
        environment, admins = str(spec.metadata.environment), list(spec.cluster.admins)
    config: dict[str, dict[str, Any]] = {
        c.id: {"enforcementLevel": str(spec.policy.enforcement.get(c.id, c.level_for(environment)))}
        for c in CONTROLS
    }
    config["eks-access-entries"]["allowedAdminPrincipals"] = admins
    config["k8s-image-registry-allowlist"]["allowedRegistries"] = [
        *DEFAULT_REGISTRIES,
        *own_images(),
    ]
    spec_exemptions = [
        (e.control, {**e.selectors(), "reason": e.reason}) for e in spec.policy.exemptions
    ]
    for control_id, exemption in (*BUILT_IN_EXEMPTIONS, *spec_exemptions):
        config[control_id].setdefault("exemptions", []).append(exemption)
    return config
