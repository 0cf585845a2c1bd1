"""Running the service: ``ganime serve`` in the foreground, or :class:`ServiceThread` in-process.

The model is loaded before the socket opens, so the first health check already answers. SIGINT
and SIGTERM stop it gracefully: the listening socket closes, waiting jobs get 503, the running
colorize finishes and its client gets the answer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from ganime_core.errors import GanimeError

from .app import MAX_BODY, Settings, create_app
from .form import BODY_TIMEOUT
from .protocol import Runner
from .token import ensure_token

log = logging.getLogger("ganime.service")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
SHUTDOWN_TIMEOUT = 60.0


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created))
               + f".{int(record.msecs):03d}", "level": record.levelname.lower(),
               "logger": record.name, "msg": record.getMessage()}
        doc.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str)


def setup_logging(fmt: str = "json", verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ganime")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    svc = logging.getLogger("ganime_core")
    svc.handlers[:] = [handler]
    svc.propagate = False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_remote: bool) -> None:
    """Refuse a non-loopback address unless ``allow_remote``; warn when it is allowed."""
    if is_loopback(host):
        return
    if not allow_remote:
        raise GanimeError(f"--host {host} would accept connections from other machines; add "
                          "--allow-remote if you mean it (the token is then the only guard, and "
                          "traffic is not encrypted)")
    log.warning("listening on %s: other machines can reach this service; anyone with the token "
                "can use it, and traffic is plain HTTP", host)


@dataclass
class ServeOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token_file: Path | None = None
    allow_remote: bool = False
    max_queue: int = 16
    max_body: int = MAX_BODY
    max_pixels: int | None = None
    body_timeout: float = BODY_TIMEOUT  # seconds a request body may stall before a 400


async def _start(colorizer, opts: ServeOptions, token: str) -> tuple[web.AppRunner, int]:
    from ganime_core.io.imageio import MAX_PIXELS

    settings = Settings(token=token, max_body=opts.max_body, max_queue=opts.max_queue,
                        max_pixels=opts.max_pixels or MAX_PIXELS, body_timeout=opts.body_timeout)
    runner = Runner(create_app(colorizer, settings), access_log=None,
                    handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    site = web.TCPSite(runner, opts.host, opts.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise GanimeError(f"cannot listen on {opts.host}:{opts.port}: {exc.strerror or exc}") from None
    port = runner.addresses[0][1]
    return runner, port


def serve(colorizer, opts: ServeOptions) -> int:
    """Serve until SIGINT/SIGTERM; prints ``GANime service listening on URL`` once ready."""
    check_host(opts.host, opts.allow_remote)
    token, token_path = ensure_token(opts.token_file)

    async def main() -> None:
        runner, port = await _start(colorizer, opts, token)
        host = f"[{opts.host}]" if ":" in opts.host else opts.host
        log.info("listening", extra={"fields": {"url": f"http://{host}:{port}", "token_file": str(token_path),
                                               "device": str(colorizer.device)}})
        print(f"GANime service listening on http://{host}:{port} (token in {token_path})", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("stopping")
        await runner.cleanup()
        log.info("stopped")

    asyncio.run(main())
    return 0


class ServiceThread:
    """The service on a background thread (tests, benchmarks): ``with ServiceThread(c, opts) as s:``.

    ``s.url`` is its base URL and ``s.token`` its token; :meth:`stop` shuts it down gracefully.
    """

    def __init__(self, colorizer, opts: ServeOptions | None = None) -> None:
        self.opts = opts or ServeOptions(port=0)
        check_host(self.opts.host, self.opts.allow_remote)
        self.token, self.token_path = ensure_token(self.opts.token_file)
        self.colorizer = colorizer
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ganime-service", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.opts.host}:{self.port}"

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                runner, self.port = await _start(self.colorizer, self.opts, self.token)
            except BaseException as exc:
                self._error = exc
                self._ready.set()
                return
            self._ready.set()
            await self._stop.wait()
            await runner.cleanup()

        asyncio.run(main())

    def start(self) -> ServiceThread:
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise self._error
        return self

    def stop(self, timeout: float = SHUTDOWN_TIMEOUT + 5) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def __enter__(self) -> ServiceThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
