"""Capped pagination shared by every list endpoint."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from api.settings import get_settings

T = TypeVar("T")


class Page(BaseModel):
    offset: int
    limit: int


async def page_params(
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=200, description="rows to return (at most 200)")] = 50,
) -> Page:
    return Page(offset=offset, limit=min(limit, get_settings().max_page_size))


PageDep = Annotated[Page, Depends(page_params)]


class Paged(BaseModel, Generic[T]):
    """A page of a list: ``data`` plus the total ``count`` matching the query."""

    data: list[T]
    count: int
    offset: int
    limit: int
