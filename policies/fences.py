"""Tenancy fences beyond the team namespace: admission policies, Kueue, team access,
egress and the VPC endpoints, team bucket prefixes, GPU devices, and team identity.

Each control fails when the fence mlplat builds is undone. The admission fences are
found by their ``mlplat.dev/fence`` label and checked where the platform installs Kueue
(the stack that hosts teams); a team stack relies on its platform's.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping
from typing import Any

import yaml
from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.helm import RELEASE
from mlplat.policies.iam import POLICY, ROLE_POLICY
from mlplat.policies.namespaces import NAMESPACE, NETWORK_POLICY
from mlplat.policies.props import as_list, dig, document, statements

FENCE_LABEL = "mlplat.dev/fence"
TEAM_LABEL = "mlplat.dev/team"
TEAM_UID_LABEL = "mlplat.dev/team-uid"
VAP = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
VAP_BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: Kueue's configuration parses in
about an eighth of the pure-Python loader's time (0.3 ms, not 2.3)."""
SERVICE = "kubernetes:core/v1:Service"
PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
GUARDED_ENDPOINTS = ("s3", "ecr.api", "ecr.dkr", "sts")
"""Endpoint services data or credentials can leave by; each needs a narrowing policy."""
GPU_RUNTIME = (
    "accept-nvidia-visible-devices-as-volume-mounts=true",
    "accept-nvidia-visible-devices-envvar-when-unprivileged=false",
)


def _labels(props: Any) -> Mapping[str, Any]:
    return dig(props, "metadata.labels") or {}


def _installs(chart: str) -> Any:
    """Whether a stack installs ``chart``: the stack that installs Kueue is the one that
    hosts teams (and their fences); the one that installs Airflow, its task-pod fence."""

    def installs(resources: list[Any]) -> bool:
        return any(
            r.resource_type == RELEASE and str(r.props.get("chart")).rsplit("/", 1)[-1] == chart
            for r in resources
        )

    return installs


