"""Import of skills-taxonomy concepts from JSON or CSV: all or nothing.

A file is a list of concepts (``id, label_sv, broader_id, kind``). A concept may name
as broader any concept already stored or any concept in the same file, earlier or later.
Before anything is written the whole file is checked: every row against the schema,
ids unique within the file, every broader concept known, and no cycle in the resulting
broader links (a concept that is, through its broader chain, its own ancestor would make
partial credit loop forever). Any problem rejects the whole file and names each offending
row; otherwise new concepts are inserted parents first and existing ones updated in place.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session, select

from models.repo_catalog_state import bump_catalog_version
from models.taxonomy import SkillConcept, SkillConceptCreate

CSV_COLUMNS = ("id", "label_sv", "broader_id", "kind")
REQUIRED_COLUMNS = ("id", "label_sv")
#: a national taxonomy plus local terms stays well below this; larger files are split
MAX_CONCEPTS = 20_000

_concepts = TypeAdapter(list[SkillConceptCreate])


class ImportInvalid(ValueError):
    """The file does not have the concept shape; ``errors`` name each field (loc)."""

    def __init__(self, detail: str, errors: list[dict[str, Any]]):
        super().__init__(detail)
        self.detail, self.errors = detail, errors


class ImportRejected(ImportInvalid):
    """The concepts are well formed but refer to unknown ids, repeat ids or form a cycle."""


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


def _error(index: int | None, field: str | None, msg: str, kind: str) -> dict[str, Any]:
    loc: list[str | int] = ["body"]
    if index is not None:
        loc.append(index)
    if field is not None:
        loc.append(field)
    return {"loc": loc, "msg": msg, "type": kind}


def rows_from_json(raw: bytes) -> list[dict[str, Any]]:
    """The list of concept objects in a JSON body."""
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportInvalid(
            "the body is not valid JSON", [_error(None, None, str(error), "json_invalid")]
        ) from None
    if not isinstance(payload, list):
        raise ImportInvalid(
            "the body must be a JSON list of concepts",
            [_error(None, None, "expected a list of concepts", "list_type")],
        )
    return payload


def rows_from_csv(raw: bytes) -> list[dict[str, Any]]:
    """Concept rows from CSV with a header row; empty broader_id or kind means none/default."""
    try:
        text = raw.decode("utf-8-sig")  # spreadsheet exports often start with a BOM
    except UnicodeDecodeError as error:
        raise ImportInvalid(
            "the CSV is not UTF-8", [_error(None, None, str(error), "unicode_decode")]
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        raise ImportInvalid(
            f"the CSV header must name the columns {', '.join(CSV_COLUMNS)}",
            [_error(None, "header", f"missing column {c!r}", "missing") for c in missing]
            + [_error(None, "header", f"unknown column {c!r}", "extra_forbidden") for c in unknown],
        )
    reader.fieldnames = header
    rows = []
    try:
        for record in reader:
            if None in record:  # more cells than header columns
                raise ImportInvalid(
                    f"line {reader.line_num} has more cells than the header",
                    [_error(len(rows), None, "too many cells", "extra_forbidden")],
                )
            rows.append({k: v for k, v in record.items() if v not in (None, "") or k == "id"})
    except csv.Error as error:
        raise ImportInvalid(
            "the CSV cannot be read", [_error(len(rows), None, str(error), "csv_invalid")]
        ) from None
    return rows


def validate_rows(rows: list[Any]) -> list[SkillConceptCreate]:
    """Each row against the concept schema; errors are located as ["body", row, field]."""
    if len(rows) > MAX_CONCEPTS:
        raise ImportInvalid(
            f"at most {MAX_CONCEPTS} concepts per import",
            [_error(None, None, f"{len(rows)} concepts given", "too_long")],
        )
    try:
        return _concepts.validate_python(rows)
    except ValidationError as error:
        errors = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in error.errors(include_url=False)
        ]
        raise ImportInvalid("some concepts are not valid", errors) from None


def check_links(
    concepts: list[SkillConceptCreate], stored: dict[str, str | None]
) -> list[dict[str, Any]]:
    """Problems with ids and broader links once the file is applied over ``stored``.

    ``stored`` maps every stored concept id to its broader id. Returns one error per
    repeated id, per unknown broader id, and per cycle (located at its first row).
    """
    errors: list[dict[str, Any]] = []
    row_of: dict[str, int] = {}
    for index, concept in enumerate(concepts):
        if concept.id in row_of:
            errors.append(
                _error(index, "id", f"{concept.id!r} repeats row {row_of[concept.id]}", "duplicate")
            )
        else:
            row_of[concept.id] = index
    broader = dict(stored)
    broader.update({c.id: c.broader_id for c in concepts})
    for index, concept in enumerate(concepts):
        if concept.broader_id is not None and concept.broader_id not in broader:
            errors.append(
                _error(
                    index,
                    "broader_id",
                    f"unknown broader concept {concept.broader_id!r} (row {index})",
                    "invalid_reference",
                )
            )
    reported: set[str] = set()
    for concept in concepts:
        cycle = _cycle_from(concept.id, broader)
        if cycle and not reported & set(cycle):
            reported.update(cycle)
            first = min((row_of[c] for c in cycle if c in row_of), default=row_of[concept.id])
            errors.append(
                _error(
                    first,
                    "broader_id",
                    "broader links form a cycle: " + " -> ".join([*cycle, cycle[0]]),
                    "cycle",
                )
            )
    return errors


def _cycle_from(start: str, broader: dict[str, str | None]) -> list[str] | None:
    """The cycle reached by following broader links from ``start``, if any."""
    path: list[str] = []
    seen: dict[str, int] = {}
    node: str | None = start
    while node is not None and node in broader:
        if node in seen:
            return path[seen[node] :]
        seen[node] = len(path)
        path.append(node)
        node = broader[node]
    return None


def _parents_first(new: list[SkillConceptCreate]) -> list[SkillConceptCreate]:
    """New concepts ordered so each comes after any new broader concept (links are acyclic)."""
    by_id = {c.id: c for c in new}
    ordered: list[SkillConceptCreate] = []
    placed: set[str] = set()
    for concept in new:
        chain = []
        node: SkillConceptCreate | None = concept
        while node is not None and node.id not in placed:
            chain.append(node)
            node = by_id.get(node.broader_id) if node.broader_id else None
        for item in reversed(chain):
            placed.add(item.id)
            ordered.append(item)
    return ordered


def import_concepts(session: Session, concepts: list[SkillConceptCreate]) -> ImportSummary:
    """Check the whole file, then insert new concepts and update stored ones (no commit)."""
    stored = {c.id: c for c in session.exec(select(SkillConcept)).all()}
    errors = check_links(concepts, {i: c.broader_id for i, c in stored.items()})
    if errors:
        raise ImportRejected(
            f"{len(errors)} problem(s) in the concepts; nothing was imported", errors
        )
    new = [c for c in concepts if c.id not in stored]
    # inserted parents first, and before updates, so every foreign key holds at each flush
    session.add_all(SkillConcept.model_validate(c.model_dump()) for c in _parents_first(new))
    session.flush()
    updated = 0
    for concept in concepts:
        row = stored.get(concept.id)
        if row is None:
            continue
        changes = concept.model_dump(exclude={"id"})
        if any(getattr(row, k) != v for k, v in changes.items()):
            for name, value in changes.items():
                setattr(row, name, value)
            session.add(row)
            updated += 1
    session.flush()
    if new or updated:
        bump_catalog_version(session)
    return ImportSummary(
        created=len(new), updated=updated, unchanged=len(concepts) - len(new) - updated
    )
