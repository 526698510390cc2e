"""Allocatable CPU, memory and pods of an EKS node, as the AMI and managed node groups set them."""

import pytest

from mlplat.spec import allocatable
from mlplat.spec.model import NodeOs


@pytest.mark.parametrize(
    ("instance_type", "cpu_m", "memory_mib", "pods"),
    [
        # Karpenter's published figures (instance-types.md, v1.14.0): same formulas, same
        # 7.5 % memory overhead, 64 MiB more on Graviton.
        ("t3.large", 1930, 6837, 35),
        ("t3.xlarge", 3920, 14162, 58),
        ("m5.large", 1930, 6903, 29),
        ("m7i.xlarge", 3920, 14162, 58),
        ("m7g.2xlarge", 7910, 29258, 58),
        ("c6g.medium", 940, 1392, 8),
        ("r7i.2xlarge", 7910, 59627, 58),
        ("g6.2xlarge", 7910, 29317, 58),
    ],
)
def test_matches_karpenter_where_no_cap_applies(instance_type, cpu_m, memory_mib, pods) -> None:
    node = allocatable.allocatable(instance_type)
    assert node is not None
    assert (node.cpu_m, node.memory_mib, node.pods) == (cpu_m, memory_mib, pods)


@pytest.mark.parametrize(
    ("instance_type", "cpu_m", "karpenter_memory_mib", "eni_pods", "cap"),
    [
        ("c5.4xlarge", 15890, 27381, 234, 110),  # 16 vCPUs
        ("p4d.24xlarge", 95690, 1082712, 737, 250),  # 96 vCPUs
        ("c7i.48xlarge", 191450, 355262, 737, 250),
    ],
)
def test_managed_node_groups_cap_max_pods(
    instance_type, cpu_m, karpenter_memory_mib, eni_pods, cap
) -> None:
    node = allocatable.allocatable(instance_type)
    assert node is not None
    assert node.pods == cap
    assert node.cpu_m == cpu_m
    # Fewer pods, less memory reserved (11 MiB a pod) than Karpenter's uncapped figure.
    assert node.memory_mib == karpenter_memory_mib + 11 * (eni_pods - cap)


def test_t3_large_step_by_step() -> None:
    node = allocatable.allocatable("t3.large")
    assert node == allocatable.Allocatable(
        instance_type="t3.large",
        cpu_m=1930,
        memory_mib=6837,
        pods=35,  # 3 ENIs x (12 - 1) + 2
        capacity_cpu_m=2000,
        capacity_memory_mib=7577,  # 8192 - ceil(8192 x 0.075)
        kube_reserved_cpu_m=70,  # 6 % of one core + 1 % of the second
        kube_reserved_memory_mib=640,  # 11 x 35 + 255
        eviction_memory_mib=100,
    )


@pytest.mark.parametrize(
    ("vcpus", "reserved"), [(1, 60), (2, 70), (4, 80), (8, 90), (16, 110), (96, 310)]
)
def test_kube_reserved_cpu_on_al2023(vcpus, reserved) -> None:
    assert allocatable.kube_reserved_cpu_m(vcpus) == reserved


@pytest.mark.parametrize(
    ("vcpus", "pods", "reserved"),
    # pluto's own cases, and a half that rounds up
    [(2, 4, 70), (96, 250, 360), (4, 58, 90)],
)
def test_kube_reserved_cpu_on_bottlerocket(vcpus, pods, reserved) -> None:
    assert allocatable.kube_reserved_cpu_m(vcpus, pods, NodeOs.BOTTLEROCKET) == reserved


def test_kube_reserved_memory() -> None:
    assert allocatable.kube_reserved_memory_mib(4) == 299
    assert allocatable.kube_reserved_memory_mib(250) == 3005


def test_bottlerocket_reserves_its_own_cpu() -> None:
    al2023 = allocatable.allocatable("m7i.xlarge")
    bottlerocket = allocatable.allocatable("m7i.xlarge", NodeOs.BOTTLEROCKET)
    assert al2023 is not None and bottlerocket is not None
    assert (al2023.cpu_m, bottlerocket.cpu_m) == (3920, 3910)
    assert al2023.memory_mib == bottlerocket.memory_mib


def test_unknown_type() -> None:
    assert allocatable.allocatable("m7i.huge") is None
