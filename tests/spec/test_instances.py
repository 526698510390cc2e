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
    assert "Graviton" in instances.REFUSED_ACCELERATED["g5g"].reason
    assert "AMD" in instances.REFUSED_ACCELERATED["g4ad"].reason
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


@pytest.mark.parametrize(
    ("instance_type", "maker"),
    [
        *((f"{fam}.xlarge", "nvidia") for fam in instances.GPU_FAMILIES),
        # NVIDIA families node pools refuse are still NVIDIA GPU nodes to the policy pack.
        ("g5g.xlarge", "nvidia"),
        ("g6f.large", "nvidia"),
        ("gr6f.4xlarge", "nvidia"),
        ("g7.xlarge", "nvidia"),
        ("g7e.2xlarge", "nvidia"),
        ("p6-b300.48xlarge", "nvidia"),
        ("p6e-gb200.36xlarge", "nvidia"),
        ("g4ad.xlarge", "amd"),
        ("inf2.xlarge", "aws"),
        ("trn1.2xlarge", "aws"),
        ("trn2.48xlarge", "aws"),
        ("dl1.24xlarge", "habana"),
        ("dl2q.24xlarge", "qualcomm"),
        ("f2.12xlarge", "xilinx"),
        ("vt1.3xlarge", "xilinx"),
        ("m7i.large", None),
        ("m7g.large", None),
        ("zz9.large", None),
    ],
)
def test_who_makes_a_familys_accelerators_comes_from_the_table(instance_type, maker) -> None:
    assert instances.maker(instance_type) == maker


def test_every_nvidia_family_a_pool_may_use_has_an_autoscaler_gpu_type() -> None:
    models = {fam.model for fam in instances.GPU_FAMILIES.values()}
    assert models <= set(instances.AUTOSCALER_GPU_TYPES)


@pytest.mark.parametrize(
    ("instance_type", "mig"),
    [
        ("p4d.24xlarge", True),
        ("p4de.24xlarge", True),
        ("p5.48xlarge", True),
        ("p5en.48xlarge", True),
        ("p6-b200.48xlarge", True),
        ("g6.xlarge", False),
        ("g6e.xlarge", False),
        ("g5.xlarge", False),
        ("g4dn.xlarge", False),
    ],
)
def test_which_gpus_have_mig_partitions(instance_type, mig) -> None:
    found = instances.gpu(instance_type)
    assert found is not None
    assert found.mig is mig
