"""The study server: aiohttp on 127.0.0.1 only, every request checked against a random token.

Routes (each needs ``?t=TOKEN``; without it or with a wrong one: 403):
``/`` the page, ``/app.js``, ``/app.css``; ``/api/info`` the study's mode and trial counts;
``POST /api/start`` ``{participant}`` -> a session (an unfinished one of that id is resumed);
``/api/trial?s=SESSION`` the session's next trial as picture URLs; ``/img?s=&i=&k=`` picture
``k`` of trial ``i`` (only the trial being answered); ``POST /api/answer``
``{session, index, answer, ms}`` -> feedback in practice trials, nothing in blind ones.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .page import CSS, JS, html
from .pictures import REAL, Library
from .plan import make_plan
from .store import AnswerError, Store

log = logging.getLogger(__name__)
HOST = "127.0.0.1"  # loopback only, by design: participants sit at this machine (or an SSH tunnel)
PARTICIPANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class StudyOptions:
    mode: str = "single"
    seconds: float = 1.0
    practice: int = 10
    blind: int = 40
    port: int = 0
    seed: int | None = None  # trial plans; None: a fresh random plan per participant


def token_ok(given: str | None, token: str) -> bool:
    """Constant-time comparison of the request's token with the study's."""
    return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"), token.encode())


def build_app(library: Library, store: Store, opts: StudyOptions, token: str) -> web.Application:
    counter = {"sessions": 0}

    @web.middleware
    async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                    ) -> web.StreamResponse:
        if not token_ok(request.query.get("t"), token):
            return web.Response(status=403, text="forbidden: open the URL with the study's token\n", headers=HEADERS)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers.update(HEADERS)
            raise
        response.headers.update(HEADERS)
        return response

    def bad(message: str, status: int = 400) -> web.Response:
        return web.json_response({"error": message}, status=status)

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=html(token, opts.mode), content_type="text/html")

    async def script(_: web.Request) -> web.Response:
        return web.Response(text=JS, content_type="application/javascript")

    async def style(_: web.Request) -> web.Response:
        return web.Response(text=CSS, content_type="text/css")

    async def favicon(_: web.Request) -> web.Response:
        return web.Response(status=204)

    async def info(_: web.Request) -> web.Response:
        return web.json_response({"mode": opts.mode, "seconds": opts.seconds, "n_practice": opts.practice,
                                  "n_blind": opts.blind})

    async def body(request: web.Request) -> dict[str, Any] | None:
        try:
            data = await request.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    async def start(request: web.Request) -> web.Response:
        data = await body(request)
        if data is None:
            return bad("expected a JSON object")
        participant = data.get("participant") or ""
        if not isinstance(participant, str):
            return bad("participant id must be text")
        if not participant:
            participant = "anon-" + secrets.token_hex(4)
        if not PARTICIPANT.fullmatch(participant):
            return bad("participant id: 1-64 letters, digits or _ . @ - (no names needed)")
        session = await asyncio.to_thread(store.unfinished, participant, opts.mode)
        if session is None:
            counter["sessions"] += 1
            seed = None if opts.seed is None else opts.seed + counter["sessions"]
            plan = make_plan(library, opts.mode, opts.practice, opts.blind, seed)
            session = await asyncio.to_thread(store.start, participant, opts.mode, opts.seconds, plan)
            log.info("participant %s: new session", participant)
        else:
            log.info("participant %s: resuming at trial %d", participant, session.answered + 1)
        return web.json_response({"session": session.session, "participant": participant, "mode": session.mode,
                                  "seconds": session.seconds, "n_practice": session.n_practice,
                                  "n_blind": session.n_blind, "answered": session.answered})

    async def trial(request: web.Request) -> web.Response:
        session = await asyncio.to_thread(store.session, request.query.get("s", ""))
        if session is None:
            return bad("unknown session", 404)
        if session.done:
            return web.json_response({"done": True, "answered": session.answered})
        t = await asyncio.to_thread(store.trial, session.session, session.answered, issue=True)
        if t is None:
            return bad("no such trial", 404)
        images = [f"img?s={session.session}&i={t.index}&k={k}" for k in range(len(t.keys))]
        return web.json_response({"done": False, "index": t.index, "phase": t.phase, "images": images})

    async def image(request: web.Request) -> web.Response:
        q = request.query
        session = await asyncio.to_thread(store.session, q.get("s", ""))
        index, slot = _number(q.get("i")), _number(q.get("k"))
        if session is None or index is None or slot is None:
            return bad("unknown picture", 404)
        if index != session.answered:  # only the trial being answered: no peeking ahead
            return bad("not the current trial", 404)
        t = await asyncio.to_thread(store.trial, session.session, index)
        if t is None or slot >= len(t.keys) or t.keys[slot] not in library.by_key:
            return bad("unknown picture", 404)
        try:
            data = await asyncio.to_thread(library.png, t.keys[slot])
        except (OSError, ValueError) as exc:  # changed or removed since the server started
            log.warning("cannot show %r: %s", t.keys[slot], exc)
            return bad("this picture cannot be read any more", 404)
        return web.Response(body=data, content_type="image/png")

    async def answer(request: web.Request) -> web.Response:
        data = await body(request)
        if data is None:
            return bad("expected a JSON object")
        index, value, ms = data.get("index"), data.get("answer"), data.get("ms")
        if not isinstance(index, int) or isinstance(index, bool) or not isinstance(value, str):
            return bad("expected index (integer) and answer (text)")
        try:
            rec = await asyncio.to_thread(store.answer, str(data.get("session", "")), index, value, ms)
        except AnswerError as exc:
            return bad(str(exc), exc.status)
        out: dict[str, Any] = {"done": False}
        if rec["phase"] == "practice":
            out.update(correct=bool(rec["correct"]), feedback=_feedback(rec))
        return web.json_response(out)

    app = web.Application(middlewares=[guard], client_max_size=16 * 1024)
    app.add_routes([web.get("/", page), web.get("/app.js", script), web.get("/app.css", style),
                    web.get("/favicon.ico", favicon), web.get("/api/info", info), web.post("/api/start", start),
                    web.get("/api/trial", trial),
                    web.get("/img", image), web.post("/api/answer", answer)])
    return app


def _number(text: str | None) -> int | None:
    """A small non-negative decimal integer from a query value (ASCII digits only), else None."""
    if text is None or not (0 < len(text) <= 6 and text.isascii() and text.isdigit()):
        return None
    return int(text)


def _feedback(rec: dict[str, Any]) -> str:
    right = "Correct" if rec["correct"] else "Not quite"
    if rec["mode"] == "single":
        return f"{right}: this picture was {'real' if rec['method'] == REAL else 'generated'}."
    real_side = "right" if rec["side"] == "left" else "left"
    return f"{right}: the real picture was on the {real_side}."


class StudyServer:
    """The server in a background thread (``with StudyServer(...) as s: s.url``), for tests and screenshots."""

    def __init__(self, library: Library, store: Store, opts: StudyOptions = StudyOptions(),
                 token: str | None = None) -> None:
        self.library, self.store, self.opts = library, store, opts
        self.token = token or secrets.token_urlsafe(24)
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="human-study", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?t={self.token}"

    async def _start(self) -> None:
        self._runner = web.AppRunner(build_app(self.library, self.store, self.opts, self.token),
                                     access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self.opts.port)
        await site.start()
        server = getattr(site, "_server", None)
        self.port = server.sockets[0].getsockname()[1] if server and server.sockets else self.opts.port

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._start())
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        if self._runner is not None:
            self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def start(self) -> StudyServer:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> StudyServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
