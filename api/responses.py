"""Answering with a model that was built (and so validated) in the route.

FastAPI validates what a sync route returns against its ``response_model`` a second time,
in another thread-pool hop, before serialising it. The hot routes build their response
model themselves, so :func:`model_json` serialises it once, in pydantic's core, and hands
FastAPI a finished response; ``response_model`` still documents the shape in the OpenAPI.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def model_json(model: BaseModel, status_code: int = 200) -> Response:
    """``model`` as an ``application/json`` response, serialised exactly once."""
    return Response(
        content=model.__pydantic_serializer__.to_json(model),
        status_code=status_code,
        media_type="application/json",
    )
