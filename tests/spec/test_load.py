"""The loader: every bad-input class gives a located error with a field path; examples load."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from mlplat.spec import load_spec
from mlplat.spec.errors import render_path
from tests.conftest import ALL_SPECS

CASES = Path(__file__).parent / "cases"
INVALID = sorted((CASES / "invalid").glob("*.yaml"))
EXPECT = re.compile(r"# expect: (?P<code>[\w-]+) (?P<where>\S+) (?P<path>\S+)")


def _expectation(case: Path) -> dict[str, str]:
    match = EXPECT.match(case.read_text().splitlines()[0])
    assert match, f"{case.name} must start with '# expect: <code> <[file:]line:col|*> <path|->'"
    return match.groupdict()


@pytest.mark.parametrize("case", INVALID, ids=[p.stem for p in INVALID])
def test_rejects_invalid_case(case: Path) -> None:
    expected = _expectation(case)
    result = load_spec(case)
    assert not result.ok
    assert result.spec is None
    matching = [e for e in result.errors if e.code == expected["code"]]
    assert matching, f"no {expected['code']} among {[e.format() for e in result.errors]}"
    error = matching[0]
    assert render_path(error.path) == ("" if expected["path"] == "-" else expected["path"])
    assert error.location is not None
    if expected["where"] != "*":
        *file_part, line, col = expected["where"].split(":")
        assert (error.location.line, error.location.col) == (int(line), int(col)), error.format()
        wanted_file = file_part[0] if file_part else case.name
        assert error.location.file.endswith(wanted_file), error.format()
    text = error.format()
    assert text.startswith(f"{error.location.file}:{error.location.line}:{error.location.col}: ")
    assert "Traceback" not in text


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[p.stem for p in ALL_SPECS])
def test_every_example_stack_validates(spec: Path) -> None:
    result = load_spec(spec)
    assert result.errors == []
    assert result.spec is not None
    assert result.spec.api_version == "mlplat.dev/v1"


def test_reports_all_errors_at_once(tmp_path: Path) -> None:
    spec = tmp_path / "many.yaml"
    spec.write_text(
        "apiVersion: mlplat.dev/v1\nkind: Platform\n"
        "metadata: {name: many, environment: qa, owner: 7}\n"
        "cloud: {provider: gcp}\n"
        "colour: blue\n"
    )
    codes = sorted(e.code for e in load_spec(spec).errors)
    assert codes == ["not-allowed", "not-allowed", "unknown-field", "wrong-type"]


def test_unknown_field_suggests_the_closest_name() -> None:
    (error,) = load_spec(CASES / "invalid" / "unknown-field.yaml").errors
    assert error.hint == "did you mean 'maxSize'?"


def test_unquoted_version_hint_says_to_quote() -> None:
    (error,) = load_spec(CASES / "invalid" / "version-as-number.yaml").errors
    assert error.message == "expected string, found number 1.3"
    assert error.hint is not None and '"1.30"' in error.hint


def test_alias_bomb_is_refused_quickly() -> None:
    started = time.perf_counter()
    result = load_spec(CASES / "invalid" / "alias-bomb.yaml")
    assert [e.code for e in result.errors] == ["yaml-alias-bomb"]
    assert time.perf_counter() - started < 2.0


def test_extends_merges_maps_and_replaces_lists(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "apiVersion: mlplat.dev/v1\nkind: Platform\n"
        "metadata: {owner: base-team, tags: {a: '1', b: '2'}}\n"
        "cloud: {provider: aws, region: eu-west-1}\n"
        "cluster: {admins: [arn:aws:iam::111122223333:role/base]}\n"
        "nodePools:\n  - {name: base-a, instanceTypes: [m7i.large]}\n"
        "  - {name: base-b, instanceTypes: [m7i.large]}\n"
    )
    (tmp_path / "top.yaml").write_text(
        "extends: base.yaml\n"
        "metadata: {name: top, environment: staging, tags: {b: '3'}}\n"
        "nodePools: [{name: only, instanceTypes: [m7g.large]}]\n"
    )
    result = load_spec(tmp_path / "top.yaml")
    assert result.errors == []
    spec = result.spec
    assert spec.metadata.owner == "base-team"
    assert dict(spec.metadata.tags) == {"a": "1", "b": "3"}
    assert [p.name for p in spec.node_pools] == ["only"]
    assert result.files == [str(tmp_path / "top.yaml"), str(tmp_path / "base.yaml")]


def test_errors_in_a_base_point_at_the_base_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("metadata:\n  owner: base-team\n  colour: blue\n")
    (tmp_path / "top.yaml").write_text(
        "extends: base.yaml\napiVersion: mlplat.dev/v1\nkind: Platform\n"
        "metadata: {name: top, environment: dev}\ncloud: {provider: existing, context: kind}\n"
    )
    (error,) = load_spec(tmp_path / "top.yaml").errors
    assert error.code == "unknown-field"
    assert error.location.file.endswith("base.yaml")
    assert (error.location.line, error.location.col) == (3, 3)


def test_a_list_replaced_by_the_top_file_forgets_the_base_locations(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "nodePools:\n"
        "  - {name: a, instanceTypes: [m7i.large]}\n"
        "  - {name: b, instanceTypes: [m7i.large]}\n"
    )
    (tmp_path / "top.yaml").write_text(
        "extends: base.yaml\napiVersion: mlplat.dev/v1\nkind: Platform\n"
        "metadata: {name: top, environment: dev, owner: me}\n"
        "cloud: {provider: aws, region: eu-west-1}\n"
        "cluster: {admins: [arn:aws:iam::111122223333:role/a]}\n"
        "nodePools:\n  - {name: x, instanceTypes: [m7i.large], minSize: 4, maxSize: 1}\n"
    )
    (error,) = load_spec(tmp_path / "top.yaml").errors
    assert error.code == "pool-size-order"
    assert error.location.file.endswith("top.yaml") and error.location.line == 8


def test_missing_spec_file_is_a_located_error(tmp_path: Path) -> None:
    (error,) = load_spec(tmp_path / "nope.yaml").errors
    assert error.code == "file-not-found"
    assert "nope.yaml" in error.message


def test_directory_and_binary_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00garbage")
    assert [e.code for e in load_spec(tmp_path).errors] == ["file-unreadable"]
    assert [e.code for e in load_spec(tmp_path / "bin.yaml").errors] == ["file-unreadable"]


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("tags:\n" + "".join(f"  k{i}: {'v' * 40}\n" for i in range(40_000)))
    started = time.perf_counter()
    (error,) = load_spec(big).errors
    assert time.perf_counter() - started < 0.5
    assert error.code == "file-too-large"
    assert error.message.endswith(
        "big.yaml is 2.0 MB; a spec may be at most 1 MB, so it is not read"
    )
    assert "an alias" not in error.message


def test_extends_refuses_what_is_not_a_spec(tmp_path):
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    top = tmp_path / "top.yaml"
    for target in ("list.yaml", "/dev/null", str(tmp_path)):
        top.write_text(f"extends: {target}\napiVersion: mlplat.dev/v1\n")
        (error,) = load_spec(top).errors
        assert error.code in ("extends-invalid", "file-unreadable", "empty-file"), error.format()
        assert error.location.file.endswith("top.yaml"), error.format()
