from __future__ import annotations

from mlplat.render import wiring
from mlplat.render.context import ProvidedSecret
from tests.render.helpers import container, context, deployment, inventory, obj, service

WEB_PORT = [{"name": "http", "containerPort": 8080}]


def _findings(*objects, **ctx):
    return list(wiring.check(inventory(*objects), context(**ctx)))


def _monitor(endpoint: dict, selector: dict | None = None) -> object:
    return obj(
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": selector or {"app": "web"}},
                "endpoints": [endpoint],
            },
        }
    )


def test_a_service_reaches_pods_on_a_port_they_have() -> None:
    web = deployment("web", ports=WEB_PORT)
    good = service("web", {"app": "web"}, [{"port": 80, "targetPort": "http"}])
    assert _findings(web, good) == []
    (nobody,) = _findings(web, service("web", {"app": "api"}, [{"port": 80}]))
    assert "selects no pod" in nobody.message
    (wrong,) = _findings(web, service("web", {"app": "web"}, [{"port": 80, "targetPort": "web"}]))
    assert wrong.field == "spec.ports[0].targetPort" and wrong.severity == "error"
    (numeric,) = _findings(web, service("web", {"app": "web"}, [{"port": 80, "targetPort": 9}]))
    assert numeric.severity == "warning"


def test_monitors_name_ports_the_selected_objects_have() -> None:
    web = deployment("web", ports=WEB_PORT)
    svc = service("web", {"app": "web"}, [{"name": "metrics", "port": 80, "targetPort": "http"}])
    assert _findings(web, svc, _monitor({"port": "metrics"})) == []
    assert _findings(web, svc, _monitor({"targetPort": "http"})) == []
    (service_port,) = _findings(web, svc, _monitor({"port": "http"}))
    assert "scrapes port 'http'" in service_port.message
    # targetPort names a container port, not a Service port.
    (container_port,) = _findings(web, svc, _monitor({"targetPort": "metrics"}))
    assert container_port.field == "spec.endpoints[0]"
    (nothing,) = _findings(web, svc, _monitor({"port": "metrics"}, {"app": "api"}))
    assert "nothing is scraped" in nothing.message


def test_exported_urls_reach_a_service_port() -> None:
    web = deployment("web", ports=WEB_PORT)
    svc = service("web", {"app": "web"}, [{"port": 80, "targetPort": "http"}])
    ok = {"serviceUrls": {"web": "http://web.app.svc"}}
    assert _findings(web, svc, outputs=ok) == []
    (port,) = _findings(web, svc, outputs={"serviceUrls": {"web": "http://web.app.svc:5000"}})
    assert "listens on 80" in port.message and port.object == "output serviceUrls.web"
    ingress = obj(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "web"},
            "spec": {
                "rules": [
                    {
                        "host": "web.example.com",
                        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
                            "service": {"name": "web", "port": {"number": 80}}}}]},
                    }
                ]
            },
        }
    )  # fmt: skip
    public = {"serviceUrls": {"web": "https://web.example.com"}}
    assert _findings(web, svc, ingress, outputs=public) == []
    (missing,) = _findings(web, svc, outputs=public)
    assert "no Ingress host" in missing.message


def test_every_secret_config_map_and_account_a_pod_uses_exists_or_is_provided() -> None:
    env = [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "login", "key": "password"}}}]
    pod = deployment(
        pod={
            "serviceAccountName": "runner",
            "containers": [container(env=env)],
            "volumes": [
                {"name": "c", "configMap": {"name": "settings"}},
                {"name": "o", "secret": {"secretName": "maybe", "optional": True}},
            ],
        }
    )
    found = {f.message.split(",")[0] for f in _findings(pod)}
    assert found == {
        "uses Secret app/login",
        "uses ConfigMap app/settings",
        "uses ServiceAccount app/runner",
    }
    made = [
        obj({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}),
        obj({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "runner"}}),
    ]
    provided = (ProvidedSecret("app", "login", "the operator"),)
    assert _findings(pod, *made, provided=provided) == []


def test_a_secret_a_hook_job_generates_counts_as_created() -> None:
    pod = deployment(pod={"volumes": [{"name": "cert", "secret": {"secretName": "webhook-cert"}}]})
    certgen = deployment(
        "certgen",
        kind="Job",
        annotations={"helm.sh/hook": "pre-install"},
        pod={"containers": [container(args=["create", "--secret-name=webhook-cert"])]},
    )
    assert _findings(pod) != []
    assert _findings(pod, certgen) == []


def _alb(annotations: dict) -> object:
    path = {
        "path": "/",
        "pathType": "Prefix",
        "backend": {"service": {"name": "web", "port": {"number": 80}}},
    }
    return obj(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {
                "name": "web",
                "annotations": {"alb.ingress.kubernetes.io/target-type": "ip", **annotations},
            },
            "spec": {"rules": [{"host": "web.example.com", "http": {"paths": [path]}}]},
        }
    )


def test_the_load_balancer_checks_the_path_the_pods_are_ready_on() -> None:
    probe = {"readinessProbe": {"httpGet": {"path": "/health", "port": "http"}}}
    web = deployment("web", ports=WEB_PORT, pod={"containers": [container(**probe)]})
    web.manifest["spec"]["template"]["spec"]["containers"][0]["ports"] = WEB_PORT
    svc = service("web", {"app": "web"}, [{"port": 80, "targetPort": "http"}])
    (unchecked,) = _findings(web, svc, _alb({}))
    assert "health-checks /" in unchecked.message and "/health" in unchecked.fix
    health = {"alb.ingress.kubernetes.io/healthcheck-path": "/health"}
    assert _findings(web, svc, _alb(health)) == []
