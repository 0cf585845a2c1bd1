"""The service's bearer token: random, made on first start, kept in a 0600 file.

Default place: ``$XDG_CONFIG_HOME/ganime/service-token`` (``~/.config/ganime/...``); the Krita
plugin reads the same file. The file is created with ``O_EXCL`` and mode 0600 from the start,
so no other user can ever read it, and two services starting at once agree on one token.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

from ganime_core.errors import GanimeError

log = logging.getLogger(__name__)

TOKEN_NAME = "service-token"
MIN_LENGTH = 32


class TokenError(GanimeError):
    """The token file cannot be read or created, or holds no usable token."""


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ganime"


def default_token_path() -> Path:
    return config_dir() / TOKEN_NAME


def read_token(path: str | Path) -> str:
    path = Path(path)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise TokenError(f"cannot read the token file {path}: {exc.strerror or exc}") from None
    if len(token) < MIN_LENGTH or not token.isascii() or any(c.isspace() for c in token):
        raise TokenError(f"the token file {path} holds no usable token (delete it to make a new one)")
    return token


def ensure_token(path: str | Path | None = None) -> tuple[str, Path]:
    """The token in ``path`` (default: :func:`default_token_path`), made when the file is absent.

    An existing file readable by others is tightened to 0600 with a warning.
    """
    path = Path(path) if path else default_token_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("token file %s was readable by others (mode %o); setting it to 0600", path, mode)
            os.chmod(path, 0o600)
        return read_token(path), path
    except OSError as exc:
        raise TokenError(f"cannot create the token file {path}: {exc.strerror or exc}") from None
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    log.info("created a new service token in %s", path)
    return token, path


def token_matches(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>`` (constant-time compare)."""
    if not header:
        return False
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    # aiohttp hands undecodable header bytes over as surrogates: compare those bytes as they came
    return hmac.compare_digest(value.strip().encode("utf-8", "surrogateescape"), token.encode())
