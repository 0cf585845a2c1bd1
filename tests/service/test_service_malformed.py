"""``ganime serve`` against malformed requests, sent as raw bytes over a real loopback socket.

Each broken request must get a 400 (413 when too large) with JSON ``{"error": ...}`` saying what
is wrong, and leave exactly one log line: a warning, no traceback. (A soak found these answered
``500 internal error`` with a traceback each.) A real bug in a handler is the one case that logs
a traceback, once, and answers 500 JSON.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from dataclasses import dataclass

import pytest
from service_helpers import png, sketch

BOUNDARY = "b0und4ry"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
END = f"--{BOUNDARY}--\r\n".encode()


@pytest.fixture(autouse=True)
def _capture_everything(caplog):
    caplog.set_level(logging.DEBUG)


def part(name: str, value: bytes, filename: str | None = None, ctype: str | None = None,
         extra: str = "") -> bytes:
    disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n{extra}"
    if ctype:
        head += f"Content-Type: {ctype}\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def image_part() -> bytes:
    return part("image", png(sketch()), "sketch.png", "image/png")


def head(svc, ctype: str | None = MULTIPART, length: int | None = None, extra: str = "",
         path: str = "/v1/colorize") -> bytes:
    """A POST's request line and headers; ``length`` None means no Content-Length."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Bearer {svc.token}"]
    if ctype is not None:
        lines.append(f"Content-Type: {ctype}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def error(self) -> str:
        assert self.headers.get("content-type", "").startswith("application/json"), self
        doc = json.loads(self.body)
        assert list(doc) == ["error"], doc
        return doc["error"]


def send(svc, data: bytes, *, close_write: bool = False, timeout: float = 30) -> Answer | None:
    """Send raw bytes; the answer, or None when the server closed without one."""
    with socket.create_connection(("127.0.0.1", svc.port), timeout=timeout) as s:
        try:
            s.sendall(data)
            if close_write:
                s.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered early and stopped reading: read that answer
            pass
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    return None
                buf += chunk
            raw_head, _, body = buf.partition(b"\r\n\r\n")
            status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, v in
                       (h.split(":", 1) for h in header_lines)}
            want = int(headers.get("content-length", 0))
            while len(body) < want and (chunk := s.recv(65536)):
                body += chunk
        except ConnectionResetError:
            return None
        _hang_up(s)
        return Answer(int(status_line.split()[1]), headers, body)


def _hang_up(s: socket.socket) -> None:
    """Close our side and wait for the server to close its side: it is done with us then."""
    try:
        s.shutdown(socket.SHUT_WR)
        s.settimeout(15)
        while s.recv(65536):
            pass
    except OSError:
        pass


def service_records(caplog, wait: float = 0) -> list[logging.LogRecord]:
    """The log records of the service and of aiohttp (waiting up to ``wait`` s for one)."""
    deadline = time.monotonic() + wait
    while True:
        got = [r for r in caplog.records if r.name.split(".")[0] in ("ganime", "aiohttp")]
        if got or time.monotonic() >= deadline:
            return got
        time.sleep(0.05)


def assert_one_warning(caplog, *words: str, status: int = 400, wait: float = 0) -> None:
    """Exactly one log line, a warning naming ``words``, and no traceback anywhere."""
    records = service_records(caplog, wait)
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], caplog.text
    assert len(records) == 1, [(r.name, r.levelname, r.getMessage()[:200]) for r in records]
    (rec,) = records
    assert rec.levelno == logging.WARNING and rec.name == "ganime.service", rec
    message = rec.getMessage()
    assert len(message) < 600, message[:200]  # never echoes a huge client value
    for word in words:
        assert word in message, message
    assert rec.fields["status"] == status


def assert_rejected(answer: Answer | None, status: int, *words: str) -> str:
    assert answer is not None, "the server closed the connection without an answer"
    assert answer.status == status, answer
    msg = answer.error()
    assert len(msg) < 600, msg[:200]
    for word in words:
        assert word in msg, msg
    return msg