def _fence(key: str, chart: str = "kueue") -> Any:
    hosts = _installs(chart)

    def rule(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
        if not hosts(args.resources):
            return
        policies = {
            dig(r.props, "metadata.name"): r
            for r in args.resources
            if r.resource_type == VAP and _labels(r.props).get(FENCE_LABEL) == key
        }
        denying = {
            dig(r.props, "spec.policyName")
            for r in args.resources
            if r.resource_type == VAP_BINDING
            and "Deny" in as_list(dig(r.props, "spec.validationActions"))
        }
        if not policies:
            report(f"no ValidatingAdmissionPolicy labelled {FENCE_LABEL}={key}")
        for name, policy in sorted(policies.items()):
            if dig(policy.props, "spec.failurePolicy", "Fail") != "Fail":
                report(f"admission policy {name} ignores its own failures", policy.urn)
            if name not in denying:
                report(f"admission policy {name} has no binding that denies", policy.urn)

    return rule


def _no_external_ips(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if as_list(dig(args.props, "spec.externalIPs")):
        report("the Service sets externalIPs, which intercept that traffic cluster-wide")


def _kueue(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if str(args.props.get("chart")).rsplit("/", 1)[-1] != "kueue":
        return
    values = args.props.get("values") or {}
    manager = values.get("controllerManager") or {}
    if int(manager.get("replicas") or 1) < settings["minReplicas"]:
        report(
            f"Kueue runs fewer than {settings['minReplicas']} replicas behind fail-closed webhooks"
        )
    if dig(manager, "podDisruptionBudget.enabled") is not True:
        report("Kueue has no PodDisruptionBudget")
    text = dig(values, "managerConfig.controllerManagerConfigYaml")
    try:
        config = yaml.load(text, Loader=_YAML_LOADER) if isinstance(text, str) else None
    except (yaml.YAMLError, UnicodeError) as error:
        report(f"Kueue's configuration is not valid YAML: {str(error).splitlines()[0]}")
        return
    if not isinstance(config, Mapping):
        report("Kueue runs the chart's default configuration")
        return
    if not config.get("managedJobsNamespaceSelector"):
        report("Kueue's webhooks intercept every namespace (no managedJobsNamespaceSelector)")
    if not config.get("waitForPodsReady"):
        report("admitted jobs keep their quota while their pods never start (no waitForPodsReady)")
    if dig(config, "leaderElection.leaderElect") is False:
        report("Kueue replicas run without leader election")


def _access_after_namespace(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    namespaces = {
        r.urn: _labels(r.props).get(TEAM_LABEL)
        for r in args.resources
        if r.resource_type == NAMESPACE and _labels(r.props).get(TEAM_LABEL)
    }
    for entry in (r for r in args.resources if r.resource_type == ACCESS_ENTRY):
        teams = {
            str(g).split(":")[1]
            for g in as_list(entry.props.get("kubernetesGroups"))
            if str(g).startswith("mlplat:") and str(g).count(":") == 2
        }
        waits = {namespaces.get(d.urn) for d in entry.dependencies}
        for team in sorted(teams - waits):
            report(
                f"the access entry grants team {team}'s groups without waiting for the team's "
                "namespace (an existing namespace of the same name would be handed over)",
                entry.urn,
            )


def _narrow_egress(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if not _labels(args.props).get(TEAM_LABEL):
        return
    most = int(settings["maxPrivateAddresses"])
    for i, rule in enumerate(as_list(dig(args.props, "spec.egress"))):
        if not rule.get("to"):
            report(f"egress rule {i} allows every destination")
        for peer in as_list(rule.get("to")):
            cidr = dig(peer, "ipBlock.cidr")
            if cidr is None:
                continue
            net = ipaddress.ip_network(str(cidr), strict=False)
            if net.prefixlen == 0:
                report(f"egress rule {i} opens {cidr}")
            elif any(net.subnet_of(p) for p in PRIVATE if p.version == net.version) and (
                net.num_addresses > most
            ):
                report(
                    f"egress rule {i} opens {cidr} ({net.num_addresses} private addresses, more "
                    f"than {most}): the VPC's nodes, pods and API server, not just its endpoints"
                )


def _endpoint_policy(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    service = str(args.props.get("serviceName") or "").split(".", 3)[-1]
    if service not in GUARDED_ENDPOINTS:
        return
    policy = document(args.props.get("policy"), "policy")
    if not policy:
        report(f"the {service} endpoint has AWS's default policy: any principal, any resource")
        return
    for statement in statements(policy):
        wide = "*" in as_list(statement.get("Resource")) and "*" in as_list(statement.get("Action"))
        if statement.get("Effect") == "Allow" and wide and not statement.get("Condition"):
            sid = statement.get("Sid") or "(no Sid)"
            report(f"the {service} endpoint's statement {sid} allows everything to everyone")


def _delimited_prefix(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    for statement in statements(document(args.props.get("policy"), "policy")):
        for operator in (statement.get("Condition") or {}).values():
            for value in as_list((operator or {}).get("s3:prefix")):
                if value and not str(value).endswith(("/", "/*")):
                    report(
                        f"s3:prefix {value!r} does not end with '/': it also lists the keys of "
                        f"every prefix that starts with it ({value}-x/...)"
                    )


def _gpu_runtime(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    templates = {r.urn: r for r in args.resources if r.resource_type == LAUNCH_TEMPLATE}
    for group in (r for r in args.resources if r.resource_type == NODE_GROUP):
        ami = str(group.props.get("amiType") or "")
        if not (ami.startswith("AL2023") and ami.endswith("NVIDIA")):
            continue
        linked = [templates[d.urn] for d in group.dependencies if d.urn in templates]
        scripts = [base64.b64decode(str(t.props.get("userData") or "")).decode() for t in linked]
        missing = [s for s in GPU_RUNTIME if not any(s in script for script in scripts)]
        if missing:
            report(
                "GPU nodes honour NVIDIA_VISIBLE_DEVICES from any pod: the launch template does "
                f"not set {', '.join(missing)}",
                group.urn,
            )


def _identity(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    labels = _labels(args.props)
    team = labels.get(TEAM_LABEL)
    if not team:
        return
    if not labels.get(TEAM_UID_LABEL):
        report(f"team {team}'s namespace records no {TEAM_UID_LABEL}: a later team of that name "
               "would take it over")  # fmt: skip
    if not args.opts.protect:
        report(f"team {team}'s namespace (its jobs, volumes and Secrets) is not protected")


def _fence_control(key: str, what: str, severity: Severity, anchors: tuple[str, ...]) -> Control:
    return Control(
        f"team-fence-{key}",
        f"Where teams are hosted, a fail-closed admission policy bound to deny {what}.",
        frozenset({VAP, VAP_BINDING, RELEASE}),
        anchors,
        severity,
        Level.MANDATORY,
        "mlplat installs it with the teams (components/tenancy/admission.py); keep it and its "
        "Deny binding.",
        _fence(key),
        stack=True,
    )


FENCE_CONTROLS = (
    ("owner-references", "refuses controller ownerReferences set by team members",
     Severity.HIGH, ("Kueue-ownership",)),
    ("external-ips", "refuses Service externalIPs", Severity.CRITICAL, ("CVE-2020-8554",)),
    ("gpu-nodes", "refuses GPU tolerations on pods without a GPU, and nodeName",
     Severity.HIGH, ("EKS-BPG-AIML-compute",)),
    ("team-identity", "keeps the team and uid labels of namespaces and queues",
     Severity.HIGH, ("EKS-BPG-multitenancy-soft",)),
)  # fmt: skip

CONTROLS = [
    *(_fence_control(*fence) for fence in FENCE_CONTROLS),
    Control(
        "airflow-fence-task-pods",
        "Where Airflow runs, a fail-closed admission policy bound to deny keeps the pods it "
        "creates off the scheduler's account and the API token.",
        frozenset({VAP, VAP_BINDING, RELEASE}),
        ("EKS-BPG-least-privilege-sa",),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's Airflow installs it (components/services/airflow_admission.py); keep it "
        "and its Deny binding.",
        _fence("airflow-task-pods", chart="airflow"),
        stack=True,
    ),
    Control(
        "k8s-no-service-external-ips",
        "No Service sets externalIPs.",
        frozenset({SERVICE}),
        ("CVE-2020-8554", "CIS-EKS-5.4.x"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "Expose services through a LoadBalancer or Ingress the platform manages.",
        _no_external_ips,
    ),
    Control(
        "kueue-scoped-ha",
        "Kueue runs highly available, its webhooks see team namespaces only, and admitted jobs "
        "whose pods never get ready give their quota back.",
        frozenset({RELEASE}),
        ("Kueue-waitForPodsReady", "K8s-webhook-good-practices"),
        Severity.HIGH,
        Level.MANDATORY,
        "Keep mlplat's Kueue values (components/tenancy/kueue.py): replicas, PDB, "
        "managedJobsNamespaceSelector and waitForPodsReady.",
        _kueue,
        settings={"minReplicas": {"type": "integer", "default": 2, "minimum": 1}},
    ),
    Control(
        "team-access-after-namespace",
        "EKS access entries of team groups wait for that team's namespace.",
        frozenset({ACCESS_ENTRY, NAMESPACE}),
        ("EKS-BPG-multitenancy-soft",),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's TeamAccess depends on the teams' namespaces; keep the dependency, so a "
        "duplicate team fails before its members get access.",
        _access_after_namespace,
        stack=True,
    ),
    Control(
        "team-egress-narrow",
        "Team network policies open no egress to everything, nor a private range wider than "
        "the endpoint subnets.",
        frozenset({NETWORK_POLICY}),
        ("EKS-BPG-default-deny", "CIS-EKS-4.3.2"),
        Severity.HIGH,
        Level.MANDATORY,
        "Open the platform's endpoint subnets (teamPlatform endpointCidrs), never the VPC.",
        _narrow_egress,
        settings={
            "maxPrivateAddresses": {
                "type": "integer",
                "default": 16,
                "description": "Most private addresses one ipBlock may open (a /28).",
            }
        },
    ),
    Control(
        "vpc-endpoint-policy",
        "The S3, ECR and STS VPC endpoints carry a policy narrower than AWS's default.",
        frozenset({VPC_ENDPOINT}),
        ("CKV_AWS_123", "AWS-PrivateLink-endpoint-policies"),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's Network keeps them to the platform's buckets, principals and roles.",
        _endpoint_policy,
    ),
    Control(
        "iam-s3-prefix-delimited",
        "s3:prefix conditions end with a delimiter, so one prefix never lists another's keys.",
        frozenset({POLICY, ROLE_POLICY}),
        ("AWS-S3-ListBucket-prefix",),
        Severity.MEDIUM,
        Level.MANDATORY,
        "Write the prefix with its slash: teams/<team>/<uid>/ and teams/<team>/<uid>/*.",
        _delimited_prefix,
    ),
    Control(
        "gpu-node-runtime-hardened",
        "AL2023 GPU nodes take devices from volume mounts, never from an unprivileged pod's "
        "NVIDIA_VISIBLE_DEVICES.",
        frozenset({NODE_GROUP, LAUNCH_TEMPLATE}),
        ("NVIDIA-k8s-device-plugin-volume-mounts",),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's NodePool sets both toolkit settings in the GPU pools' launch templates.",
        _gpu_runtime,
        stack=True,
    ),
    Control(
        "team-namespace-identity",
        "Team namespaces record their team's uid and are protected from deletion.",
        frozenset({NAMESPACE}),
        ("EKS-BPG-multitenancy-soft", "Pulumi-protect"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "mlplat protects and retains team namespaces when `metadata.environment` is prod.",
        _identity,
        prod_level=Level.MANDATORY,
    ),
]
