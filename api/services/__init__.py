"""Services: the rules of each use case, one function per use case.

Routers (``api.routers``) parse the request, call one function here and shape the
answer; the command line and the web pages call the same functions. A service loads and
saves through the repositories in ``models/`` (all SQL is there: a test fails when a
service or router issues SQL itself), asks the pure engine (``matcher``) to rank or
plan, and raises the business errors of :mod:`api.errors`. Nothing here commits: the
request's (or the command's) transaction does.
"""
