"""Monitoring: kube-prometheus-stack, with the alerting rules every enabled service brings."""

from __future__ import annotations

import pulumi

from mlplat.components.services import monitoring as component
from mlplat.components.services.monitoring import Monitoring, MonitoringArgs
from mlplat.services.gpu import gpu_nodes
from mlplat.services.service import (
    ApiClient,
    Built,
    Namespace,
    Needs,
    Pods,
    Provided,
    Service,
    Shared,
    secret_ref,
)
from mlplat.spec.model import PlatformSpec
from mlplat.spec.services import MonitoringSpec


def _needs(section: MonitoringSpec, spec: PlatformSpec) -> Needs:
    return Needs(scraper=Pods(component.NAMESPACE, component.PROMETHEUS_POD))


def _build(section: MonitoringSpec, provided: Provided) -> Built:
    monitoring = Monitoring(
        provided.name,
        MonitoringArgs.from_spec(
            section,
            storage_class=provided.cluster.storage_class,
            gpus=gpu_nodes(provided.spec) is not None,
            service_rules=[dict(rule) for rule in provided.alert_rules],
            peers=provided.peers,
        ),
        pulumi.ResourceOptions(providers=[provided.context.provider]),
    )
    return Built(
        outputs={
            "grafanaAdminSecret": secret_ref(component.NAMESPACE, monitoring.grafana_admin_secret)
        },
        shared=Shared(monitoring=monitoring.release),
    )


SERVICE = Service(
    name="monitoring",
    section=lambda spec: spec.services.monitoring,
    needs=_needs,
    build=_build,
    charts=("monitoring",),
    api_clients=tuple(
        ApiClient(f"{component.NAMESPACE}/{workload}", reason)
        for workload, reason in (
            (
                "Deployment/monitoring-kube-prometheus-operator",
                "turns Prometheus, Alertmanager and the monitors into StatefulSets, Secrets "
                "and ConfigMaps",
            ),
            (
                "Deployment/monitoring-kube-state-metrics",
                "lists and watches cluster objects to export their state as metrics",
            ),
            (
                "Deployment/monitoring-grafana",
                "its sidecars watch its namespace's ConfigMaps for dashboards and data sources",
            ),
            (
                "Job/monitoring-kube-prometheus-admission-create",
                "writes the admission webhook's certificate Secret",
            ),
            (
                "Job/monitoring-kube-prometheus-admission-patch",
                "writes the certificate authority into the webhook configurations",
            ),
        )
    ),
    privileged=(
        Namespace(
            component.NODE_EXPORTER_NAMESPACE,
            component.NODE_EXPORTER_LEVEL,
            component.NODE_EXPORTER_REASON,
        ),
    ),
)
