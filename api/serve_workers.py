"""Several uvicorn workers that each accept on their own socket (Linux ``SO_REUSEPORT``).

Why: ``uvicorn.run(workers=N)`` binds one listening socket in the supervisor and hands
that same socket to every worker, so the workers race on one accept queue. The kernel
wakes its waiters last-in first-out and asyncio accepts up to the whole backlog per
wake-up, so a burst of new keep-alive connections (a load client's, or a reverse proxy's
connection pool) can all land in one worker while the other idles: with ``--workers 2``
and 32 connections, one worker used 10.67 s of CPU and the other 0.01 s (bench/README.md,
api.py). On Linux, sockets bound to the same address with ``SO_REUSEPORT`` form a group,
and the kernel spreads *new* connections over the group's listening sockets by a hash of
the connection's addresses and ports: give every worker its own socket and each gets a
fair share of connections (not of requests: a keep-alive connection stays with the
worker that accepted it).

How, with as little of our own as possible: uvicorn's supervisor
(``uvicorn.supervisors.Multiprocess``) is used unchanged, so a dead or hung worker is
replaced exactly as before (health checks every half second, ``timeout_worker_healthcheck``,
the SIGHUP/SIGTTIN/SIGTTOU handlers, a worker that fails at start-up stopping the parent,
graceful shutdown on SIGINT/SIGTERM). The one thing changed is the socket it passes to
its workers. Uvicorn starts each worker with multiprocessing's *spawn* and pickles the
sockets into it; :class:`ReusePortSocket` pickles not as a shared file descriptor but as
"bind a new ``SO_REUSEPORT`` socket on my address", so every worker, and every
replacement the supervisor starts, unpickles a fresh member of the group (the idea of
uvicorn PR Kludex/uvicorn#2472, still open). The supervisor's own socket is bound first,
so a port in use fails as before, and is never put in listening state: the kernel only
hands connections to listening members, so it takes none. A worker's socket starts
listening in ``Server.startup`` after the application's start-up, so a starting worker
takes no connections either. Subclassing ``Multiprocess``/``Process`` instead would mean
copying the four places that start a worker (``Process`` is a module global there);
writing our own supervisor would mean copying all of it.

Trade-offs (documented in README's serve section): connections still waiting in the
queue of a worker that dies or stops (killed, replaced on SIGHUP, shut down) are reset,
unless ``net.ipv4.tcp_migrate_req=1`` hands them to a sibling; a *hung* worker keeps
receiving its share of new connections until the supervisor replaces it after
``--worker-timeout`` (with one shared queue the other worker took them). Elsewhere
(macOS and the BSDs do not balance ``SO_REUSEPORT``, or Windows) :func:`run` keeps
uvicorn's shared socket.
"""

from __future__ import annotations

import logging
import socket
import sys

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

logger = logging.getLogger("uvicorn.error")


def reuse_port_balances() -> bool:
    """True where the kernel spreads connections over a ``SO_REUSEPORT`` group (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


class ReusePortSocket(socket.socket):
    """A TCP socket bound with ``SO_REUSEPORT`` whose pickle binds a sibling socket.

    Unpickled in a worker it is a new socket on the same address, in the same group
    (same user, same options), not a duplicate of this file descriptor.
    """

    def __reduce_ex__(self, protocol):
        host, port = self.getsockname()[:2]
        return bind_member, (self.family, host, port)


def bind_member(family: int, host: str, port: int) -> ReusePortSocket:
    """A bound, not yet listening, member of the ``SO_REUSEPORT`` group on ``host:port``.

    Runs in the supervisor (the first member) and in each worker as it unpickles its
    socket. A failure there exits with uvicorn's start-up failure code, so the supervisor
    stops instead of restarting a worker that cannot bind.
    """
    sock = ReusePortSocket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        print(f"Could not bind {host}:{port} with SO_REUSEPORT: {error}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    return sock


def run(app: str, *, host: str, port: int, workers: int, **options) -> None:
    """Serve the import string ``app`` like ``uvicorn.run``; with ``workers`` > 1 on
    Linux, each worker accepts on its own ``SO_REUSEPORT`` socket."""
    if workers <= 1 or not reuse_port_balances():
        uvicorn.run(app, host=host, port=port, workers=workers, **options)
        return
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    first = bind_member(family, host, port)
    address = f"[{host}]" if family == socket.AF_INET6 else host
    logger.info(
        "Uvicorn running on http://%s:%d (Press CTRL+C to quit); %d workers, one "
        "SO_REUSEPORT listener each",
        address,
        first.getsockname()[1],
        workers,
    )
    try:
        Multiprocess(config, sockets=[first]).run()
    except KeyboardInterrupt:
        pass
    finally:
        first.close()
