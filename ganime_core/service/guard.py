"""The middleware around every request: token, body size, error answers, one log line.

Errors are answered JSON ``{"error": "..."}`` (:func:`error`). Each request logs exactly one
line on ``ganime.service``: INFO when it was answered normally (401/404/409/503 included),
WARNING with the message when the client's input was at fault (400, 413: a broken body, a bad
field, a picture too large), ERROR with the traceback when a handler raised something not
foreseen -- a bug; that client gets a 500 without the traceback.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ganime_core.errors import GanimeError, ImageTooLargeError

from .form import Malformed, megabytes
from .jobs import ClientGone, JobQueue, QueueFull, ShuttingDown, Superseded
from .token import token_matches

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp.typedefs import Middleware

    from .app import Settings

    Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger("ganime.service")

INTERNAL = "internal error in the GANime service (see its log)"
LOGGED = 300  # characters of an error message that go into the log line

_ids = itertools.count(1)
job: contextvars.ContextVar[str | None] = contextvars.ContextVar("ganime_job", default=None)


def error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


def _rejected(status: int, message: str) -> tuple[web.Response, str]:
    """The answer to input the client got wrong, and the message for the log's warning."""
    return error(status, message), message


async def _answer(request: web.Request, handler: Handler, settings: Settings,
                  queue: JobQueue) -> tuple[web.StreamResponse, str | None]:
    """The handler's response or an error answer, and what the client got wrong (None: nothing).

    Exceptions not caught here are bugs; they propagate to the guard.
    """
    limit = f"the {megabytes(settings.max_body)} limit"
    try:
        if not token_matches(request.headers.get("Authorization"), settings.token):
            return error(401, "missing or wrong token: send 'Authorization: Bearer <token>' "
                              "with the token from the service's token file",
                         **{"WWW-Authenticate": 'Bearer realm="ganime"'}), None
        if (length := request.content_length or 0) > settings.max_body:
            return _rejected(413, f"request body of {megabytes(length)} is over {limit}")
        return await handler(request), None
    except Malformed as exc:  # a broken body: no boundary, cut short, unknown field, ...
        return _rejected(exc.status, str(exc))
    except web.HTTPRequestEntityTooLarge:
        return _rejected(413, f"request body is over {limit}")
    except web.HTTPMethodNotAllowed as exc:
        return error(405, f"{request.method} is not allowed on {request.path}; use "
                          f"{', '.join(sorted(exc.allowed_methods))}"), None
    except web.HTTPNotFound:
        return error(404, f"no such endpoint: {request.path} (see GET /v1/health)"), None
    except web.HTTPException as exc:
        return error(exc.status, exc.reason), exc.reason if exc.status in (400, 413) else None
    except ImageTooLargeError as exc:
        return _rejected(413, str(exc))
    except GanimeError as exc:  # bad image, hints, palette, field: the message names it
        return _rejected(400, str(exc))
    except Superseded:
        return error(409, "superseded by a newer live request from the same client"), None
    except QueueFull:
        return error(503, f"the queue is full ({queue.waiting} waiting); try again shortly",
                     **{"Retry-After": "1"}), None
    except ShuttingDown:
        return error(503, "the service is shutting down"), None
    except ClientGone:
        return error(499, "client closed the request"), None
    except MemoryError:
        return _rejected(413, "not enough memory for this picture; send a smaller one")


def make_guard(settings: Settings, queue: JobQueue) -> Middleware:
    """The middleware for an app with these settings and this queue."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        t0 = time.perf_counter()
        rid = next(_ids)
        job.set(None)

        def fields(response: web.StreamResponse, **more: Any) -> dict:
            client = request.headers.get("X-GANime-Client") or ""
            return {"fields": {
                "id": rid, "method": request.method, "path": request.path[:200],
                "status": response.status, "ms": round((time.perf_counter() - t0) * 1000, 1),
                "peer": request.remote, "client": client[:64] or None, "job": job.get(),
                "bytes": response.content_length, **more}}

        try:
            response, problem = await _answer(request, handler, settings, queue)
        except Exception:  # a bug: the one place a handler's traceback is logged
            response = error(500, INTERNAL)
            log.exception("request %d failed", rid, extra=fields(response))
            return response
        if problem is None:
            log.info("request", extra=fields(response))
        else:
            log.warning("request %d rejected (%d): %s", rid, response.status, problem[:LOGGED],
                        extra=fields(response, error=problem[:LOGGED]))
        return response

    return guard
