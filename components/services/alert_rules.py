"""Alert rules and the GPU dashboard that make monitoring useful for an ML platform.

Every rule reads a metric something scrapes on this platform (tests hold each to its
monitor): the DCGM exporter (DCGM_FI_DEV_GPU_UTIL, DCGM_FI_DEV_XID_ERRORS,
DCGM_FI_DEV_FB_USED/FREE), kube-state-metrics (kube_node_status_condition,
kube_deployment_status_replicas_available), and Airflow's StatsD metrics through the
chart's exporter, which mlplat's own ServiceMonitor scrapes (airflow_scheduler_heartbeat,
a counter the exporter may expose with a ``_total`` suffix).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

GPU_IDLE_MINUTES = 30
"""How long an allocated GPU may sit idle before someone is told."""
HARDWARE_XIDS = (48, 63, 64, 74, 79, 92, 94, 95)
"""XIDs that mean the GPU itself needs attention (double-bit ECC, row remap, NVLink,
fallen off the bus, contained/uncontained ECC); the rest are usually the application's."""
HEARTBEAT = '{__name__=~"airflow_scheduler_heartbeat(_total)?"}'
"""The scheduler heartbeat counter, with or without the OpenMetrics ``_total`` suffix."""


def rule(alert: str, expr: str, for_: str, severity: str, summary: str) -> dict[str, Any]:
    """One alerting rule, labelled with its severity."""
    return {
        "alert": alert,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity},
        "annotations": {"summary": summary},
    }


AIRFLOW_HEARTBEAT_MISSING = rule(
    "AirflowSchedulerHeartbeatMissing",
    f"absent({HEARTBEAT}) or sum(rate({HEARTBEAT}[5m])) == 0",
    "5m",
    "critical",
    "the Airflow scheduler has not sent a heartbeat for 5 minutes",
)
MLFLOW_DOWN = rule(
    "MlflowDown",
    'sum(kube_deployment_status_replicas_available{namespace="mlflow",'
    'deployment="mlflow"}) < 1 or absent(kube_deployment_status_replicas_available'
    '{namespace="mlflow",deployment="mlflow"})',
    "5m",
    "critical",
    "no MLflow tracking server replica is available",
)


def platform_rules(service_rules: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """PrometheusRule groups: GPU health and use, nodes, and the rules the enabled
    services bring (each service declares its own)."""
    gpu = [
        rule(
            "GpuAllocatedButIdle",
            'avg by (Hostname, gpu, namespace, pod) (DCGM_FI_DEV_GPU_UTIL{pod!=""}) < 5',
            f"{GPU_IDLE_MINUTES}m",
            "warning",
            "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is held by "
            "{{ $labels.namespace }}/{{ $labels.pod }} but under 5% busy",
        ),
        # The gauge holds the last XID seen, so alert on a change, not on its value (which
        # would fire until the node restarts).
        rule(
            "GpuHardwareXid",
            "changes(DCGM_FI_DEV_XID_ERRORS[10m]) > 0 and ("
            + " or ".join(f"DCGM_FI_DEV_XID_ERRORS == {xid}" for xid in HARDWARE_XIDS)
            + ")",
            "0m",
            "critical",
            "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported hardware XID {{ $value }}",
        ),
        rule(
            "GpuXidError",
            "changes(DCGM_FI_DEV_XID_ERRORS[10m]) > 0",
            "0m",
            "warning",
            "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID {{ $value }}",
        ),
        rule(
            "GpuMemoryPressure",
            "DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) > 0.95",
            "10m",
            "warning",
            "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} has over 95% memory in use",
        ),
    ]
    nodes = [
        rule(
            "NodeNotReady",
            'kube_node_status_condition{condition="Ready",status="true"} == 0',
            "10m",
            "critical",
            "node {{ $labels.node }} has not been Ready for 10 minutes",
        )
    ]
    groups = [{"name": "mlplat.gpu", "rules": gpu}, {"name": "mlplat.nodes", "rules": nodes}]
    if service_rules:
        groups.append({"name": "mlplat.services", "rules": [dict(r) for r in service_rules]})
    return groups


def gpu_dashboard() -> str:
    """A Grafana dashboard (JSON) of GPU use per node and per pod."""
    panels = [
        ("GPU utilisation by pod", "avg by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL)", "percent"),
        ("GPU memory used", "sum by (Hostname, gpu) (DCGM_FI_DEV_FB_USED)", "decmbytes"),
        ("GPU power", "sum by (Hostname) (DCGM_FI_DEV_POWER_USAGE)", "watt"),
        ("GPU temperature", "max by (Hostname, gpu) (DCGM_FI_DEV_GPU_TEMP)", "celsius"),
        ("XID errors", "max by (Hostname, gpu) (DCGM_FI_DEV_XID_ERRORS)", "none"),
        (
            "Allocated GPUs idle",
            'count(avg by (Hostname, gpu) (DCGM_FI_DEV_GPU_UTIL{pod!=""}) < 5)',
            "none",
        ),
    ]
    return json.dumps(
        {
            "title": "mlplat / GPUs",
            "uid": "mlplat-gpus",
            "schemaVersion": 39,
            "time": {"from": "now-6h", "to": "now"},
            "panels": [
                {
                    "id": i + 1,
                    "type": "timeseries",
                    "title": title,
                    "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
                    "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                    "targets": [{"expr": expr, "refId": "A"}],
                }
                for i, (title, expr, unit) in enumerate(panels)
            ],
        },
        sort_keys=True,
    )
