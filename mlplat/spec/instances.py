"""EC2 instance families mlplat knows, with their CPU architecture.

Decided from a table, not from name patterns: a name rule (say "ends in g means ARM")
misfiles g5g, a GPU family. Families not listed here are rejected with a suggestion,
so a typo never reaches AWS. Checked 2026-11-22 against the EC2 instance-type docs.
GPU and accelerator families are listed separately: node pools do not support them yet.
"""

X86_64 = "x86_64"
ARM64 = "arm64"


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

ACCELERATED_FAMILIES = frozenset(
    _words(
        """
            g4dn g4ad g5 g5g g6 g6e g6f gr6 gr6f g7e p3 p3dn p4d p4de p5 p5e p5en p6-b200
            p6-b300 p6e-gb200 inf1 inf2 trn1 trn1n trn2 dl1 dl2q f1 f2 vt1
            """
    )
)


def family(instance_type: str) -> str:
    """``m7i-flex.large`` -> ``m7i-flex``."""
    return instance_type.split(".", 1)[0]
