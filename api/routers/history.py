"""History import: a municipality's past decisions, from JSON Lines or CSV, all or nothing.

What a file holds and what is checked is in :mod:`api.services.history_import`; this route reads
the body, calls it, and shapes the answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import CurrentUser, SessionDep, roles
from api.errors import Forbidden, PlatsaError, problems
from api.services.history_import import (
    CSV_COLUMNS,
    MEDIA_TYPES,
    ImportForbidden,
    ImportInvalid,
    import_history,
)
from models.org import Role

router = APIRouter(tags=["history"])

#: a few years of a large municipality's decisions stay well below this
MAX_BYTES = 64 * 1024 * 1024


class HistoryInvalid(PlatsaError):
    status, slug, title = 422, "invalid-history", "History file not valid"


class TooLarge(PlatsaError):
    status, slug, title = 413, "too-large", "Body too large"


class UnsupportedMedia(PlatsaError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class HistoryImportPublic(BaseModel):
    import_id: int | None = Field(description="the import's id (None on a dry run)")
    already_imported: bool = Field(description="the same file was imported before: nothing written")
    dry_run: bool
    content_hash: str = Field(description="SHA-256 of the file's bytes")
    counts: dict[str, int]


_JSONL_EXAMPLE = (
    '{"kind": "decision", "decision_ref": "B-2024-0001", "participant_ref": "P-0042", '
    '"placement_ref": "PL-017", "at": "2024-03-04T10:15", "status": "accepted"}\n'
    '{"kind": "status", "decision_ref": "B-2024-0001", "at": "2024-03-18", "status": "started"}\n'
    '{"kind": "outcome", "decision_ref": "B-2024-0001", "outcome": "completed", '
    '"occurred_on": "2024-09-13"}\n'
)
_BODY = {
    "requestBody": {
        "required": True,
        "description": "JSON Lines (one record per line) or CSV with the header "
        + ",".join(CSV_COLUMNS),
        "content": {
            "application/jsonl": {"schema": {"type": "string"}, "example": _JSONL_EXAMPLE},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


async def _raw_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BYTES:
        raise TooLarge(f"at most {MAX_BYTES} bytes per import; split the file")
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise TooLarge(f"at most {MAX_BYTES} bytes per import; split the file")
    return body


@router.post(
    "/history/imports",
    status_code=201,
    response_model=HistoryImportPublic,
    openapi_extra={**roles(Role.admin, Role.evaluator), **_BODY},
    responses={**problems(403, 413, 415, 422), 200: {"description": "Imported before"}},
)
def import_decisions(
    request: Request,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    raw: Annotated[bytes, Depends(_raw_body)],
    dry_run: Annotated[bool, Query(description="check only; write nothing")] = False,
    filename: Annotated[str | None, Query(max_length=255, description="kept with it")] = None,
):
    """Import past decisions (admins; evaluators with the history_import grant), all or nothing."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise UnsupportedMedia("send application/jsonl (JSON Lines) or text/csv")
    try:
        result = import_history(
            session, raw, media_type=media_type, user=user, filename=filename, dry_run=dry_run
        )
    except ImportForbidden as refused:
        raise Forbidden(str(refused)) from None
    except ImportInvalid as invalid:
        raise HistoryInvalid(invalid.detail, errors=invalid.errors) from None
    if result.already_imported or result.dry_run:
        response.status_code = 200
    return HistoryImportPublic(**result.__dict__)
