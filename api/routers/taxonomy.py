"""The skills taxonomy: browse concepts (every role) and import them (admins).

Mounted inside :mod:`api.routers.catalog`. An import is all or nothing; see
:mod:`models.repo_concept_import` for what is checked before anything is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, TypeAdapter
from starlette.convertors import StringConvertor, register_url_convertor

from api.deps import SessionDep, roles
from api.errors import problems
from api.pagination import Paged, PageDep
from api.services import catalog
from models.org import Role
from models.repo_catalog import list_concepts
from models.repo_concept_import import CSV_COLUMNS
from models.taxonomy import ConceptKind, SkillConceptCreate, SkillConceptPublic

router = APIRouter(tags=["taxonomy"])


class ConceptIdConvertor(StringConvertor):
    """A concept id in a path, except the word ``import``: ``/concepts/import`` is the import
    route only, so GET on it is a 405 naming POST, not a lookup of a concept "import"."""

    regex = r"(?!import(?:/|$))[^/]+"


register_url_convertor("concept_id", ConceptIdConvertor())

EVERY_ROLE = (Role.caseworker, Role.coordinator, Role.evaluator, Role.admin)
ConceptId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", description="concept id")
]


class ImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int


def _inline_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its local ``$defs`` references inlined (OpenAPI has no ``#/$defs``)."""
    defs = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


_CSV_EXAMPLE = (
    ",".join(CSV_COLUMNS) + "\n"
    "area-kitchen,Kök och måltid,,occupation\n"
    "comp-disk,Disk och diskmaskin,occ-maltidsbitrade,competence\n"
    "occ-maltidsbitrade,Måltidsbiträde,area-kitchen,occupation\n"
)
_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "a JSON list of concepts, or CSV with the header " + ",".join(CSV_COLUMNS),
        "content": {
            "application/json": {
                "schema": _inline_defs(TypeAdapter(list[SkillConceptCreate]).json_schema()),
                "example": [
                    {"id": "area-kitchen", "label_sv": "Kök och måltid", "kind": "occupation"},
                    {"id": "comp-disk", "label_sv": "Disk", "broader_id": "area-kitchen"},
                ],
            },
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
        },
    }
}


async def _raw_body(request: Request) -> bytes:
    return await request.body()


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


@router.get(
    "/concepts",
    response_model=Paged[SkillConceptPublic],
    openapi_extra=roles(*EVERY_ROLE),
    responses=problems(),
)
def list_taxonomy(
    session: SessionDep,
    page: PageDep,
    broader_id: Annotated[
        str | None, Query(max_length=64, description="only concepts directly below this one")
    ] = None,
    kind: Annotated[ConceptKind | None, Query(description="only concepts of this kind")] = None,
):
    """List skills-taxonomy concepts, optionally those below one concept or of one kind."""
    rows, total = list_concepts(
        session, broader_id=broader_id, kind=kind, offset=page.offset, limit=page.limit
    )
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)


@router.get(
    "/concepts/{concept_id:concept_id}",
    response_model=SkillConceptPublic,
    openapi_extra=roles(*EVERY_ROLE),
    responses=problems(404),
)
def read_concept(session: SessionDep, concept_id: ConceptId):
    """Read one concept."""
    return catalog.concept_or_404(session, concept_id)


@router.post(
    "/concepts/import",
    response_model=ImportResult,
    openapi_extra={**roles(Role.admin), **_IMPORT_BODY},
    responses=problems(415),
)
def import_taxonomy(
    session: SessionDep,
    request: Request,
    raw: Annotated[bytes, Depends(_raw_body)],
):
    """Import concepts from a JSON list or CSV, all or nothing; broader ids must be known."""
    media_type = _media_type(request)
    if media_type not in ("application/json", "text/csv"):
        raise HTTPException(415, "send application/json or text/csv")
    summary = catalog.import_taxonomy(session, raw, csv=media_type == "text/csv")
    return ImportResult(
        created=summary.created, updated=summary.updated, unchanged=summary.unchanged
    )
