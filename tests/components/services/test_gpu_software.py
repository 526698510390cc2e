"""GPU software: the device plugin per pool sharing config, DCGM on every GPU node."""

from __future__ import annotations

import yaml

from components.services.gpu_software import DEFAULT_CONFIG, sharing_config
from mlplat.spec.model import GpuSharing, GpuSharingSpec, MigStrategy
from tests.components.services.helpers import releases
from tests.conftest import STACKS

PROD = STACKS / "prod.yaml"


def test_only_platforms_with_gpu_nodes_get_gpu_software() -> None:
    assert {"nvidia-device-plugin", "dcgm-exporter"} <= set(releases(PROD))
    for spec in ("dev.yaml", "local.yaml"):
        assert not {"nvidia-device-plugin", "dcgm-exporter"} & set(releases(STACKS / spec))


def test_each_sharing_pool_gets_its_own_device_plugin_config() -> None:
    values = releases(PROD)["nvidia-device-plugin"].inputs["values"]
    configs = {name: yaml.safe_load(text) for name, text in values["config"]["map"].items()}
    assert values["config"]["default"] == DEFAULT_CONFIG
    assert set(configs) == {DEFAULT_CONFIG, "gpu-notebooks"}
    slicing = configs["gpu-notebooks"]["sharing"]["timeSlicing"]
    assert slicing["resources"] == [{"name": "nvidia.com/gpu", "replicas": 4}]
    assert "sharing" not in configs[DEFAULT_CONFIG]
    assert values["gfd"] == {"enabled": True}
    assert values["nodeSelector"] == {"mlplat.dev/nvidia-device-plugin": "true"}


def test_mig_pools_set_the_mig_strategy() -> None:
    config = yaml.safe_load(
        sharing_config(GpuSharingSpec(strategy=GpuSharing.MIG, mig_strategy=MigStrategy.MIXED))
    )
    assert config["flags"] == {"migStrategy": "mixed"}
    assert "sharing" not in config


def test_dcgm_tolerates_the_gpu_taint_and_is_scraped() -> None:
    values = releases(PROD)["dcgm-exporter"].inputs["values"]
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in values[
        "tolerations"
    ]
    assert values["nodeSelector"] == {"mlplat.dev/accelerator": "nvidia"}
    assert values["serviceMonitor"]["enabled"] is True