def test_multipart_content_type_without_boundary(service, caplog):
    svc, _ = service
    body = image_part() + END
    r = send(svc, head(svc, "multipart/form-data", len(body)) + body)
    assert_rejected(r, 400, "no boundary", "multipart/form-data; boundary=")
    assert_one_warning(caplog, "no boundary")


def test_body_shorter_than_its_content_length(start_service, colorizer, caplog):
    svc, _ = start_service(colorizer, body_timeout=0.5)
    body = image_part()  # the client promises 1000 bytes more, then waits
    r = send(svc, head(svc, length=len(body) + 1000) + body)
    assert_rejected(r, 400, "incomplete", f"{len(body)} bytes of the {len(body) + 1000} in "
                    "Content-Length", "nothing more for 0.5 s")
    assert_one_warning(caplog, "incomplete")


def test_body_shorter_than_its_content_length_then_closed(service, caplog):
    svc, _ = service
    body = image_part()
    # the client gives up mid-body: nobody is left to answer, but the log stays one warning
    assert send(svc, head(svc, length=len(body) + 1000) + body, close_write=True) is None
    assert_one_warning(caplog, "incomplete", "connection closed", wait=10)


def test_body_that_ends_without_the_closing_boundary(service, caplog):
    svc, _ = service
    body = image_part() + part("mode", b"flats")  # no "--b0und4ry--" at the end
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 400, "ends before its closing boundary", f"--{BOUNDARY}--")
    assert_one_warning(caplog, "closing boundary")


def test_body_without_the_boundary_from_its_content_type(service, caplog):
    svc, _ = service
    body = image_part() + END
    r = send(svc, head(svc, "multipart/form-data; boundary=another", len(body)) + body)
    assert_rejected(r, 400, "no boundary line", "'--another'")
    assert_one_warning(caplog, "--another")


def test_field_name_of_10_mb(service, caplog):
    svc, _ = service
    body = part("n" * 10_000_000, b"x") + image_part() + END
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 400, "longer than 8190 bytes", "field name")
    assert_one_warning(caplog, "longer than 8190 bytes")


def test_request_header_over_the_line_limit(service, caplog):
    svc, _ = service
    body = image_part() + END
    r = send(svc, head(svc, length=len(body), extra=f"X-Big: {'a' * 20_000}\r\n") + body)
    assert_rejected(r, 400, "header line is longer than 8190 bytes")
    assert_one_warning(caplog, "longer than 8190 bytes")


def test_request_with_too_many_headers(service, caplog):
    svc, _ = service
    body = image_part() + END
    extra = "".join(f"X-Pad-{i}: {i}\r\n" for i in range(300))
    r = send(svc, head(svc, length=len(body), extra=extra) + body)
    assert_rejected(r, 400, "malformed HTTP request", "Too many headers")
    assert_one_warning(caplog, "Too many headers")


def test_request_line_over_the_limit(service, caplog):
    svc, _ = service
    r = send(svc, head(svc, length=0, path="/v1/colorize?" + "q" * 20_000))
    assert_rejected(r, 400, "request line or a header line is longer")
    assert_one_warning(caplog, "longer than")


def test_part_with_too_many_headers(service, caplog):
    svc, _ = service
    pad = "".join(f"X-Pad-{i}: {i}\r\n" for i in range(300))
    body = part("mode", b"flats", extra=pad) + image_part() + END
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 400, "malformed multipart body", "Too many headers")
    assert_one_warning(caplog, "Too many headers")


def test_json_where_multipart_is_expected(service, caplog):
    svc, _ = service
    body = b'{"image": "aGVsbG8="}'
    r = send(svc, head(svc, "application/json", len(body)) + body)
    assert_rejected(r, 400, "multipart/form-data", "'application/json'")
    assert_one_warning(caplog, "multipart/form-data", "application/json")


