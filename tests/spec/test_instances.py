import pytest

from mlplat.spec import instances


@pytest.mark.parametrize(
    ("instance_type", "model", "count", "efa"),
    [
        ("g4dn.xlarge", "t4", 1, False),
        ("g4dn.12xlarge", "t4", 4, True),
        ("g5.48xlarge", "a10g", 8, True),
        ("g6.2xlarge", "l4", 1, False),
        ("g6e.12xlarge", "l40s", 4, True),
        ("p4d.24xlarge", "a100-40gb", 8, True),
        ("p5.48xlarge", "h100", 8, True),
    ],
)
def test_gpu_model_count_and_efa_come_from_the_table(instance_type, model, count, efa) -> None:
    found = instances.gpu(instance_type)
    assert found is not None
    assert (found.model, found.count, found.efa) == (model, count, efa)
    assert instances.architecture(instance_type) == instances.X86_64


@pytest.mark.parametrize("instance_type", ["g5g.xlarge", "g4ad.xlarge", "inf2.xlarge", "m7g.large"])
def test_non_nvidia_or_arm_hosted_types_are_not_gpus(instance_type) -> None:
    assert instances.gpu(instance_type) is None


def test_a_name_prefix_does_not_decide() -> None:
    # g5g and g4ad start like NVIDIA families but are refused, with a reason.
    assert "Graviton" in instances.REFUSED_ACCELERATED["g5g"]
    assert "AMD" in instances.REFUSED_ACCELERATED["g4ad"]
    assert instances.gpu("g5.3xlarge") is None  # no such size


def test_families_are_in_exactly_one_table() -> None:
    cpu, gpu, refused = (
        set(instances.CPU_FAMILIES),
        set(instances.GPU_FAMILIES),
        set(instances.REFUSED_ACCELERATED),
    )
    assert not (cpu & gpu or cpu & refused or gpu & refused)


def test_every_efa_size_is_a_real_size() -> None:
    for fam in instances.GPU_FAMILIES.values():
        assert set(fam.efa) <= set(fam.gpus)
        assert all(count >= 1 for count in fam.efa.values())


@pytest.mark.parametrize(
    ("instance_type", "interfaces"),
    [
        ("p4d.24xlarge", 4),
        ("p5.48xlarge", 32),
        ("p5e.48xlarge", 32),
        ("p5en.48xlarge", 16),
        ("p6-b200.48xlarge", 8),
        ("g6e.48xlarge", 4),
        ("g6e.24xlarge", 2),
        ("g5.48xlarge", 1),
        ("g6.4xlarge", 0),
    ],
)
def test_efa_interfaces_are_one_per_network_card(instance_type, interfaces) -> None:
    found = instances.gpu(instance_type)
    assert found is not None
    assert found.efa_interfaces == interfaces
