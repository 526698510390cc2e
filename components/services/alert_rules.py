"""Alert rules and the GPU dashboard that make monitoring useful for an ML platform.

Metric names: DCGM exporter (DCGM_FI_DEV_GPU_UTIL, DCGM_FI_DEV_XID_ERRORS,
DCGM_FI_DEV_FB_USED/FREE), kube-state-metrics (kube_node_status_condition,
kube_pod_container_resource_requests), Airflow's StatsD metrics through the chart's
statsd exporter (airflow_scheduler_heartbeat), and Prometheus' own ``up``.
"""

from __future__ import annotations

import json
from typing import Any

GPU_IDLE_MINUTES = 30
"""How long an allocated GPU may sit idle before someone is told."""


def _rule(alert: str, expr: str, for_: str, severity: str, summary: str) -> dict[str, Any]:
    return {
        "alert": alert,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity},
        "annotations": {"summary": summary},
    }


def platform_rules(airflow: bool, mlflow: bool) -> list[dict[str, Any]]:
    """PrometheusRule groups: GPU health and use, nodes, and the platform's services."""
    gpu = [
        _rule(
            "GpuAllocatedButIdle",
            'avg by (Hostname, gpu, namespace, pod) (DCGM_FI_DEV_GPU_UTIL{pod!=""}) < 5',
            f"{GPU_IDLE_MINUTES}m",
            "warning",
            "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is held by "
            "{{ $labels.namespace }}/{{ $labels.pod }} but under 5% busy",
        ),
        _rule(
            "GpuXidError",
            "increase(DCGM_FI_DEV_XID_ERRORS[5m]) > 0 or DCGM_FI_DEV_XID_ERRORS > 0",
            "0m",
            "critical",
            "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID {{ $value }}",
        ),
        _rule(
            "GpuMemoryPressure",
            "DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) > 0.95",
            "10m",
            "warning",
            "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} has over 95% memory in use",
        ),
    ]
    nodes = [
        _rule(
            "NodeNotReady",
            'kube_node_status_condition{condition="Ready",status="true"} == 0',
            "10m",
            "critical",
            "node {{ $labels.node }} has not been Ready for 10 minutes",
        )
    ]
    services = []
    if airflow:
        services.append(
            _rule(
                "AirflowSchedulerHeartbeatMissing",
                "absent(airflow_scheduler_heartbeat) or rate(airflow_scheduler_heartbeat[5m]) == 0",
                "5m",
                "critical",
                "the Airflow scheduler has not sent a heartbeat for 5 minutes",
            )
        )
    if mlflow:
        services.append(
            _rule(
                "MlflowDown",
                'absent(up{namespace="mlflow"} == 1)',
                "5m",
                "critical",
                "no MLflow tracking server target is up",
            )
        )
    groups = [{"name": "mlplat.gpu", "rules": gpu}, {"name": "mlplat.nodes", "rules": nodes}]
    if services:
        groups.append({"name": "mlplat.services", "rules": services})
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
