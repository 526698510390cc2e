"""Messages a person can act on: words instead of regular expressions, the allowed values
instead of a description, hints that are not misleading, and every problem at once."""

from __future__ import annotations

from pathlib import Path

import yaml

from mlplat.spec import load_spec
from mlplat.spec.errors import SpecError
from tests.conftest import STACKS

CASES = Path(__file__).parent / "cases" / "invalid"
EXISTING = {
    "apiVersion": "mlplat.dev/v1",
    "kind": "Platform",
    "metadata": {"name": "words", "environment": "dev", "owner": "platform-team"},
    "cloud": {"provider": "existing", "context": "kind-mlplat"},
}


def _errors(tmp_path: Path, doc: dict) -> list[SpecError]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_spec(path).errors


def _on(tmp_path: Path, extends: Path, **changes: object) -> list[SpecError]:
    return _errors(tmp_path, {"extends": str(extends), **changes})


def test_patterns_are_said_in_words_with_an_example(tmp_path):
    team = {
        "apiVersion": "mlplat.dev/v1",
        "kind": "Team",
        "platform": {"stack": "organization/mlplat/prod"},
        "team": {"name": "a", "quota": {"cpu": "16 cores"}},
    }
    (quantity,) = _errors(tmp_path, team)
    assert quantity.code == "invalid-format"
    assert quantity.message == (
        "expected a Kubernetes quantity: a number with an optional unit suffix (m, k, M, G, T, "
        "Ki, Mi, Gi, Ti…), e.g. 16, 500m, 64Gi or 1Ti, found string '16 cores'"
    )
    (duration,) = _errors(tmp_path, {**EXISTING, "services": {"monitoring": {"retention": "2w1d"}}})
    assert "a duration: a whole number followed by h, d, w or y, e.g. 15d" in duration.message
    (key,) = _errors(
        tmp_path, {**EXISTING, "metadata": {**EXISTING["metadata"], "tags": {"aws:team": "x"}}}
    )
    assert key.code == "invalid-key"
    assert "an AWS tag key: 1 to 128 letters" in key.message and "not starting with aws:" in (
        key.message
    )
    for error in (quantity, duration, key):
        assert "^" not in error.message and "[0-9]" not in error.message


def test_a_long_list_of_numbers_is_listed_with_the_nearest(tmp_path):
    (error,) = _on(tmp_path, STACKS / "dev.yaml", network={"flowLogRetentionDays": 100})
    assert error.code == "not-allowed"
    assert error.message.startswith("expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150,")
    assert error.message.endswith("3288, 3653; found integer 100")
    assert error.hint == "the nearest allowed: 90 or 120"


def test_a_registry_that_ecr_cannot_cache_gets_no_false_suggestion(tmp_path):
    def rule(upstream: str) -> dict:
        return {"pullThroughCache": [{"prefix": "up", "upstream": upstream}]}

    (nvidia,) = _on(tmp_path, STACKS / "dev.yaml", registry=rule("nvcr.io"))
    assert nvidia.code == "not-allowed" and nvidia.hint is None
    assert "registry-1.docker.io" in nvidia.message  # the allowed ones are listed
    (google,) = _on(tmp_path, STACKS / "dev.yaml", registry=rule("gcr.io"))
    assert google.hint is None  # Google's registry, not GitHub's
    (docker,) = _on(tmp_path, STACKS / "dev.yaml", registry=rule("docker.io"))
    assert docker.hint == "did you mean 'registry-1.docker.io'?"
    (typo,) = _on(tmp_path, STACKS / "dev.yaml", registry=rule("quya.io"))
    assert typo.hint == "did you mean 'quay.io'?"


def test_an_unknown_gpu_size_is_one_error_not_three(tmp_path):
    pools = [
        {"name": "system", "instanceTypes": ["m7i.large"]},
        {"name": "gpu", "instanceTypes": ["g6.3xlarge"], "gpuSharing": {"strategy": "timeSlicing"}},
    ]
    teams = [{"name": "a", "quota": {"gpus": [{"pool": "gpu", "gpus": 2}]}}]
    errors = _on(
        tmp_path,
        STACKS / "prod.yaml",
        nodePools=pools,
        teams=teams,
        teamStacks=[],
        policy={"exemptions": []},
    )
    assert [(e.code, e.path) for e in errors] == [
        ("unknown-instance-size", ("nodePools", 1, "instanceTypes", 0))
    ]


def test_schema_errors_do_not_hide_the_semantic_ones():
    errors = load_spec(CASES / "schema-and-semantic.yaml").errors
    assert [(e.code, e.location.line) for e in errors] == [
        ("invalid-name", 4),
        ("out-of-range", 6),
        ("out-of-range", 9),
        ("pool-size-order", 10),
        ("unknown-instance-size", 12),
        ("wrong-type", 14),
        ("invalid-format", 15),
    ]


def test_findings_that_rest_on_a_refused_value_are_dropped(tmp_path):
    pools = [
        {"name": "a", "instanceTypes": ["m7i.large"], "minSize": 5, "maxSize": "two"},
        {"name": "b", "instanceTypes": ["m7i.large"], "minSize": 5, "maxSize": 2},
    ]
    errors = _on(tmp_path, STACKS / "dev.yaml", nodePools=pools)
    # Pool a's maxSize is refused; its default (3) must not make minSize 5 look too big.
    assert [(e.code, e.path) for e in errors] == [
        ("wrong-type", ("nodePools", 0, "maxSize")),
        ("pool-size-order", ("nodePools", 1, "minSize")),
    ]
    # A refused region leaves nothing to judge zones by; the network's own checks go too.
    errors = _on(
        tmp_path, STACKS / "dev.yaml", cloud={"region": 7}, network={"cidr": "10.0.0.0/30"}
    )
    assert [e.code for e in errors] == ["wrong-type"]


def test_a_misspelt_field_does_not_leave_its_default_to_be_judged(tmp_path):
    pools = [{"name": "a", "instanceTypes": ["m7i.large"], "minSize": 5, "maxsize": 8}]
    errors = _on(tmp_path, STACKS / "dev.yaml", nodePools=pools)
    assert [(e.code, e.hint) for e in errors] == [("unknown-field", "did you mean 'maxSize'?")]


def test_stand_ins_for_missing_sections_add_no_findings(tmp_path):
    errors = _errors(tmp_path, {"apiVersion": "mlplat.dev/v1", "kind": "Platform"})
    assert sorted(e.code for e in errors) == ["missing-field", "missing-field"]