def test_text_field_that_is_not_utf8(service, caplog):
    svc, _ = service
    body = image_part() + part("mode", b"fl\xff\xfets") + END
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 400, "field 'mode'", "not UTF-8")
    assert_one_warning(caplog, "field 'mode'", "UTF-8")


def test_text_field_in_an_unknown_charset(service, caplog):
    svc, _ = service
    body = image_part() + part("mode", b"flats", ctype="text/plain; charset=klingon") + END
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 400, "field 'mode'", "unknown charset 'klingon'")
    assert_one_warning(caplog, "klingon")


def test_unknown_field(service, caplog):
    svc, _ = service
    body = image_part() + part("colour", b"red") + END
    r = send(svc, head(svc, length=len(body)) + body)
    msg = assert_rejected(r, 400, "unknown field 'colour'", "accepted: image")
    assert "hints" in msg
    assert_one_warning(caplog, "unknown field 'colour'")


def test_unknown_field_with_a_long_name_is_not_echoed_whole(service, caplog):
    svc, _ = service
    body = image_part() + part("z" * 8000, b"1") + END
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 400, "unknown field 'zzzz", "(8000 characters)")
    assert_one_warning(caplog, "unknown field")


def test_part_without_a_name(service, caplog):
    svc, _ = service
    body = f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nflats\r\n".encode() + END
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 400, "no name", "Content-Disposition")
    assert_one_warning(caplog, "no name")


def test_field_sent_twice(service, caplog):
    svc, _ = service
    body = image_part() + part("mode", b"flats") + part("mode", b"locked") + END
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 400, "field 'mode' is sent more than once")
    assert_one_warning(caplog, "more than once")


def test_body_over_the_size_limit(start_service, colorizer, caplog):
    svc, _ = start_service(colorizer, max_body=1024 * 1024)
    body = part("image", b"\0" * (2 * 1024 * 1024), "big.png", "image/png") + END
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 413, "over the 1 MB limit")
    assert_one_warning(caplog, "over the 1 MB limit", status=413)


def test_chunked_body_over_the_size_limit(start_service, colorizer, caplog):
    svc, _ = start_service(colorizer, max_body=1024 * 1024)
    body = part("image", b"\0" * (2 * 1024 * 1024), "big.png", "image/png") + END
    step = 64 * 1024
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + step]), body[i:i + step])
                       for i in range(0, len(body), step)) + b"0\r\n\r\n"
    r = send(svc, head(svc, extra="Transfer-Encoding: chunked\r\n") + chunked)
    assert_rejected(r, 413, "over the 1 MB limit")
    assert_one_warning(caplog, "over the 1 MB limit", status=413)


def test_a_bug_in_a_handler_is_a_500_logged_once_with_its_traceback(start_service, colorizer, caplog):
    class Broken:
        def __getattr__(self, name):
            return getattr(colorizer, name)

        def colorize(self, *args, **kwargs):
            raise RuntimeError("a bug, not the client's fault")

    svc, _ = start_service(Broken())
    body = image_part() + END
    r = send(svc, head(svc, length=len(body)) + body)
    assert_rejected(r, 500, "internal error")
    assert "a bug" not in r.body.decode()  # no traceback or exception text for the client
    records = service_records(caplog)
    assert len(records) == 1, [(x.name, x.levelname, x.getMessage()) for x in records]
    (rec,) = records
    assert rec.levelno == logging.ERROR and rec.exc_info and rec.fields["status"] == 500
    assert "RuntimeError: a bug" in caplog.text


def test_token_header_that_is_not_utf8(service, caplog):
    svc, _ = service
    body = image_part() + END
    data = head(svc, length=len(body)).replace(svc.token.encode(), b"\xff\xfe" + svc.token.encode())
    r = send(svc, data + body)
    assert_rejected(r, 401, "token")  # a wrong token, not a crash
    records = service_records(caplog)
    assert "Traceback" not in caplog.text and not [x for x in caplog.records if x.exc_info]
    assert [(x.levelname, x.fields["status"]) for x in records] == [("INFO", 401)]
