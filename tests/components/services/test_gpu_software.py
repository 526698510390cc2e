"""GPU software: the device plugin per pool sharing config, DCGM on every GPU node."""

from __future__ import annotations

import base64
import subprocess

import yaml

from mlplat.components.charts import CHARTS
from mlplat.components.node_pool import GpuSharingConfig
from mlplat.components.services.gpu_software import DEFAULT_CONFIG, sharing_config
from mlplat.render.helm import find_helm
from mlplat.spec.model import GpuSharing, MigStrategy
from tests.components.services.helpers import releases
from tests.conftest import STACKS, planned
from tests.render.examples import CHARTS as CHART_PACKAGES
from tests.render.examples import needs_charts

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
        sharing_config(GpuSharingConfig(strategy=GpuSharing.MIG, mig_strategy=MigStrategy.MIXED))
    )
    assert config["flags"] == {
        "migStrategy": "mixed",
        "plugin": {"deviceListStrategy": "volume-mounts"},
    }
    assert "sharing" not in config


def test_dcgm_tolerates_the_gpu_taint_and_is_scraped() -> None:
    values = releases(PROD)["dcgm-exporter"].inputs["values"]
    # Every taint: GPU pools may carry taints of their own besides the GPU taint.
    assert values["tolerations"] == [{"operator": "Exists"}]
    assert values["nodeSelector"] == {"mlplat.dev/accelerator": "nvidia"}
    assert values["serviceMonitor"]["enabled"] is True


def test_only_dcgm_waits_for_the_monitoring_release() -> None:
    """Its ServiceMonitor needs the operator's CRDs; the device plugin must not wait for
    monitoring before GPU nodes can offer their GPUs."""
    found = releases(PROD)
    monitoring = found["monitoring"].urn
    assert monitoring in found["dcgm-exporter"].options["dependsOn"]
    assert monitoring not in found["nvidia-device-plugin"].options["dependsOn"]


def test_the_device_plugin_hands_out_gpus_as_volume_mounts_only() -> None:
    values = releases(PROD)["nvidia-device-plugin"].inputs["values"]
    assert values["deviceListStrategy"] == "volume-mounts"
    for name, text in values["config"]["map"].items():  # a config file's flags win over values
        assert yaml.safe_load(text)["flags"]["plugin"] == {"deviceListStrategy": "volume-mounts"}, (
            name
        )


def _user_data(template) -> str:
    data = template.inputs.get("userData")
    return base64.b64decode(data).decode() if data else ""


def test_al2023_gpu_nodes_ignore_nvidia_visible_devices_from_unprivileged_pods() -> None:
    plan = planned(PROD)
    groups = {
        r.name.removesuffix("-ng"): r for r in plan.resources if r.type.endswith(":NodeGroup")
    }
    templates = {r.name.removesuffix("-lt"): r for r in plan.resources
                 if r.type.endswith(":LaunchTemplate")}  # fmt: skip
    gpu = [n for n, g in groups.items() if g.inputs["amiType"] == "AL2023_x86_64_NVIDIA"]
    assert len(gpu) == 2  # gpu-inference runs Bottlerocket
    for name in groups:
        script = _user_data(templates[name])
        if name in gpu:
            assert 'Content-Type: multipart/mixed; boundary="//"' in script
            assert (
                "nvidia-ctk config --in-place --set "
                "accept-nvidia-visible-devices-envvar-when-unprivileged=false" in script
            )
            assert "accept-nvidia-visible-devices-as-volume-mounts=true" in script
        else:  # CPU pools need nothing; Bottlerocket's NVIDIA variants default to both
            assert script == "", name


CHART = CHART_PACKAGES / f"nvidia-device-plugin-{CHARTS['device-plugin'].version}.tgz"


@needs_charts
def test_the_rendered_device_plugin_uses_volume_mounts(tmp_path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(releases(PROD)["nvidia-device-plugin"].inputs["values"]))
    rendered = subprocess.run(
        [find_helm().path, "template", "nvidia-device-plugin", str(CHART), "-n", "gpu-system", "-f",
         str(values), "--kube-version", "1.35.0"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    daemonsets = [o for o in yaml.safe_load_all(rendered) if o and o["kind"] == "DaemonSet"]
    containers = {
        c["name"]: c for d in daemonsets for c in d["spec"]["template"]["spec"]["containers"]
    }
    env = {e["name"]: e.get("value") for e in containers["nvidia-device-plugin-ctr"]["env"]}
    assert env["DEVICE_LIST_STRATEGY"] == "volume-mounts"
    # The plugin itself still needs every GPU: with CAP_SYS_ADMIN the toolkit treats it as
    # privileged and honours its NVIDIA_VISIBLE_DEVICES=all.
    assert (
        "SYS_ADMIN"
        in containers["nvidia-device-plugin-ctr"]["securityContext"]["capabilities"]["add"]
    )


def test_the_device_plugin_selects_mlplats_gpu_nodes_and_any_pool_taint() -> None:
    values = releases(PROD)["nvidia-device-plugin"].inputs["values"]
    (term,) = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    # One term of mlplat's own label: the chart's NFD terms are replaced (lists replace).
    assert term == {
        "matchExpressions": [
            {"key": "mlplat.dev/nvidia-device-plugin", "operator": "In", "values": ["true"]}
        ]
    }
    assert values["tolerations"] == [{"operator": "Exists"}]
    assert values["nfd"]["worker"]["tolerations"] == [{"operator": "Exists"}]
