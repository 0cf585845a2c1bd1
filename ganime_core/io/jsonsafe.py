"""JSON from user files, parsed defensively: every failure becomes the caller's typed error.

``json.loads`` alone lets ``RecursionError`` (deep nesting), ``UnicodeDecodeError`` (bytes that
are not UTF-8) and ``ValueError`` (an integer with thousands of digits) escape; the helpers
here turn them, and wrongly typed fields, into one plain message.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ganime_core.errors import GanimeError


def parse_json(data: str | bytes, what: str, error: type[GanimeError] = GanimeError) -> Any:
    """``data`` parsed as JSON, or ``error`` saying plainly why ``what`` cannot be read."""
    try:
        return json.loads(data)
    except RecursionError:
        raise error(f"{what} is nested too deeply to be a GANime file") from None
    except UnicodeDecodeError:
        raise error(f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise error(f"{what} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except (ValueError, TypeError, MemoryError) as exc:
        raise error(f"{what} is not valid JSON ({str(exc)[:80]})") from None


def read_file(path: str | Path, limit: int, what: str, error: type[GanimeError] = GanimeError) -> bytes:
    """The bytes of a user file of at most ``limit`` bytes; ``error`` naming the file (a ``what``,
    e.g. "hint file") when it is larger or cannot be read."""
    path = Path(path)
    try:
        if path.stat().st_size > limit:
            raise error(f"{path.name}: too large for a {what} (over {limit // 1024**2} MB)")
        return path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {what} {path.name}: {exc.strerror or exc}") from None


def is_int(value: Any) -> bool:
    """A JSON whole number (``true``/``false`` are not numbers)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """A finite JSON number (not a boolean, not NaN/Infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def short(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages about hostile input."""
    try:
        text = repr(value)
    except ValueError:  # an int with more digits than Python will print
        return "<a huge number>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
