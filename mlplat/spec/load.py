"""read -> extends -> schema -> typed model -> semantic checks. Never raises for bad input.

Every problem is reported at once: when the schema refuses part of a document, the
semantic checks still judge the part it accepted (``partial``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from mlplat.spec.capacity import PlatformFacts, stack_facts
from mlplat.spec.checks import run_checks
from mlplat.spec.errors import Location, SpecError
from mlplat.spec.findings import duplicates, error_at
from mlplat.spec.layering import resolve
from mlplat.spec.model import PlatformSpec, from_document
from mlplat.spec.partial import accepted_part, trusted
from mlplat.spec.schema import schema_errors
from mlplat.spec.team_checks import UNCHECKED_WITHOUT_PLATFORM, team_stack_checks
from mlplat.spec.teams import TeamStackSpec
from mlplat.spec.yaml_source import SourceDoc

AnySpec = PlatformSpec | TeamStackSpec


@dataclass(frozen=True)
class LoadResult:
    """A spec, or the reasons there is none. ``spec`` is set only when ``errors`` is empty."""

    spec: AnySpec | None
    errors: list[SpecError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    """The spec file and every file it extends, in order."""
    warnings: list[SpecError] = field(default_factory=list)
    """Findings that do not stop the spec."""
    unchecked: tuple[str, ...] = ()
    """What could not be checked with what was given (a team spec without its platform)."""

    @property
    def ok(self) -> bool:
        return self.spec is not None


def load_spec(path: str | Path, platform: PlatformFacts | None = None) -> LoadResult:
    """Load and validate the spec at ``path``; all errors are reported at once.

    ``platform`` holds the facts a `kind: Team` spec is checked against (GPU pool capacity,
    what other teams hold, teams and access entries the platform already has); without
    it those go unchecked, and ``unchecked`` says so.
    """
    return _load(Path(path), platform, with_team_stacks=True)


def _load(path: Path, platform: PlatformFacts | None, *, with_team_stacks: bool) -> LoadResult:
    doc, files, errors = resolve(path)
    if doc is None:
        return LoadResult(None, _sorted(errors), files)
    if not isinstance(doc.data, dict):
        found = "a sequence" if isinstance(doc.data, list) else f"{doc.data!r}"[:60]
        top = doc.values.get((), Location(files[0] if files else str(path), 1, 1))
        errors.append(
            SpecError(
                "not-a-mapping",
                (),
                f"expected a mapping with apiVersion, kind, metadata and cloud; found {found}",
                top,
            )
        )
        return LoadResult(None, _sorted(errors), files)
    # A duplicate key or an unsupported tag leaves a value nobody can trust.
    tainted = frozenset(e.path for e in errors)
    errors.extend(schema_errors(doc))
    data = doc.data
    if errors:
        part = accepted_part(doc.data)
        if part is None:
            return LoadResult(None, _sorted(errors), files)
        data, refused = part
        tainted |= refused
    findings: list[SpecError]
    unchecked: tuple[str, ...] = ()
    spec: AnySpec
    if data.get("kind") == "Team":
        spec = from_document(TeamStackSpec, data)
        findings = [
            f for f in team_stack_checks(spec, doc, platform) if trusted(f.path, (), tainted)
        ]
        unchecked = UNCHECKED_WITHOUT_PLATFORM if platform is None else ()
    else:
        spec = from_document(PlatformSpec, data)
        findings = []
        if with_team_stacks:
            spec, findings = _with_team_stacks(spec, doc, tainted)
        findings += run_checks(spec, doc, tainted)
    errors.extend(f for f in findings if not f.warning)
    warnings = [f for f in findings if f.warning]
    return LoadResult(
        None if errors else spec, _sorted(errors), files, _sorted(warnings), unchecked
    )


def _with_team_stacks(
    spec: PlatformSpec, doc: SourceDoc, tainted: frozenset[tuple[str | int, ...]]
) -> tuple[PlatformSpec, list[SpecError]]:
    """Read the platform's team stacks (``teamStacks``): their teams join the spec, and
    each is checked against the platform as a team of its own would be."""
    if not spec.team_stacks or any(t[:1] == ("teamStacks",) for t in tainted):
        return spec, []
    findings: list[SpecError] = []
    if spec.teams is None:
        findings.append(
            error_at(
                doc,
                "not-applicable",
                ("teamStacks",),
                "team stacks need the platform's tenancy (Kueue, the teamPlatform output)",
                "add teams: [] to host only team stacks",
            )
        )
    loaded: list[tuple[int, Path, TeamStackSpec]] = []
    for i, entry in enumerate(spec.team_stacks):
        if entry in spec.team_stacks[:i]:
            continue  # a repeated entry: reported below
        written = doc.values.get(("teamStacks", i))
        path = (Path(written.file).parent if written else Path(".")) / entry
        if (unusable := _not_a_file(path)) is not None:
            code, message = unusable
            hint = "list team stack specs relative to this file, e.g. team-fraud.yaml"
            findings.append(error_at(doc, code, ("teamStacks", i), message, hint))
            continue
        result = _load(path, None, with_team_stacks=False)
        findings += result.errors  # checked against the platform below once it loads alone
        if isinstance(result.spec, TeamStackSpec):
            loaded.append((i, path, result.spec))
        elif result.spec is not None:
            findings.append(
                error_at(
                    doc,
                    "team-stack-invalid",
                    ("teamStacks", i),
                    f"{entry} is a platform spec; teamStacks lists specs of kind: Team",
                )
            )
    findings += duplicates(doc, ("teamStacks",), list(spec.team_stacks), "", "team stack")
    owner: dict[str, int] = {}
    for i, _, team in loaded:
        name = team.team.name
        if name in owner:
            findings.append(
                error_at(
                    doc,
                    "duplicate-name",
                    ("teamStacks", i),
                    f"team '{name}' already has a stack: teamStacks[{owner[name]}]",
                    "a team has one stack; rename the team in one of them",
                )
            )
        owner.setdefault(name, i)
    spec = replace(spec, team_stack_teams=tuple(team.team for _, _, team in loaded))
    facts = stack_facts(spec)
    for _, path, team_spec in loaded:
        team_doc, _, _ = resolve(path)
        assert team_doc is not None  # it just loaded
        findings += team_stack_checks(team_spec, team_doc, facts)
    return spec, findings


def _not_a_file(path: Path) -> tuple[str, str] | None:
    """(code, message) when ``path`` is not a regular file that can be read."""
    try:
        if path.is_file():
            return None
        if not path.exists():
            return "file-not-found", f"no such file: {path}"
        return "file-unreadable", f"{path} is not a regular file"
    except OSError as error:  # e.g. a name longer than the filesystem allows
        return "file-unreadable", f"cannot read {str(path)[:80]}: {error.strerror}"


def _sorted(errors: list[SpecError]) -> list[SpecError]:
    return sorted(errors, key=SpecError.sort_key)
