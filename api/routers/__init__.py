"""Routers by user group; ROUTERS are mounted under /api/v1 behind the role check."""

from api.routers import admin

ROUTERS = [admin.router]
