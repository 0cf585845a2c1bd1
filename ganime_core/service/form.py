"""Reading the ``multipart/form-data`` body of ``POST /v1/colorize`` defensively.

Whatever is wrong with the bytes a client sent -- not multipart, no boundary, a body cut short
or stalled, a part header megabytes long, a part without a name, an unknown or repeated field,
a text field in an unknown charset, more bytes than the limit -- raises :class:`Malformed`
with the HTTP status (400, or 413 when too large) and a message that says what is wrong. The
guard answers it as JSON and logs one warning: nothing in the service is broken, so no
traceback. Values come back as ``bytes`` (a text part with an explicit charset other than
UTF-8 as ``str``); the fields' own parsers decode them and name the field when that fails.
"""

from __future__ import annotations

import asyncio
import warnings
import zlib
from collections.abc import Collection

from aiohttp import BodyPartReader, web
from aiohttp.helpers import parse_mimetype
from aiohttp.http_exceptions import (
    ContentLengthError,
    HttpProcessingError,
    LineTooLong,
    TransferEncodingError,
)
from aiohttp.multipart import BadContentDispositionHeader, BadContentDispositionParam
from aiohttp.web_protocol import RequestPayloadError

MAX_BOUNDARY = 70  # RFC 2046
CHUNK = 1 << 20
BODY_TIMEOUT = 60.0  # seconds a request body may stall before it is answered 400

# aiohttp warns (to stderr, once per distinct client-sent value) about a broken
# Content-Disposition; such a part has no name, and the 400 says so.
for _category in (BadContentDispositionHeader, BadContentDispositionParam):
    warnings.filterwarnings("ignore", category=_category)


class Malformed(Exception):
    """The request itself is broken; ``status`` is 400, or 413 when it is too large."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def shown(value: str | bytes, limit: int = 40) -> str:
    """A client-sent value for a message: its repr, cut to ``limit`` characters."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def reason(exc: BaseException, limit: int = 120) -> str:
    """An exception's message as one short printable line (aiohttp's may span lines)."""
    text = str(getattr(exc, "message", None) or exc)
    # aiohttp's parser adds the offending line and a line of carets under it
    text = " ".join(line.strip() for line in text.splitlines() if line.strip(" ^"))
    text = "".join(c if c.isprintable() else "?" for c in text) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def megabytes(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def boundary_of(request: web.Request) -> str:
    """The boundary of a ``multipart/form-data`` request, or :class:`Malformed` saying why not."""
    header = request.headers.get("Content-Type", "")
    if request.content_type != "multipart/form-data":
        got = f"Content-Type {shown(header)}" if header else "no Content-Type"
        raise Malformed(f"send a multipart/form-data body with an 'image' field; got {got}")
    boundary = parse_mimetype(header).parameters.get("boundary", "")
    if not boundary:
        raise Malformed("the multipart/form-data Content-Type has no boundary; send "
                        "'Content-Type: multipart/form-data; boundary=<the line between parts>'")
    if len(boundary) > MAX_BOUNDARY:
        raise Malformed(f"the multipart boundary is {len(boundary)} characters long; "
                        f"at most {MAX_BOUNDARY} are allowed")
    return boundary


def _incomplete(request: web.Request, then: str) -> str:
    got, length = request.content.total_bytes, request.content_length
    of = f" of the {length} in Content-Length" if length is not None else ""
    return f"the request body is incomplete: {got} bytes{of} arrived, then {then}"


async def read_form(request: web.Request, fields: Collection[str], max_body: int,
                    idle: float = BODY_TIMEOUT) -> dict[str, bytes | str]:
    """The multipart fields of ``request``: ``{name: value}``; :class:`Malformed` if broken.

    ``fields`` are the names accepted; the body may hold ``max_body`` bytes and stall for
    ``idle`` seconds at most.
    """
    boundary = boundary_of(request)
    started: list[bool] = []  # non-empty once the first part's headers were read
    try:
        async with asyncio.timeout(idle) as deadline:
            return await _read_parts(request, fields, max_body, idle, deadline, started)
    except TimeoutError:
        if not deadline.expired():
            raise
        raise Malformed(_incomplete(request, f"nothing more for {idle:g} s")) from None
    except (ConnectionError, ContentLengthError, TransferEncodingError, asyncio.IncompleteReadError):
        raise Malformed(_incomplete(request, "the connection closed")) from None
    except LineTooLong as exc:
        limit = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        raise Malformed(f"a line of the multipart body where a boundary or part header belongs is "
                        f"longer than {limit or 'the limit of'} bytes (is a field name or file "
                        "name that long?)") from None
    except (HttpProcessingError, RequestPayloadError) as exc:  # bad part headers, chunks, gzip
        raise Malformed(f"malformed multipart body: {reason(exc)}") from None
    except (ValueError, RuntimeError, LookupError, zlib.error) as exc:
        # aiohttp's multipart parser signals broken input with these
        if request.content.at_eof():
            if not started:
                raise Malformed(f"the body has no boundary line {shown('--' + boundary)} (the "
                                "boundary its Content-Type names)") from None
            raise Malformed(f"the multipart body ends before its closing boundary line "
                            f"{shown('--' + boundary + '--')}; was it cut short?") from None
        raise Malformed(f"malformed multipart body: {reason(exc)}") from None


async def _read_parts(request: web.Request, fields: Collection[str], max_body: int, idle: float,
                      deadline: asyncio.Timeout, started: list[bool]) -> dict[str, bytes | str]:
    loop = asyncio.get_running_loop()
    form: dict[str, bytes | str] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        started.append(True)
        deadline.reschedule(loop.time() + idle)
        if not isinstance(part, BodyPartReader):
            raise Malformed("a part is itself multipart; send each field as a plain part")
        name = part.name
        if name is None:
            raise Malformed("a part has no name: each needs 'Content-Disposition: form-data; "
                            "name=\"<field>\"'")
        if name not in fields:
            raise Malformed(f"unknown field {shown(name)}; accepted: {', '.join(fields)}")
        if name in form:
            raise Malformed(f"field '{name}' is sent more than once")
        chunks = []
        while chunk := await part.read_chunk(CHUNK):
            deadline.reschedule(loop.time() + idle)
            if request.content.total_bytes > max_body:
                raise Malformed(f"request body is over the {megabytes(max_body)} limit", 413)
            chunks.append(chunk)
        data = part.decode(b"".join(chunks))  # Content-Transfer-Encoding, Content-Encoding
        form[name] = _text_or_bytes(part, name, bytes(data))
    return form


def _text_or_bytes(part: BodyPartReader, name: str, data: bytes) -> bytes | str:
    """A text part declared in another charset than UTF-8 decoded; everything else as is."""
    ctype = part.headers.get("Content-Type", "")
    charset = parse_mimetype(ctype).parameters.get("charset", "") if ctype else ""
    if part.filename or not charset or charset.lower().replace("_", "-") in ("utf-8", "utf8"):
        return data
    try:
        return data.decode(charset)
    except LookupError:
        raise Malformed(f"field '{name}': unknown charset {shown(charset)}") from None
    except UnicodeDecodeError:
        raise Malformed(f"field '{name}': not valid {shown(charset)} text") from None
