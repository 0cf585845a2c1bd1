"""A small stand-in for ``ganime serve`` on the standard library's HTTP server, for the
plugin's tests (conftest puts the plugin itself on ``sys.path``)."""

from __future__ import annotations

import json
import threading
from email.parser import BytesParser
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TOKEN = "t" * 43
FIELDS_WITH_GAP = ["image", "hints", "mode", "lines", "size", "gap", "palette", "reference",
                   "format", "layers", "live"]


class FakeService:
    """/v1/health, /v1/options (``options``: a dict to answer, an int status, or raw bytes) and
    /v1/colorize (records the form fields); checks the token like the service."""

    def __init__(self, fields: list[str] | None = None) -> None:
        self.options: Any = 404
        self.fields = FIELDS_WITH_GAP if fields is None else fields
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest's output clean
                pass

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, data: Any) -> None:
                self._send(status, json.dumps(data).encode())

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                    return True
                self._json(401, {"error": "missing or wrong token"})
                return False

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                fake.seen.append(("GET", self.path, {}))
                if not self._authorized():
                    return
                if self.path == "/v1/health":
                    self._json(200, {"service": "ganime", "version": "0-test",
                                     "device": "none", "fields": fake.fields})
                elif self.path == "/v1/options" and isinstance(fake.options, dict):
                    self._json(200, fake.options)
                elif self.path == "/v1/options" and isinstance(fake.options, bytes):
                    self._send(200, fake.options, "text/plain")
                elif self.path == "/v1/options":
                    self._json(fake.options, {"error": "not found"})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
                msg = BytesParser(policy=email_policy).parsebytes(head + body)
                form = {p.get_param("name", header="content-disposition"): p.get_payload(decode=True)
                        for p in msg.iter_parts()}
                text = {k: v.decode() for k, v in form.items() if k not in ("image", "hints")}
                fake.seen.append(("POST", self.path, text))
                if self._authorized():
                    self._send(200, b"ora", "image/openraster")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def token_file(self, folder: Path) -> Path:
        path = folder / "fake-token"
        path.write_text(TOKEN)
        return path

    def __enter__(self) -> FakeService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
