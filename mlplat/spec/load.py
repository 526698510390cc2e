"""read -> extends -> schema -> typed model -> semantic checks. Never raises for bad input."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlplat.spec.capacity import PlatformFacts
from mlplat.spec.checks import run_checks
from mlplat.spec.errors import Location, SpecError
from mlplat.spec.layering import resolve
from mlplat.spec.model import PlatformSpec, from_document
from mlplat.spec.schema import schema_errors
from mlplat.spec.team_checks import team_stack_checks
from mlplat.spec.teams import TeamStackSpec

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

    @property
    def ok(self) -> bool:
        return self.spec is not None


def load_spec(path: str | Path, platform: PlatformFacts | None = None) -> LoadResult:
    """Load and validate the spec at ``path``; all errors are reported at once.

    ``platform`` holds the facts a `kind: Team` spec is checked against (GPU pool capacity,
    teams and access entries the platform already has); without it those go unchecked.
    """
    doc, files, errors = resolve(Path(path))
    if doc is None:
        return LoadResult(None, _sorted(errors), files)
    if not isinstance(doc.data, dict):
        found = "a sequence" if isinstance(doc.data, list) else f"{doc.data!r}"
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
    errors.extend(schema_errors(doc))
    if errors:
        return LoadResult(None, _sorted(errors), files)
    spec: AnySpec
    if doc.data.get("kind") == "Team":
        spec = from_document(TeamStackSpec, doc.data)
        findings = list(team_stack_checks(spec, doc, platform))
    else:
        spec = from_document(PlatformSpec, doc.data)
        findings = run_checks(spec, doc)
    errors.extend(f for f in findings if not f.warning)
    warnings = [f for f in findings if f.warning]
    return LoadResult(None if errors else spec, _sorted(errors), files, _sorted(warnings))


def _sorted(errors: list[SpecError]) -> list[SpecError]:
    return sorted(errors, key=SpecError.sort_key)
