"""Requests that fail before the application sees them, answered like every other error.

aiohttp parses the request line and headers itself; when they are broken (a header line over
8190 bytes, more than 128 headers, a bad Content-Length, not HTTP at all) it answers
``text/plain`` and logs a traceback at ERROR. :class:`Runner` makes it answer JSON
``{"error": "..."}`` instead and log one warning line -- or, for a real bug that escaped the
guard, one error line with its traceback.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestHandler

from .form import reason
from .guard import INTERNAL

log = logging.getLogger("ganime.service")


def describe(exc: BaseException | None, status: int) -> str:
    """What was wrong with a request aiohttp could not parse."""
    if isinstance(exc, LineTooLong):
        limit = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        return (f"the request line or a header line is longer than {limit or 'the limit of'} "
                "bytes")
    if isinstance(exc, HttpProcessingError):
        return f"malformed HTTP request: {reason(exc)}"
    if status == 500:
        return INTERNAL
    return f"{'the service could not answer' if status > 500 else 'bad request'} (HTTP {status})"


class _Handler(RequestHandler):
    """aiohttp's connection handler with JSON error answers and one log line each."""

    __slots__ = ()

    def handle_error(self, request: web.BaseRequest, status: int = 500,
                     exc: BaseException | None = None, message: str | None = None
                     ) -> web.StreamResponse:
        fields = {"status": status, "peer": request.remote, "method": request.method,
                  "path": request.path[:200]}
        text = describe(exc, status)
        if isinstance(exc, HttpProcessingError) or status < 500:
            log.warning("bad request from %s: %s", request.remote, text,
                        extra={"fields": {**fields, "error": text}})
        else:
            log.error("request from %s failed outside the guard", request.remote,
                      exc_info=exc if exc is not None else None, extra={"fields": fields})
        if request.writer.output_size > 0:  # part of an answer went out: nothing to add
            raise ConnectionError("response already started; cannot send the error")
        response = web.json_response({"error": text}, status=status)
        response.force_close()
        return response


class _Server(web.Server):
    def __call__(self) -> RequestHandler:
        return _Handler(self, loop=self._loop, **self._kwargs)


class Runner(web.AppRunner):
    """:class:`aiohttp.web.AppRunner` whose connections answer parse errors as JSON."""

    __slots__ = ()

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _Server  # same state; only the connection handler it makes differs
        return server
