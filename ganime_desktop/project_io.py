"""The ``.ganime`` project file: a zip of line art, hint strokes, last result, palette, metadata.

Layout (format ``ganime-project``, version 1)::

    manifest.json     {"format", "version", "app_version", "size": [w, h], "has_alpha", ...}
    lines.png         the line art, RGB (RGBA when the imported picture had transparency)
    hints.json        the hint strokes (ganime_core.inputs.hints format)
    result.png        the last result (optional), result_color.png its colour-only layer
    palette.gpl       the palette (GIMP format)
    guide.json        the colour guide (optional): palette-guide flag and colours, reference entry
    reference.png     the reference picture (optional), RGB, long side <= 1024 px
    barriers.json     the barrier strokes (optional; ganime_core.inputs.barriers format)

The manifest's ``gap`` is the gap-closing size in px (absent in older projects: the default),
checked by its option (``ganime_core.options``), the one place its range lives.

Writes are atomic; every read error is a :class:`ProjectError` with a plain message. Projects
without ``guide.json`` or ``barriers.json`` (older ones) load with no guide or barriers. A damaged
guide, barrier file or gap costs only that part: the picture loads and :attr:`Project.warnings`
says what was left out.
"""

from __future__ import annotations

import json
import logging
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ganime_core import __version__
from ganime_core.errors import BadHintsError, GanimeError
from ganime_core.inputs import barriers as barrier_io
from ganime_core.inputs.hints import MAX_HINT_FILE_BYTES, HintSet
from ganime_core.inputs.palettes import MAX_GPL_BYTES
from ganime_core.io.imageio import atomic_write, encode_png, load_image
from ganime_core.io.jsonsafe import is_int, parse_json, short
from ganime_core.options import OptionsError

from .document import DEFAULT_GAP, GAP, Document, ResultImages
from .guide import REFERENCE_MAX_SIDE, ColourGuide, GuideError, Reference, parse_guide_json
from .palette import Palette, PaletteError, from_gpl, to_gpl

FORMAT = "ganime-project"
VERSION = 1
SUFFIX = ".ganime"
MAX_MEMBER_BYTES = 512 * 1024**2
GUIDE_MEMBER = "guide.json"
REFERENCE_MEMBER = "reference.png"
BARRIERS_MEMBER = "barriers.json"
REGION_STROKES = "region_strokes"  # manifest: indices of the hint strokes painted with Alt
MAX_GUIDE_BYTES = 64 * 1024
MAX_REFERENCE_BYTES = 16 * 1024**2  # a 1024 px RGB PNG is at most ~3 MB
MAX_MANIFEST_BYTES = 1024**2
MAX_SOURCE_CHARS = 4096
# what a damaged zip can raise while it is read: none of it may reach the user as a traceback
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, OverflowError, IndexError, KeyError)

log = logging.getLogger(__name__)


class ProjectError(GanimeError):
    """A project file is missing, corrupt or from a newer GANime."""


@dataclass
class Project:
    doc: Document
    palette: Palette = field(default_factory=Palette)
    meta: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # parts left out (damaged), for the user


def save_project(path: str | Path, doc: Document, palette: Palette | None = None,
                 extra: dict | None = None) -> Path:
    """Write ``doc`` (and the palette) to ``path`` atomically."""
    w, h = doc.size
    manifest = {"format": FORMAT, "version": VERSION, "app_version": __version__,
                "size": [w, h], "has_alpha": doc.alpha is not None,
                "has_result": doc.result is not None, "gap": doc.gap, **(extra or {})}
    region = doc.region_marks()
    if region:  # the strokes painted with Alt: they colour only their regions (stroke_spread)
        manifest[REGION_STROKES] = sorted(region)
    lines = doc.lines if doc.alpha is None else np.dstack([doc.lines, doc.alpha])
    members: list[tuple[str, bytes]] = [
        ("manifest.json", json.dumps(manifest, indent=1).encode()),
        ("lines.png", encode_png(lines, compress_level=3)),
        ("hints.json", doc.hint_set().to_json().encode()),
    ]
    if doc.result is not None:
        members.append(("result.png", encode_png(doc.result.image, compress_level=3)))
        members.append(("result_color.png", encode_png(doc.result.color, compress_level=3)))
        if doc.result.flats is not None:
            members.append(("result_flats.png", encode_png(doc.result.flats, compress_level=3)))
    if palette is not None:
        members.append(("palette.gpl", to_gpl(palette).encode()))
    if doc.barriers:
        members.append((BARRIERS_MEMBER, json.dumps(barrier_io.to_json(doc.barriers)).encode()))
    if doc.guide.source or doc.guide.reference is not None or doc.guide.palette_colors:
        members.append((GUIDE_MEMBER, doc.guide.to_json(REFERENCE_MEMBER).encode()))
        if doc.guide.reference is not None:
            members.append((REFERENCE_MEMBER, encode_png(doc.guide.reference.rgb, compress_level=3)))

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members:
                # PNGs are already compressed; storing them is faster and no bigger
                kind = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
                zf.writestr(name, data, compress_type=kind)

    return atomic_write(path, write)


