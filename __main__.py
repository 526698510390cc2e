"""Pulumi entry point: the whole program lives in mlplat.program, which `mlplat plan` runs too."""

from mlplat.program import main

main()
