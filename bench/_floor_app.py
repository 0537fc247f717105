"""The floor of bench/api.py: the least an authenticated, logged read of one participant
can cost in the stack the project runs on (uvicorn, FastAPI, SQLAlchemy's pool, psycopg,
PostgreSQL), served and measured beside the real service in the same run.

Not the product, and not a design to copy: it leaves out everything the real read does
besides one statement. No middleware (no request guard, no metrics), no dependency
injection, no ORM, no transaction beyond the statement itself, no hash chain on the log
row, no refusal logging, no problem-details errors. What is left is what no design on this
stack can leave out: parse the request, hash the token, one thread hop for one prepared
statement that authenticates, reads the participant (a caseworker only in their own unit)
and writes the access-log row, and the JSON answer.

``/healthz`` answers as the real one does (a pydantic model from a sync route), so the two
ratios compare like with like: ``floor_read_cpu_ms / floor_healthz_cpu_ms`` is the lowest
``read_cpu_ratio`` this stack allows, and the real read over the floor read is what the
product's own layers cost on top of it.

Served by bench/api.py as ``python -m uvicorn _floor_app:app --app-dir bench``; reads
``PLATSA_DATABASE_URL`` (PostgreSQL only: the statement is PostgreSQL's).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.db import make_engine  # noqa: E402  (the project's pool, timeouts and all)

engine = make_engine(os.environ["PLATSA_DATABASE_URL"]).execution_options(
    isolation_level="AUTOCOMMIT"
)

#: authenticate, read (a caseworker only in their own unit), log: one round trip
READ = """
WITH caller AS (
    SELECT id, role, unit_id FROM "user" WHERE token_hash = %(token_hash)s AND active
), seen AS (
    SELECT p.* FROM participant p, caller
    WHERE p.id = %(participant_id)s
      AND (caller.role <> 'caseworker' OR p.unit_id = caller.unit_id)
), logged AS (
    INSERT INTO accesslog (user_id, participant_id, at, method, route, action)
    SELECT caller.id, seen.id, now(), 'GET', '/floor/participants/{participant_id}', 'read'
    FROM caller, seen
)
SELECT row_to_json(seen)::text FROM seen
"""

app = FastAPI()


class Health(BaseModel):
    status: str


@app.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


def _read(token: str, participant_id: int) -> str | None:
    with engine.connect() as connection:
        driver = connection.connection.dbapi_connection
        with driver.cursor() as cursor:
            cursor.execute(
                READ,
                {
                    "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                    "participant_id": participant_id,
                },
                prepare=True,
            )
            row = cursor.fetchone()
    return None if row is None else row[0]


@app.get("/api/v1/participants/{participant_id}")
async def read_participant(participant_id: int, request: Request) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return Response(json.dumps({"detail": "no bearer token"}), status_code=401)
    record = await run_in_threadpool(_read, token, participant_id)
    if record is None:  # unknown token, or a participant this caller may not see
        return Response(json.dumps({"detail": "not found"}), status_code=404)
    return Response(record, media_type="application/json")