def _read(zf: zipfile.ZipFile, name: str, required: bool = True,
          limit: int = MAX_MEMBER_BYTES) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        if required:
            raise ProjectError(f"project is missing {name}") from None
        return None
    if info.file_size > limit:
        raise ProjectError(f"{name} in the project is too large")
    try:
        return zf.read(info)
    except _ZIP_ERRORS as exc:
        raise ProjectError(f"{name} in the project is damaged ({type(exc).__name__}: "
                           f"{str(exc)[:80]})") from None


def load_project(path: str | Path) -> Project:
    """Read a ``.ganime`` file; anything wrong with it is a :class:`ProjectError` naming it."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            return _load(zf)
    except FileNotFoundError:
        raise ProjectError(f"{path.name}: file not found") from None
    except GanimeError as exc:
        raise ProjectError(f"{path.name}: {exc}") from None
    except MemoryError:
        raise ProjectError(f"{path.name}: not enough memory to open this project") from None
    except _ZIP_ERRORS as exc:
        log.debug("damaged project %s", path, exc_info=True)
        raise ProjectError(f"{path.name}: not a GANime project or damaged ({str(exc)[:120]})") from None


def _manifest(zf: zipfile.ZipFile) -> dict:
    """manifest.json, checked: a dict of the right format, a whole-number version we can read."""
    manifest = parse_json(_read(zf, "manifest.json", limit=MAX_MANIFEST_BYTES) or b"{}",
                          "manifest.json", ProjectError)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ProjectError("not a GANime project (wrong format in manifest.json)")
    version = manifest.get("version", VERSION)
    if not is_int(version):
        raise ProjectError(f"manifest.json: version must be a whole number, got {short(version)}")
    if version > VERSION:
        raise ProjectError(f"project version {version} is newer than this GANime; please update")
    size = manifest.get("size")
    if size is not None and not (isinstance(size, list) and len(size) == 2
                                 and all(is_int(v) and v > 0 for v in size)):
        raise ProjectError(f"manifest.json: size must be [width, height] in pixels, got {short(size)}")
    source = manifest.get("source")
    if source is not None and not (isinstance(source, str) and len(source) <= MAX_SOURCE_CHARS
                                   and "\x00" not in source):
        manifest["source"] = ""  # only an autosave's note of where it came from: not worth the picture
    return manifest


def _image(zf: zipfile.ZipFile, name: str, required: bool = True, **kw):
    data = _read(zf, name, required)
    if data is None:
        return None
    try:
        return load_image(data, **kw)
    except GanimeError as exc:
        raise ProjectError(f"{name}: {str(exc).removeprefix('image data: ')}") from None


def _region_strokes(manifest: dict, strokes: tuple, warnings: list[str]) -> set:
    """The strokes painted with Alt, from the manifest's indices; a bad list costs only itself."""
    raw = manifest.get(REGION_STROKES, [])
    if not isinstance(raw, list) or not all(type(i) is int and 0 <= i < len(strokes) for i in raw):
        warnings.append(f"manifest.json: '{REGION_STROKES}' is not a list of stroke numbers; "
                        "every stroke colours its part")
        return set()
    return {strokes[i] for i in raw}


