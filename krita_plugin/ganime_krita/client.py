"""Talking to ``ganime serve`` over loopback HTTP, with the standard library only.

No Krita, no Qt here: Krita's Python is its own, so the plugin cannot use our venv. Errors
become :class:`ServiceError` with a ``kind`` the docker turns into a plain message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:7860"
START_COMMAND = "ganime serve"
TOKEN_NAME = "service-token"


def default_token_path() -> Path:
    """Where ``ganime serve`` keeps its token by default (the same rule as the service)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ganime" / TOKEN_NAME


class ServiceError(Exception):
    """``kind``: down, token, too_large, bad_input, busy, superseded, stopping, error."""

    def __init__(self, kind: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


def encode_multipart(fields: list[tuple[str, str | None, str, bytes]]) -> tuple[bytes, str]:
    """``[(name, filename or None, content type, data)]`` -> (body, Content-Type header)."""
    boundary = "ganime-" + uuid.uuid4().hex
    parts = []
    for name, filename, ctype, data in fields:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"--{boundary}\r\nContent-Disposition: {disp}\r\nContent-Type: {ctype}\r\n\r\n"
        parts += [head.encode("utf-8"), data, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    """One service at ``url``; the token is read from ``token_file`` on every request
    (so a service restarted with a new token is picked up without restarting Krita)."""

    def __init__(self, url: str = DEFAULT_URL, token_file: str | Path | None = None,
                 timeout: float = 300.0, client_id: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.token_file = Path(token_file) if token_file else default_token_path()
        self.timeout = timeout
        self.client_id = client_id or uuid.uuid4().hex[:16]
        # Never send loopback traffic through an http_proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def token(self) -> str:
        try:
            return self.token_file.read_text(encoding="utf-8").strip()
        except OSError:
            raise ServiceError("token", f"No token file at {self.token_file}. Start the service "
                                        f"once ({START_COMMAND}) to create it, or set the token "
                                        "file in the docker's settings.") from None

    def _request(self, path: str, body: bytes | None = None, ctype: str | None = None,
                 timeout: float | None = None) -> tuple[bytes, dict]:
        headers = {"Authorization": f"Bearer {self.token()}", "X-GANime-Client": self.client_id}
        if ctype:
            headers["Content-Type"] = ctype
        req = urllib.request.Request(self.url + path, data=body, headers=headers,
                                     method="POST" if body is not None else "GET")
        try:
            with self._opener.open(req, timeout=timeout or self.timeout) as resp:
                return resp.read(), {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as exc:
            raise _http_error(exc) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ServiceError("down", f"The GANime service is not running at {self.url} "
                                       f"({reason}). Start it with: {START_COMMAND}") from None

    def health(self, timeout: float = 5.0) -> dict:
        data, _ = self._request("/v1/health", timeout=timeout)
        return json.loads(data.decode("utf-8"))

    def options(self, timeout: float = 5.0) -> dict:
        """GET /v1/options: the schema of the colorize options (a service older than it: 404).
        ValueError if the answer is not JSON."""
        data, _ = self._request("/v1/options", timeout=timeout)
        return json.loads(data.decode("utf-8"))

    def colorize(self, image: bytes, hints: bytes | None = None, *, mode: str = "plain",
                 fmt: str = "ora", layers: bool = True, live: bool = False, size: int | None = None,
                 palette: str | None = None, reference: bytes | None = None,
                 extra: dict | None = None) -> tuple[bytes, dict]:
        """POST /v1/colorize -> (body, lower-cased headers). ``extra``: more text fields
        (e.g. ``gap``), each sent as given, 0 included; None is left out."""
        fields: list[tuple[str, str | None, str, bytes]] = [
            ("image", "lines.png", "image/png", image)]
        if hints:
            fields.append(("hints", "hints.png", "image/png", hints))
        if reference:
            fields.append(("reference", "reference", "application/octet-stream", reference))
        if palette:
            fields.append(("palette", "palette.gpl", "text/plain", palette.encode("utf-8")))
        text = {"mode": mode, "format": fmt, "layers": "1" if layers else "0",
                "live": "1" if live else "0"}
        if size:
            text["size"] = str(int(size))
        text.update({k: str(v) for k, v in (extra or {}).items() if v is not None})
        fields += [(k, None, "text/plain; charset=utf-8", v.encode("utf-8")) for k, v in text.items()]
        body, ctype = encode_multipart(fields)
        return self._request("/v1/colorize", body, ctype)


def _http_error(exc: urllib.error.HTTPError) -> ServiceError:
    try:
        message = json.loads(exc.read().decode("utf-8")).get("error") or exc.reason
    except (ValueError, OSError, AttributeError):
        message = str(exc.reason)
    status = exc.code
    if status == 401:
        return ServiceError("token", "The service refused the token. Is the docker's token file "
                                     "the one the service uses (ganime serve --token-file)?", status)
    if status == 413:
        return ServiceError("too_large", f"Too large for the service: {message}", status)
    if status == 409:
        return ServiceError("superseded", message, status)
    if status == 503:
        kind = "stopping" if "shutting down" in str(message) else "busy"
        return ServiceError(kind, f"The service is busy: {message}" if kind == "busy"
                            else "The service is shutting down.", status)
    if status == 400:
        return ServiceError("bad_input", f"The service could not use this: {message}", status)
    return ServiceError("error", f"The service failed ({status}): {message}", status)


def find_ganime(configured: str = "") -> str | None:
    """The ``ganime`` executable: the configured path, on PATH, or in the usual venv spots."""
    candidates = [configured] if configured else []
    found = shutil.which("ganime")
    if found:
        candidates.append(found)
    home = Path.home()
    candidates += [str(home / ".local" / "bin" / "ganime"),
                   str(home / "GANime" / ".venv" / "bin" / "ganime")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    return None


def start_service(executable: str, url: str = DEFAULT_URL, token_file: Path | None = None,
                  log_path: Path | None = None) -> subprocess.Popen:
    """Start ``ganime serve`` detached, on the port of ``url``; its log goes to ``log_path``."""
    port = url.rsplit(":", 1)[-1].split("/")[0] if url.count(":") >= 2 else "7860"
    cmd = [executable, "serve", "--port", port]
    if token_file:
        cmd += ["--token-file", str(token_file)]
    log_path = log_path or default_token_path().with_name("service.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
    kwargs: dict = {"stdout": log, "stderr": log, "stdin": subprocess.DEVNULL}
    if sys.platform == "win32":
        kwargs["creationflags"] = 0x00000008 | 0x00000200  # DETACHED_PROCESS | NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    return subprocess.Popen(cmd, **kwargs)


def wait_ready(client: Client, timeout: float = 90.0, proc: subprocess.Popen | None = None) -> dict:
    """Poll the health endpoint until it answers (the model loads first)."""
    deadline = time.monotonic() + timeout
    last: ServiceError | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServiceError("down", f"ganime serve exited with status {proc.returncode}; "
                                       "see its log in ~/.config/ganime/service.log")
        try:
            return client.health(timeout=2.0)
        except ServiceError as exc:
            if exc.kind != "down":
                raise
            last = exc
        time.sleep(0.25)
    raise last or ServiceError("down", "the service did not start in time")
