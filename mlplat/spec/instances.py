"""EC2 instance types mlplat knows: CPU architecture, and for NVIDIA GPU types the GPU.

Decided from tables, not from name patterns: a name rule ("starts with g means NVIDIA",
"ends in g means ARM") misfiles g4ad (AMD GPU) and g5g (ARM host). Types not listed are
rejected with a suggestion, so a typo never reaches AWS. Checked 2026-11-22 against the
EC2 accelerated-computing instance docs (EFA interface counts 2026-11-25); a family whose
sizes could not be confirmed is refused with a reason instead of guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

X86_64 = "x86_64"
ARM64 = "arm64"
GPU_RESOURCE = "nvidia.com/gpu"
"""The NVIDIA device plugin's resource name; also the GPU pools' taint key."""
EFA_RESOURCE = "vpc.amazonaws.com/efa"
"""The EFA device plugin's resource name: one per EFA interface."""


def _words(text: str) -> list[str]:
    return text.split()


CPU_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        _words(
            """
            t3 t3a m5 m5a m5ad m5d m5dn m5n m5zn m6a m6i m6id m6idn m6in m7a m7i m7i-flex m8a
            m8i m8i-flex c5 c5a c5ad c5d c5n c6a c6i c6id c6in c7a c7i c7i-flex c8i c8i-flex r5
            r5a r5ad r5b r5d r5dn r5n r6a r6i r6id r6idn r6in r7a r7i r7iz r8a r8i r8i-flex
            x2idn x2iedn x2iezn z1d i3 i3en i4i i7i i7ie d3 d3en
            """
        ),
        X86_64,
    ),
    **dict.fromkeys(
        _words(
            """
            t4g m6g m6gd m7g m7gd m8g m8gd c6g c6gd c6gn c7g c7gd c7gn c8g c8gd c8gn r6g r6gd
            r7g r7gd r8g r8gd x2gd x8g i4g im4gn is4gen
            """
        ),
        ARM64,
    ),
}


@dataclass(frozen=True)
class GpuFamily:
    """An NVIDIA GPU instance family on an x86_64 host."""

    model: str
    """GPU model, lowercase; becomes the mlplat.dev/gpu-model node label."""
    gpus: dict[str, int]
    """GPUs per instance, by size."""
    efa: dict[str, int]
    """EFA interfaces by size, one per network card; sizes without EFA are absent."""


_SMALL = ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")
_ONE_EFA_FROM_8X = dict.fromkeys(_words("8xlarge 12xlarge 16xlarge 24xlarge 48xlarge"), 1)


def _g_family(model: str, efa: dict[str, int] | None = None) -> GpuFamily:
    """The g5/g6/g6e layout: one GPU up to 16xlarge, four at 12x/24x, eight at 48x; one
    network card (and EFA) from 8xlarge unless ``efa`` says more."""
    return GpuFamily(
        model,
        {**dict.fromkeys(_SMALL, 1), "12xlarge": 4, "24xlarge": 4, "48xlarge": 8},
        {**_ONE_EFA_FROM_8X, **(efa or {})},
    )


GPU_FAMILIES: dict[str, GpuFamily] = {
    "g4dn": GpuFamily(
        "t4",
        {**dict.fromkeys(_SMALL, 1), "12xlarge": 4, "metal": 8},
        dict.fromkeys(_words("8xlarge 12xlarge 16xlarge metal"), 1),
    ),
    "g5": _g_family("a10g"),
    "g6": _g_family("l4"),
    "g6e": _g_family("l40s", {"24xlarge": 2, "48xlarge": 4}),
    "gr6": GpuFamily("l4", {"4xlarge": 1, "8xlarge": 1}, {"8xlarge": 1}),
    "p3": GpuFamily("v100", {"2xlarge": 1, "8xlarge": 4, "16xlarge": 8}, {}),
    "p3dn": GpuFamily("v100-32gb", {"24xlarge": 8}, {"24xlarge": 1}),
    "p4d": GpuFamily("a100-40gb", {"24xlarge": 8}, {"24xlarge": 4}),
    "p4de": GpuFamily("a100-80gb", {"24xlarge": 8}, {"24xlarge": 4}),
    "p5": GpuFamily("h100", {"48xlarge": 8}, {"48xlarge": 32}),
    "p5e": GpuFamily("h200", {"48xlarge": 8}, {"48xlarge": 32}),
    "p5en": GpuFamily("h200", {"48xlarge": 8}, {"48xlarge": 16}),
    "p6-b200": GpuFamily("b200", {"48xlarge": 8}, {"48xlarge": 8}),
}
"""EFA counts are the sizes' network cards (checked 2026-11-25 against the EC2 guide's EFA
pages: P5/P5e up to 32 network cards, G6e up to 4, p4d 4; p5en 16 and p6-b200 8 from the
instance announcements and public EFA device tables, not confirmed in the EC2 network
specification table offline)."""

AUTOSCALER_GPU_TYPES: dict[str, str] = {
    "t4": "nvidia-tesla-t4",
    "a10g": "nvidia-a10g",
    "l4": "nvidia-l4",
    "l40s": "nvidia-l40s",
    "v100": "nvidia-tesla-v100",
    "v100-32gb": "nvidia-tesla-v100",
    "a100-40gb": "nvidia-tesla-a100",
    "a100-80gb": "nvidia-tesla-a100",
    "h100": "nvidia-h100",
    "h200": "nvidia-h200",
    "b200": "nvidia-b200",
}
"""GPU model -> the value of cluster-autoscaler's AWS GPU label (k8s.amazonaws.com/accelerator).

The autoscaler only needs the label to exist: a node carrying it without allocatable GPUs
counts as not ready yet (drivers still loading), so it does not add more nodes meanwhile.
The values follow the autoscaler's AWS provider's list of GPU types (cloudprovider/aws,
checked at cluster-autoscaler-1.35.0) where it names the model, and nvidia-<model> beyond."""

