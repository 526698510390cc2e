from __future__ import annotations

from mlplat.render import hazards
from tests.render.helpers import container, context, deployment, inventory, obj

POST_INSTALL = {"helm.sh/hook": "post-install,post-upgrade"}


def _findings(*objects):
    return list(hazards.check(inventory(*objects), context()))


def test_a_post_install_hook_the_pods_wait_for_deadlocks() -> None:
    job = deployment("app-run-migrations", kind="Job", annotations=POST_INSTALL)
    waiter = deployment(pod={"initContainers": [container("wait-for-migrations")]})
    (finding,) = _findings(job, waiter)
    assert finding.severity == "error" and finding.object == "app/Job/app-run-migrations"
    assert "never becomes ready" in finding.message


def test_a_post_install_hook_nothing_waits_for_is_only_a_warning() -> None:
    job = deployment("app-notify", kind="Job", annotations=POST_INSTALL)
    (finding,) = _findings(job, deployment())
    assert finding.severity == "warning"


def test_a_pre_install_hook_cannot_use_an_object_of_its_own_release() -> None:
    account = obj({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "runner"}})
    hook = deployment(
        "setup",
        kind="Job",
        annotations={"helm.sh/hook": "pre-install"},
        pod={"serviceAccountName": "runner"},
    )
    (finding,) = _findings(account, hook)
    assert "app/ServiceAccount/runner" in finding.message and finding.severity == "error"
    early = obj(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "runner", "annotations": {"helm.sh/hook": "pre-install"}},
        }
    )
    assert _findings(early, hook) == []


def _read_only(env: list, mounts: list) -> object:
    box = container(env=env, volumeMounts=mounts)
    box["securityContext"] = {**box["securityContext"], "readOnlyRootFilesystem": True}
    return deployment(pod={"containers": [box]})


def test_a_read_only_root_filesystem_needs_a_volume_where_it_is_told_to_write() -> None:
    env = [{"name": "PROMETHEUS_MULTIPROC_DIR", "value": "/app/metrics"}]
    (finding,) = _findings(_read_only(env, []))
    assert "/app/metrics" in finding.message and finding.field.endswith("containers[0].env[0]")
    assert _findings(_read_only(env, [{"name": "m", "mountPath": "/app"}])) == []
    reading = [{"name": "CONFIG_DIR", "value": "/etc/app"}, {"name": "DATA", "value": "/a/b.json"}]
    assert _findings(_read_only(reading, [])) == []


def test_a_flag_that_points_at_a_place_to_write_needs_a_volume_too() -> None:
    box = container(args=["server", "--expose-prometheus=/mlflow/metrics", "--port=5000"])
    box["securityContext"] = {**box["securityContext"], "readOnlyRootFilesystem": True}
    (finding,) = _findings(deployment(pod={"containers": [box]}))
    assert "/mlflow/metrics" in finding.message and finding.field.endswith("containers[0].args[1]")
    box["volumeMounts"] = [{"name": "metrics", "mountPath": "/mlflow/metrics"}]
    assert _findings(deployment(pod={"containers": [box]})) == []


def test_floating_image_tags() -> None:
    def with_image(image: str) -> object:
        return deployment(pod={"containers": [container(image=image)]})

    (latest,) = _findings(with_image("docker.io/library/nginx:latest"))
    assert latest.severity == "error"
    (untagged,) = _findings(with_image("nginx"))
    assert untagged.severity == "error"
    (branch,) = _findings(with_image("ghcr.io/org/app:main"))
    assert branch.severity == "warning"
    assert _findings(with_image("nginx:1.27.3")) == []
    assert _findings(with_image("nginx@sha256:" + "a" * 64)) == []
