"""`mlplat render`: what the platform's Helm releases would put on the cluster, checked.

The offline plan sees a Helm release as one opaque object. This package renders each
release with `helm template` (its exact values, name and namespace, the cluster's
version and APIs), puts the result in one inventory with the objects mlplat declares
itself, and checks what would run: schemas, Pod Security admission, the policy pack's
workload controls, wiring, network reachability and known hazards.
"""