MIG_MODELS = frozenset({"a100-40gb", "a100-80gb", "h100", "h200", "b200"})
"""GPU models in the table that support Multi-Instance GPU partitions."""

NVIDIA = "nvidia"
"""Maker of every family in ``GPU_FAMILIES``; the value of the mlplat.dev/accelerator label."""


@dataclass(frozen=True)
class RefusedFamily:
    """An accelerated family no node pool may use."""

    maker: str
    """Who makes its accelerators, as Karpenter's instance-gpu-manufacturer and
    instance-accelerator-manufacturer labels name them (FPGA and video cards: xilinx)."""
    reason: str
    """Why a pool refuses it, for the error message."""


_NEURON = "it uses AWS Neuron accelerators, not NVIDIA GPUs"
_UNVERIFIED = "its sizes are not yet verified in mlplat's GPU table"
_FRACTIONAL = "it offers fractional L4 GPUs, which the NVIDIA device plugin cannot split"

REFUSED_ACCELERATED: dict[str, RefusedFamily] = {
    "g4ad": RefusedFamily("amd", "its GPU is an AMD Radeon Pro V520, not NVIDIA"),
    "g5g": RefusedFamily(
        NVIDIA, "its host is Graviton (arm64); mlplat GPU pools run x86_64 NVIDIA AMIs"
    ),
    "p6e-gb200": RefusedFamily(
        NVIDIA, "its host is NVIDIA Grace (arm64), sold as UltraServer capacity blocks"
    ),
    "g6f": RefusedFamily(NVIDIA, _FRACTIONAL),
    "gr6f": RefusedFamily(NVIDIA, _FRACTIONAL),
    "g7": RefusedFamily(NVIDIA, _UNVERIFIED),
    "g7e": RefusedFamily(NVIDIA, _UNVERIFIED),
    "p6-b300": RefusedFamily(NVIDIA, _UNVERIFIED),
    **dict.fromkeys(_words("inf1 inf2 trn1 trn1n trn2"), RefusedFamily("aws", _NEURON)),
    "dl1": RefusedFamily("habana", "it uses Habana Gaudi accelerators, not NVIDIA GPUs"),
    "dl2q": RefusedFamily("qualcomm", "it uses Qualcomm AI 100 accelerators, not NVIDIA GPUs"),
    **dict.fromkeys(_words("f1 f2"), RefusedFamily("xilinx", "it is an FPGA instance")),
    "vt1": RefusedFamily("xilinx", "it uses Xilinx video transcoding accelerators"),
}
"""Accelerated families a node pool refuses, who makes their accelerators, and why.

With ``GPU_FAMILIES`` this holds every family Karpenter's instance-type reference
(aws/karpenter-provider-aws website/content/en/docs/reference/instance-types.md, commit
1d92708, 2026-08-21) gives a GPU or accelerator manufacturer, and the accelerated families
it does not list (p3, p6e-gb200, dl1, f1, f2, vt1); checked 2026-11-26."""


@dataclass(frozen=True)
class Gpu:
    """What one GPU instance type carries."""

    model: str
    count: int
    efa_interfaces: int
    """EFA interfaces the size takes, one per network card; 0 without EFA."""

    @property
    def efa(self) -> bool:
        return self.efa_interfaces > 0

    @property
    def mig(self) -> bool:
        """Whether the GPU can be split into MIG partitions."""
        return self.model in MIG_MODELS


def family(instance_type: str) -> str:
    """``m7i-flex.large`` -> ``m7i-flex``."""
    return instance_type.split(".", 1)[0]


def size(instance_type: str) -> str:
    """``g5.12xlarge`` -> ``12xlarge``."""
    return instance_type.split(".", 1)[1]


def gpu(instance_type: str) -> Gpu | None:
    """The GPUs of a tabled NVIDIA type; None for anything else (including unknown sizes)."""
    fam = GPU_FAMILIES.get(family(instance_type))
    if fam is None or size(instance_type) not in fam.gpus:
        return None
    return Gpu(fam.model, fam.gpus[size(instance_type)], fam.efa.get(size(instance_type), 0))


def maker(instance_type: str) -> str | None:
    """Who makes the family's GPUs or accelerators (``nvidia`` for every NVIDIA family, the
    ones pools refuse included); None for a CPU or unknown family. Judges plans, whose
    node groups mlplat may not have built: any size of a family counts."""
    fam = family(instance_type)
    if fam in GPU_FAMILIES:
        return NVIDIA
    refused = REFUSED_ACCELERATED.get(fam)
    return refused.maker if refused is not None else None


def architecture(instance_type: str) -> str | None:
    """CPU architecture of a known type; GPU types are all x86_64 hosts."""
    if gpu(instance_type) is not None:
        return X86_64
    return CPU_FAMILIES.get(family(instance_type))


def known(instance_type: str) -> bool:
    """Whether the table knows the type (a CPU family, or a tabled NVIDIA GPU size).

    Checks that depend on what a pool's nodes are skip pools with unknown types: those get
    their own unknown-instance error, and guessing (say, "no GPUs") would add false ones.
    """
    return architecture(instance_type) is not None
