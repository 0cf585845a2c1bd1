"""Service tests: real HTTP on 127.0.0.1 against ``ganime serve`` code with a tiny model."""

from __future__ import annotations

import http.client
import io
import json
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "krita_plugin"))  # the plugin's stdlib client, tested here too


def png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def sketch(w: int = 96, h: int = 64, seed: int = 0) -> np.ndarray:
    """Grey line art: a frame, a divider and a seed-dependent diagonal."""
    a = np.full((h, w), 255, np.uint8)
    a[:2], a[-2:], a[:, :2], a[:, -2:] = 0, 0, 0, 0
    a[:, w // 2 - 1:w // 2 + 1] = 0
    for i in range(min(w, h) // 2):
        a[(i + seed) % h, i] = 0
    return a


def multipart(fields: dict) -> tuple[bytes, str]:
    """{name: bytes (a file) | str (a text field)} -> (body, content type)."""
    boundary = uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        if isinstance(value, bytes):
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"'
                    f"\r\nContent-Type: application/octet-stream\r\n\r\n")
            out += [head.encode(), value, b"\r\n"]
        else:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            out += [head.encode(), str(value).encode(), b"\r\n"]
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)

    def image(self) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(self.body)))


class Http:
    """A tiny HTTP client for one service (a new connection per request, like the plugin)."""

    def __init__(self, svc) -> None:
        self.svc = svc
        self.host, self.port = "127.0.0.1", svc.port

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                token: str | None = "default", timeout: float = 120) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        h = dict(headers or {})
        if token == "default":
            token = self.svc.token
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def colorize(self, fields: dict, client: str | None = None, **kw) -> Reply:
        body, ctype = multipart(fields)
        headers = {"Content-Type": ctype}
        if client:
            headers["X-GANime-Client"] = client
        return self.request("POST", "/v1/colorize", body, headers, **kw)

    def health(self) -> dict:
        return self.request("GET", "/v1/health").json()


class Gated:
    """The real colorizer behind a gate, so a test can hold a job while it is running."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.entered = threading.Event()

    def colorize(self, *args, **kwargs):
        self.entered.set()
        if not self.gate.wait(60):
            raise TimeoutError("gate never opened")
        return self.inner.colorize(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)