def _load(zf: zipfile.ZipFile) -> Project:
    manifest = _manifest(zf)
    img = _image(zf, "lines.png")
    doc = Document(img.rgb, img.alpha)
    size = tuple(manifest.get("size") or doc.size)
    if size != doc.size:
        raise ProjectError(f"manifest size {size} does not match the line art {doc.size}")
    try:
        hints = HintSet.from_json(_read(zf, "hints.json", limit=MAX_HINT_FILE_BYTES) or b"{}")
    except BadHintsError as exc:
        raise ProjectError(f"hints.json: {str(exc).removeprefix('hint file ')}") from None
    doc.hints = hints.strokes
    warnings: list[str] = []
    doc.region_strokes = _region_strokes(manifest, doc.hints, warnings)
    result = _read(zf, "result.png", required=False)
    color = _read(zf, "result_color.png", required=False)
    if result is not None and color is not None:
        res_img, col_img = _image(zf, "result.png"), _image(zf, "result_color.png")
        if res_img.size == doc.size and col_img.size == doc.size:
            doc.result = ResultImages(res_img.to_array(), col_img.rgb, revision=doc.revision)
            flats_img = _image(zf, "result_flats.png", required=False)
            if flats_img is not None and flats_img.size == doc.size:
                doc.result.flats = flats_img.rgb
    project = Project(doc, Palette(), manifest, warnings)
    try:
        gpl = _read(zf, "palette.gpl", required=False, limit=MAX_GPL_BYTES)
        if gpl is not None:
            project.palette = from_gpl(gpl.decode("utf-8", errors="replace"))
    except (PaletteError, ProjectError) as exc:  # a damaged palette must not cost the picture
        project.warnings.append(f"the palette (palette.gpl) is damaged and was left out: {exc}")
    doc.guide = _load_guide(zf, project.warnings)
    doc.gap = _gap(manifest, project.warnings)
    doc.barriers = _load_barriers(zf, project.warnings)
    return project


def _gap(manifest: dict, warnings: list[str]) -> int:
    """The manifest's gap-closing size; a damaged one costs only the gap (a warning)."""
    gap = manifest.get("gap", DEFAULT_GAP)
    try:
        if not is_int(gap):  # JSON has numbers: "8" or 8.0 is not what GANime writes
            raise OptionsError(GAP.name, f"must be a whole number of px; got {short(gap)}")
        return GAP.check(gap)
    except OptionsError as exc:
        warnings.append(f"the gap-closing size in manifest.json is unusable ({exc}); "
                        f"using {DEFAULT_GAP} px")
        return DEFAULT_GAP


def _load_barriers(zf: zipfile.ZipFile, warnings: list[str]) -> tuple[barrier_io.Barrier, ...]:
    """The barrier strokes, or none (with a warning) when their part of the project is damaged."""
    try:
        raw = _read(zf, BARRIERS_MEMBER, required=False, limit=barrier_io.MAX_BARRIER_FILE_BYTES)
        return () if raw is None else tuple(barrier_io.from_json(raw, BARRIERS_MEMBER))
    except GanimeError as exc:  # BadBarriersError names the member; ProjectError too
        warnings.append(f"the barriers were left out: {exc}")
        return ()


def _load_guide(zf: zipfile.ZipFile, warnings: list[str]) -> ColourGuide:
    """The colour guide, or no guide (with a warning) when its part of the project is damaged."""
    try:
        raw = _read(zf, GUIDE_MEMBER, required=False, limit=MAX_GUIDE_BYTES)
    except ProjectError as exc:
        warnings.append(f"the colour guide ({GUIDE_MEMBER}) is damaged and was left out ({exc})")
        return ColourGuide()
    if raw is None:
        return ColourGuide()  # an older project, or none was set
    try:
        doc = parse_json(raw, GUIDE_MEMBER, GuideError)  # typed errors for depth, bytes, syntax
        version = doc.get("version", 0) if isinstance(doc, dict) else 0
        if version is not None and not is_int(version):
            raise GuideError(f"{GUIDE_MEMBER}: version must be a whole number, got {short(version)}")
        guide, ref = parse_guide_json(raw)
    except (GuideError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        warnings.append(f"the colour guide was left out: {exc}")
        return ColourGuide()
    if ref is None:
        return guide
    member = ref["file"]
    try:
        if member != REFERENCE_MEMBER:
            raise GuideError(f"unexpected reference entry {member[:40]!r}")
        png = _read(zf, member, limit=MAX_REFERENCE_BYTES)
        img = load_image(png or b"", max_pixels=(2 * REFERENCE_MAX_SIDE) ** 2)
        if max(img.size) > 2 * REFERENCE_MAX_SIDE:
            raise GuideError(f"{img.size[0]}x{img.size[1]} is larger than a reference can be")
        return guide.with_reference(Reference.from_image(img, ref["name"]))
    except (GanimeError, cv2.error, *_ZIP_ERRORS) as exc:
        reason = str(exc).removeprefix("image data: ")
        warnings.append(f"the reference picture {ref['name'][:80]!r} ({REFERENCE_MEMBER}) is damaged "
                        f"and was left out: {reason}")
        return guide
