"""The instance table covers the families mlplat accepts, and nothing it does not know."""

import json
from importlib import resources

from mlplat.spec import ec2_specs, instances


def test_every_cpu_family_has_its_sizes() -> None:
    tabled = {instances.family(t) for t in ec2_specs.known()}
    assert set(instances.CPU_FAMILIES) <= tabled


def test_every_gpu_size_is_tabled_but_the_retired_p3() -> None:
    sizes = {f"{fam}.{size}" for fam, f in instances.GPU_FAMILIES.items() for size in f.gpus}
    assert sizes - ec2_specs.known() == {"p3.2xlarge", "p3.8xlarge", "p3.16xlarge"}


def test_only_types_mlplat_accepts_are_tabled() -> None:
    for instance_type in ec2_specs.known():
        fam = instances.family(instance_type)
        assert fam in instances.CPU_FAMILIES or instances.gpu(instance_type) is not None


def test_the_dev_and_prod_types() -> None:
    assert ec2_specs.specs("t3.large") == ec2_specs.InstanceSpecs(2, 8192, 3, 12)
    assert ec2_specs.specs("t3.xlarge") == ec2_specs.InstanceSpecs(4, 16384, 4, 15)
    assert ec2_specs.specs("m7i.xlarge") == ec2_specs.InstanceSpecs(4, 16384, 4, 15)
    assert ec2_specs.specs("m7g.2xlarge") == ec2_specs.InstanceSpecs(8, 32768, 4, 15)
    assert ec2_specs.specs("p4d.24xlarge") == ec2_specs.InstanceSpecs(96, 1179648, 15, 50)


def test_unknown_types_are_not_guessed() -> None:
    assert ec2_specs.specs("m7i.huge") is None
    assert ec2_specs.specs("c5a.metal") is None  # in only one of the two sources


def test_the_table_is_well_formed() -> None:
    text = (resources.files("mlplat.spec") / ec2_specs.TABLE_FILE).read_text()
    table = json.loads(text)
    assert table["columns"] == ["vcpus", "memoryMiB", "maxENIs", "ipv4PerENI"]
    for row in table["types"].values():
        vcpus, memory, enis, ips = row
        assert vcpus >= 1 and memory >= 512 and enis >= 2 and ips >= 2
