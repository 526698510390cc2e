"""Plan output formats: a readable tree (default), JSON (stable bytes), Markdown (PR comments)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from mlplat import stable_json
from mlplat.plan.model import NOTE, Plan, PlannedResource
from mlplat.plan.render_policy import render_policy_markdown, render_policy_text
from mlplat.render.report import markdown as render_markdown_section
from mlplat.render.report import text as render_text_section


def render(plan: Plan, fmt: str) -> str:
    return {"text": render_text, "json": render_json, "markdown": render_markdown}[fmt](plan)


def render_json(plan: Plan) -> str:
    return stable_json.dumps(plan.to_dict())


def _flags(resource: PlannedResource) -> str:
    options = resource.options
    flags = [name for name in ("protect", "retainOnDelete") if options[name]]
    if options["ignoreChanges"]:
        flags.append("ignoreChanges=" + ",".join(options["ignoreChanges"]))
    if options["dependsOn"]:
        flags.append(f"dependsOn={len(options['dependsOn'])}")
    return f"  [{'; '.join(flags)}]" if flags else ""


def _tree(plan: Plan, parent: str | None, indent: str) -> Iterator[str]:
    children = plan.children(parent)
    for i, resource in enumerate(children):
        last = i == len(children) - 1
        branch, extend = ("└─ ", "   ") if last else ("├─ ", "│  ")
        yield f"{indent}{branch}{resource.name}  ({resource.type}){_flags(resource)}"
        yield from _tree(plan, resource.urn, indent + extend)


def _summary_line(plan: Plan) -> str:
    summary = plan.summary()
    return f"{summary['resources']} resources in {summary['components']} components"


def render_text(plan: Plan) -> str:
    lines = [
        f"mlplat plan: stack {plan.stack} from {', '.join(plan.spec_files)}",
        NOTE,
        "",
        f"{_summary_line(plan)}:",
        *_tree(plan, None, ""),
        "",
        "Outputs:",
        *(f"  {key}: {json.dumps(value, sort_keys=True)}" for key, value in plan.outputs.items()),
    ]
    if plan.diagnostics:
        lines += ["", "Diagnostics:", *(f"  {d}" for d in plan.diagnostics)]
    if plan.policy:
        lines += ["", *render_policy_text(plan.policy)]
    if plan.rendered:
        lines += ["", *render_text_section(plan.rendered)]
    return "\n".join(lines) + "\n"


def render_markdown(plan: Plan) -> str:
    summary = plan.summary()
    lines = [
        f"### mlplat plan: `{plan.stack}`",
        "",
        f"> {NOTE}",
        "",
        f"Spec: {', '.join(f'`{f}`' for f in plan.spec_files)} · {_summary_line(plan)}",
        "",
        *(render_policy_markdown(plan.policy) if plan.policy else []),
        *([*render_markdown_section(plan.rendered), ""] if plan.rendered else []),
        "| Resource type | Count |",
        "| --- | ---: |",
        *(f"| `{t}` | {n} |" for t, n in summary["byType"].items()),
        "",
    ]
    for top in plan.children(None):
        lines += [
            f"<details><summary><code>{top.name}</code> ({top.type})</summary>",
            "",
            "```",
            f"{top.name}{_flags(top)}",
            *_tree(plan, top.urn, ""),
            "```",
            "",
            "</details>",
            "",
        ]
    lines += ["| Output | Value |", "| --- | --- |"]
    lines += [f"| `{k}` | `{json.dumps(v, sort_keys=True)}` |" for k, v in plan.outputs.items()]
    if plan.diagnostics:
        lines += ["", "**Diagnostics**", "", *(f"- {d}" for d in plan.diagnostics)]
    return "\n".join(lines) + "\n"
