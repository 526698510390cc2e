"""CrossGuard entry point. Constructing a PolicyPack serves forever: never import this file."""

from pulumi_policy import EnforcementLevel, PolicyPack

from mlplat.policies import PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    policies=policies(),
    enforcement_level=EnforcementLevel.ADVISORY,
    description="mlplat security controls; the catalogue is policies/CONTROLS.md.",
)
