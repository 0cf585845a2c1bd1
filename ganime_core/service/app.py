"""The HTTP API of ``ganime serve`` (aiohttp): ``GET /v1/health``, ``GET /v1/options`` (the
colorize options' schema, which clients build their controls from) and ``POST /v1/colorize``.

Every request needs ``Authorization: Bearer <token>``. Errors are JSON ``{"error": "..."}``:
400 bad input (the field is named), 401 token, 404/405 unknown route, 409 a live request
replaced by a newer one from the same client, 413 body or picture too large, 503 queue full or
shutting down, 500 a bug (logged with its traceback; the client gets none). Each request logs
one line: INFO when answered, WARNING with the message for a 400/413 (the client's input),
ERROR with the traceback for a 500 (:mod:`.guard`). Broken bodies are caught in :mod:`.form`,
broken request lines and headers in :mod:`.protocol`.
"""

from __future__ import annotations

import io
import logging
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from aiohttp import web
from PIL import Image, UnidentifiedImageError

from ganime_core import __version__
from ganime_core.constants import COLOR_MODES
from ganime_core.errors import BadHintsError, BadImageError, GanimeError, ImageTooLargeError
from ganime_core.inputs.hints import HintSet
from ganime_core.io.formats import FORMATS as EXPORT_FORMATS
from ganime_core.io.imageio import MAX_PIXELS, encode_png, load_image
from ganime_core.io.layer_files import result_ora
from ganime_core.options import SPEC_BY_NAME, ColorizeOptions, OptionsError

from .form import BODY_TIMEOUT, read_form, shown
from .guard import job, make_guard
from .jobs import JobQueue, ShuttingDown

if TYPE_CHECKING:
    from ganime_core.api import Colorizer

log = logging.getLogger("ganime.service")

MAX_BODY = 200 * 1024 * 1024
MODES = COLOR_MODES
FORMATS = tuple(f.kind for f in EXPORT_FORMATS if f.served)  # the answer's format
#: The form fields that are colorize options (``GET /v1/options``), by option name.
OPTION_FIELDS = {"mode": "mode", "spread": "spread", "lines": "lines", "size": "working_size", "gap": "gap"}
# The multipart fields POST /v1/colorize accepts.
FIELDS = ("image", "hints", *OPTION_FIELDS, "palette", "reference", "format", "layers", "live")
ORA_TYPE = "image/openraster"


@dataclass(frozen=True)
class Settings:
    token: str
    max_body: int = MAX_BODY
    max_pixels: int = MAX_PIXELS
    max_queue: int = 16
    body_timeout: float = BODY_TIMEOUT  # seconds a request body may stall


COLORIZER: web.AppKey[Colorizer] = web.AppKey("colorizer")  # the type for checkers only (no torch here)
QUEUE = web.AppKey("queue", JobQueue)
SETTINGS = web.AppKey("settings", Settings)


class BadRequest(GanimeError):
    """A request field is missing or invalid; the message names the field."""


@dataclass
class ColorizeRequest:
    image: bytes
    hints: HintSet | bytes | None = None
    options: ColorizeOptions = ColorizeOptions()
    palette: list[tuple[int, int, int]] | None = None
    reference: bytes | None = None
    format: str = "png"
    layers: bool = True
    live: bool = False
    size_wh: tuple[int, int] = (0, 0)


# -- parsing -------------------------------------------------------------------------------


def _as_bytes(name: str, value: Any) -> bytes:
    if isinstance(value, web.FileField):
        return value.file.read()
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise BadRequest(f"field '{name}': unreadable value")


