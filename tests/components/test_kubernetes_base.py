from mlplat.components.kubernetes_base import PLATFORM_NAMESPACE, KubernetesBase, KubernetesBaseArgs


def test_namespace_is_restricted_and_uses_the_explicit_provider(synth) -> None:
    out = synth(
        lambda: KubernetesBase(
            "plat", KubernetesBaseArgs(kubeconfig="/kube/config", context="kind-mlplat")
        )
    )
    provider = out.one("pulumi:providers:kubernetes")
    assert provider.inputs["context"] == "kind-mlplat"
    assert provider.inputs["kubeconfig"] == "/kube/config"
    namespace = out.one("kubernetes:core/v1:Namespace")
    assert namespace.provider == provider.urn
    metadata = namespace.inputs["metadata"]
    assert metadata["name"] == PLATFORM_NAMESPACE
    for mode in ("enforce", "audit", "warn"):
        assert metadata["labels"][f"pod-security.kubernetes.io/{mode}"] == "restricted"
    component = out.one("mlplat:index:KubernetesBase")
    assert provider.parent == namespace.parent == component.urn
