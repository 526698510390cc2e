"""Property: whatever a spec says, `mlplat validate` and `mlplat plan` answer with a
documented exit code (0, 1 or 2; 3 is a bug) and never with a traceback.

The example stacks are mutated as people break specs (tests/mutations.py). CI runs the
derandomized ``ci`` profile; ``make fuzz`` runs the ``fuzz`` profile, many times more
cases with a fresh seed each run (profiles: tests/conftest.py). Validate runs on every
case; a plan costs 0.5-2 s, so plans run on a fraction as many, each on a spec that
validate accepts.
"""

from __future__ import annotations

import contextlib
import io
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from mlplat.cli import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, main
from mlplat.spec.layering import resolve
from tests.conftest import ALL_SPECS
from tests.mutations import spec_text

VALIDATE_CODES = {EXIT_OK, EXIT_BAD_INPUT}
PLAN_CODES = {EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT}
PLANS_PER_VALIDATE = 30
"""Validate cases per plan case."""
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


@cache
def _examples() -> dict[str, Any]:
    """Each example stack as one document (extends merged), keyed by file stem."""
    docs = {}
    for path in ALL_SPECS:
        doc, _, errors = resolve(path)
        assert doc is not None and not errors, path
        docs[path.stem] = doc.data
    return docs


def _run(*argv: str) -> tuple[int, str]:
    """Run the CLI in-process; (exit code, everything it printed)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def _assert_answered(code: int, printed: str, codes: set[int], spec: Path) -> None:
    explain = f"exit {code}\n--- spec ---\n{spec.read_text()}\n--- output ---\n{printed[-4000:]}"
    assert code in codes, explain
    assert "Traceback" not in printed, explain


def _write(data: st.DataObject, directory: Path, *, gentle: bool) -> Path:
    name = data.draw(st.sampled_from(sorted(_examples())), label="example")
    spec = directory / f"{name}.yaml"
    text = data.draw(spec_text(_examples()[name], gentle=gentle), label="spec")
    spec.write_text(text, encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(suppress_health_check=SLOW)
@given(data=st.data())
def test_validate_answers_every_mutated_spec(workdir: Path, data: st.DataObject) -> None:
    spec = _write(data, workdir, gentle=data.draw(st.booleans(), label="gentle"))
    code, printed = _run("validate", str(spec))
    _assert_answered(code, printed, VALIDATE_CODES, spec)
    event(f"validate exit {code}")


@settings(
    suppress_health_check=SLOW,
    max_examples=max(settings.default.max_examples // PLANS_PER_VALIDATE, 1),
)
@given(data=st.data())
def test_plan_answers_every_spec_validate_accepts(workdir: Path, data: st.DataObject) -> None:
    spec = _write(data, workdir, gentle=True)
    code, printed = _run("validate", str(spec))
    _assert_answered(code, printed, VALIDATE_CODES, spec)
    assume(code == EXIT_OK)
    code, printed = _run("plan", str(spec), "--format", "json", "-o", str(workdir / "plan.json"))
    _assert_answered(code, printed, PLAN_CODES, spec)
    event(f"plan exit {code}")
