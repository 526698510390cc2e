"""Policy findings as SARIF 2.1.0, for GitHub code scanning (`mlplat check --format sarif`).

Each finding points at the spec line that produced its resource (mlplat/review/locate.py),
so code scanning annotates the YAML a reviewer would change. The spec is read again from
the plan's ``specFiles`` (paths relative to where the plan was made: run from the
repository's root); a finding that cannot be traced points at the top of the spec.
Exempt findings are results with an external suppression carrying the exemption's reason;
findings that cannot be evaluated before apply are notes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlplat import __version__
from mlplat.plan.policy_check import PolicyReport
from mlplat.policies import BY_ID
from mlplat.policies.runner import Finding, Status
from mlplat.review.locate import Locator
from mlplat.spec import Location, load_spec
from mlplat.spec.layering import resolve

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
"""GitHub reads a rule's ``security-severity`` to rank code-scanning alerts."""


def sarif_of_plan(report: PolicyReport, plan: Mapping[str, Any]) -> dict[str, Any]:
    files = [str(f) for f in plan.get("specFiles") or []]
    locator = Locator(plan, None, None)
    if files and Path(files[0]).is_file():
        loaded = load_spec(files[0])
        doc, _, errors = resolve(Path(files[0]))
        locator = Locator(plan, loaded.spec, None if errors else doc)
    fallback = Location(files[0], 1, 1) if files else None
    return sarif(report, locator, fallback)


def sarif(report: PolicyReport, locator: Locator, fallback: Location | None) -> dict[str, Any]:
    findings = report.findings()
    used = sorted({f.control for f in findings})
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlplat",
                        "version": __version__,
                        "informationUri": "https://github.com/mlplat/mlplat",
                        "rules": [_rule(control) for control in used],
                    }
                },
                "results": [_result(f, locator, fallback) for f in findings],
            }
        ],
    }


def _rule(control_id: str) -> dict[str, Any]:
    control = BY_ID.get(control_id)
    if control is None:
        return {"id": control_id, "shortDescription": {"text": control_id}}
    severity = control.severity.value
    return {
        "id": control.id,
        "name": "".join(part.capitalize() for part in control.id.split("-")),
        "shortDescription": {"text": control.description},
        "help": {"text": control.remediation, "markdown": control.remediation},
        "defaultConfiguration": {"level": "error" if control.level == "mandatory" else "warning"},
        "properties": {
            "tags": ["security", *control.anchors],
            "security-severity": SECURITY_SEVERITY.get(severity, "5.0"),
            "precision": "high",
        },
    }


def _level(finding: Finding) -> str:
    if finding.status is Status.UNKNOWN:
        return "note"
    return "error" if finding.level == "mandatory" else "warning"


def _result(finding: Finding, locator: Locator, fallback: Location | None) -> dict[str, Any]:
    location = locator.location(finding.urn) or fallback
    resource = finding.urn.rsplit("::", 1)[-1] if finding.urn else "(stack)"
    result: dict[str, Any] = {
        "ruleId": finding.control,
        "level": _level(finding),
        "message": {"text": f"{resource}: {finding.message}"},
        "partialFingerprints": {
            "mlplatFinding/v1": hashlib.sha256(
                f"{finding.control}|{finding.urn}".encode()
            ).hexdigest()
        },
    }
    physical: dict[str, Any] = {}
    if location is not None:
        physical = {
            "artifactLocation": {"uri": location.file},
            "region": {"startLine": location.line, "startColumn": location.col},
        }
    result["locations"] = [
        {
            **({"physicalLocation": physical} if physical else {}),
            "logicalLocations": [
                {"fullyQualifiedName": finding.urn or "(stack)", "kind": "resource"}
            ],
        }
    ]
    if finding.status is Status.EXEMPT:
        result["suppressions"] = [{"kind": "external", "justification": finding.message}]
    return result