def _as_text(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    try:
        return _as_bytes(name, value).decode("utf-8").strip()
    except UnicodeDecodeError:
        raise BadRequest(f"field '{name}': not UTF-8 text") from None


def _choice(form: dict, name: str, choices: tuple[str, ...], default: str) -> str:
    if name not in form:
        return default
    value = _as_text(name, form[name]).lower()
    if value not in choices:
        raise BadRequest(f"field '{name}' must be one of {', '.join(choices)}; got {value[:40]!r}")
    return value


def _flag(form: dict, name: str, default: bool) -> bool:
    if name not in form:
        return default
    value = _as_text(name, form[name]).lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise BadRequest(f"field '{name}' must be 1 or 0; got {value[:40]!r}")


def probe_image(name: str, data: bytes, max_pixels: int) -> tuple[int, int]:
    """A picture's (width, height) from its header only; too large or unreadable raises."""
    if not data:
        raise BadRequest(f"field '{name}': empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                w, h = im.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BadImageError(f"field '{name}': not an image file GANime can read") from None
    if w * h > max_pixels:
        raise ImageTooLargeError(f"field '{name}': {w}x{h} is {w * h / 1e6:.0f} megapixels, above "
                                 f"the {max_pixels / 1e6:.0f} MP limit; scale it down first")
    return w, h


def _hints(data: bytes, max_pixels: int) -> HintSet | bytes:
    """Stroke JSON (parsed now, so errors come before queueing) or an RGBA PNG's bytes."""
    if data.lstrip()[:1] in (b"{", b"["):
        try:
            return HintSet.from_json(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise BadHintsError("field 'hints': the stroke JSON is not UTF-8") from None
        except BadHintsError as exc:
            raise BadHintsError(f"field 'hints': {exc}") from None
    probe_image("hints", data, max_pixels)
    return data


def _palette(text: str) -> list[tuple[int, int, int]]:
    from ganime_core.inputs.encoding import PALETTE_SIZE
    from ganime_core.inputs.palettes import PaletteError, parse_gpl

    try:
        _, swatches = parse_gpl(text)
    except PaletteError as exc:
        raise BadRequest(f"field 'palette': {exc}") from None
    if not swatches:
        raise BadRequest("field 'palette': the palette has no colours")
    return [rgb for _, rgb in swatches[:PALETTE_SIZE]]


def _options(form: dict) -> ColorizeOptions:
    """The colorize options of the form's option fields (validated by ``ColorizeOptions``)."""
    values: dict[str, Any] = {}
    for field, name in OPTION_FIELDS.items():
        if field in form:
            text = _as_text(field, form[field])
            values[name] = text.lower() if SPEC_BY_NAME[name].kind == "choice" else text
    try:
        return ColorizeOptions.from_mapping(values)
    except OptionsError as exc:
        field = next(f for f, n in OPTION_FIELDS.items() if n == exc.option)
        raise BadRequest(f"field '{field}' {exc.reason}") from None


def options_schema() -> dict:
    """``GET /v1/options``: the option schema, each option with the form field that carries it."""
    schema = ColorizeOptions.schema()
    fields = {name: field for field, name in OPTION_FIELDS.items()}
    schema["options"] = [{**opt, "field": fields[opt["name"]]} if opt["name"] in fields else opt
                         for opt in schema["options"]]
    return schema


def parse_form(form: dict, settings: Settings) -> ColorizeRequest:
    unknown = sorted(set(form) - set(FIELDS))
    if unknown:
        raise BadRequest(f"unknown field {shown(unknown[0])}; accepted: {', '.join(FIELDS)}")
    if "image" not in form:
        raise BadRequest("field 'image' is required (the line art as PNG, JPEG, ...)")
    image = _as_bytes("image", form["image"])
    req = ColorizeRequest(image=image, size_wh=probe_image("image", image, settings.max_pixels))
    req.options = _options(form)
    req.format = _choice(form, "format", FORMATS, "png")
    req.layers = _flag(form, "layers", True)
    req.live = _flag(form, "live", False)
    if "hints" in form:
        data = _as_bytes("hints", form["hints"])
        req.hints = _hints(data, settings.max_pixels) if data.strip() else None
    if "palette" in form:
        text = _as_text("palette", form["palette"])
        req.palette = _palette(text) if text else None
    if "reference" in form:
        req.reference = _as_bytes("reference", form["reference"])
        probe_image("reference", req.reference, settings.max_pixels)
    return req


# -- the work (on the queue's thread) ---------------------------------------------------------


def run_colorize(colorizer, req: ColorizeRequest, max_pixels: int = MAX_PIXELS) -> tuple[bytes, str, dict]:
    """Decode, colorize, encode: -> (body, content type, extra headers)."""
    img = load_image(req.image, max_pixels=max_pixels)
    hints: Any = req.hints
    if isinstance(hints, bytes):
        try:
            h = load_image(hints, max_pixels=max_pixels)
        except BadImageError as exc:
            raise BadHintsError(f"field 'hints': {exc}") from None
        if h.alpha is None:
            raise BadHintsError("field 'hints': a hint PNG needs transparency (hints are the "
                                "painted pixels of a transparent layer)")
        hints = np.dstack([h.rgb, h.alpha])
    reference = None if req.reference is None else load_image(req.reference, max_pixels=max_pixels)
    palette = None if req.palette is None else np.asarray(req.palette, np.float32)
    t0 = time.perf_counter()
    options = req.options.replace(layers=req.format == "ora" and req.layers)
    result = colorizer.colorize(img, hints, options, palette=palette, reference=reference)
    headers = {"X-GANime-Seconds": f"{time.perf_counter() - t0:.3f}",
               "X-GANime-Size": f"{img.size[0]}x{img.size[1]}", "X-GANime-Mode": options.mode}
    if req.format == "ora":
        return result_ora(result), ORA_TYPE, headers
    return encode_png(result.image, 1), "image/png", headers


# -- handlers --------------------------------------------------------------------------------


def health_info(app: web.Application) -> dict:
    colorizer = app[COLORIZER]
    queue = app[QUEUE]
    settings: Settings = app[SETTINGS]
    info = colorizer.info
    return {
        "status": "stopping" if queue.closing else "ok",
        "service": "ganime", "version": __version__,
        "model": {"arch": info.arch, "path": info.path, "sha256": info.sha256,
                  "working_size": info.working_size, "parameters": info.n_params},
        "device": str(colorizer.device),
        "queue": len(queue), "waiting": queue.waiting, "max_queue": settings.max_queue,
        "max_body": settings.max_body, "max_pixels": settings.max_pixels,
        "fields": list(FIELDS), "modes": list(MODES), "formats": list(FORMATS),
        "stats": dict(queue.stats),
    }


async def health(request: web.Request) -> web.Response:
    return web.json_response(health_info(request.app))


async def options(request: web.Request) -> web.Response:
    return web.json_response(options_schema())


async def colorize(request: web.Request) -> web.Response:
    app = request.app
    settings: Settings = app[SETTINGS]
    queue: JobQueue = app[QUEUE]
    if queue.closing:
        raise ShuttingDown()
    form = await read_form(request, FIELDS, settings.max_body, settings.body_timeout)
    req = parse_form(form, settings)
    job.set(f"{req.size_wh[0]}x{req.size_wh[1]} {req.options.mode} {req.format}")
    colorizer = app[COLORIZER]
    client = request.headers.get("X-GANime-Client", "")[:64] or None
    transport = request.transport

    def gone() -> bool:
        return transport is None or transport.is_closing()

    body, ctype, headers = await queue.submit(
        lambda: run_colorize(colorizer, req, settings.max_pixels),
        client=client, live=req.live, gone=gone)
    return web.Response(body=body, content_type=ctype, headers=headers)


def create_app(colorizer, settings: Settings) -> web.Application:
    """The aiohttp application around one loaded :class:`~ganime_core.api.Colorizer`."""
    queue = JobQueue(settings.max_queue)
    app = web.Application(middlewares=[make_guard(settings, queue)],
                          client_max_size=settings.max_body)
    app[COLORIZER] = colorizer
    app[SETTINGS] = settings
    app[QUEUE] = queue
    app.router.add_get("/v1/health", health)
    app.router.add_get("/v1/options", options)
    app.router.add_post("/v1/colorize", colorize)

    async def start(app: web.Application) -> None:
        app[QUEUE].start()

    async def stop(app: web.Application) -> None:
        log.info("shutting down", extra={"fields": {"waiting": app[QUEUE].waiting}})
        await app[QUEUE].close()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    return app
