"""Image reading and writing: every kind artists hand us, with clear errors, atomic writes.

Reads PNG/JPEG/WebP/TIFF/BMP/GIF (the kinds in :data:`READABLE_KINDS`): grayscale, RGB, RGBA, palette (with transparency), 16-bit,
CMYK, EXIF-rotated and animated (first frame) images, guarded against decompression bombs.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ganime_core.errors import BadImageError, GanimeError, ImageTooLargeError
from ganime_core.imageops import to_u8

log = logging.getLogger(__name__)

MAX_PIXELS = 64_000_000  # decompression-bomb guard (an 8000x8000 sketch is allowed)
# The one list of picture kinds GANime reads (suffix -> name): folder expansion, single files,
# reference folders, drag and drop and open dialogs all ask :func:`is_image_path`.
READABLE_KINDS: dict[str, str] = {
    ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WebP", ".tif": "TIFF",
    ".tiff": "TIFF", ".bmp": "BMP", ".gif": "GIF"}
Image.MAX_IMAGE_PIXELS = None  # we apply our own, clearer guard before decoding


class WriteError(GanimeError):
    """A file could not be written (full disk, permissions, ...); nothing was replaced."""


@dataclass
class LoadedImage:
    """``rgb`` uint8 HxWx3; ``alpha`` uint8 HxW or None when the file had no transparency."""

    rgb: np.ndarray
    alpha: np.ndarray | None = None
    source: str = ""

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]

    def to_array(self) -> np.ndarray:
        """RGB or RGBA uint8 array."""
        return self.rgb if self.alpha is None else np.dstack([self.rgb, self.alpha])


def load_image(source: str | Path | bytes, *, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Read an image file (or its bytes); raise :class:`BadImageError` with a plain reason."""
    name = "image data" if isinstance(source, bytes) else Path(source).name
    if not isinstance(source, bytes):
        path = Path(source)
        if not path.exists():
            raise BadImageError(f"{name}: file not found")
        if path.is_dir():
            raise BadImageError(f"{name}: is a folder, not an image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            im = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
            with im:
                w, h = im.size
                if w * h > max_pixels:
                    raise ImageTooLargeError(
                        f"{name}: {w}x{h} is {w * h / 1e6:.0f} megapixels, above the "
                        f"{max_pixels / 1e6:.0f} MP limit; scale it down first")
                if getattr(im, "n_frames", 1) > 1:
                    log.info("%s is animated; using its first frame", name)
                    im.seek(0)
                im.load()
                return _from_pil(im, name)
    except BadImageError:
        raise
    except UnidentifiedImageError:
        raise BadImageError(f"{name}: not an image file GANime can read") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise BadImageError(f"{name}: corrupt or truncated image ({str(exc)[:120]})") from None
    except MemoryError:
        raise BadImageError(f"{name}: not enough memory to open this image") from None
    except RecursionError:
        raise BadImageError(f"{name}: corrupt image (its structure nests too deeply)") from None
    except Exception as exc:  # noqa: BLE001 - decoders of damaged files raise struct.error, EOFError, ...
        log.debug("decoder failure on %s", name, exc_info=True)
        raise BadImageError(f"{name}: corrupt or truncated image ({type(exc).__name__})") from None


def _from_pil(im: Image.Image, name: str) -> LoadedImage:
    try:
        im = ImageOps.exif_transpose(im) or im
    except Exception:  # a broken EXIF block should not make the picture unreadable
        log.warning("%s: ignoring unreadable EXIF orientation", name)
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        peak = 65535.0 if arr.max(initial=0) > 255 else 255.0
        grey = np.clip(arr / peak * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return LoadedImage(np.dstack([grey] * 3), None, name)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode in ("P", "L", "RGB") and "transparency" in im.info)
    if has_alpha:
        rgba = np.asarray(im.convert("RGBA"))
        plane = np.ascontiguousarray(rgba[..., 3])
        alpha = None if plane.min() == 255 else plane  # fully opaque: no alpha to keep
        return LoadedImage(np.ascontiguousarray(rgba[..., :3]), alpha, name)
    return LoadedImage(np.asarray(im.convert("RGB")).copy(), None, name)


def from_array(arr: np.ndarray, name: str = "array") -> LoadedImage:
    """Wrap an in-memory image: uint8 (or float in [0, 1]) grey, RGB or RGBA."""
    a = np.asarray(arr)
    if a.dtype != np.uint8:
        if np.issubdtype(a.dtype, np.floating):
            a = np.clip(np.nan_to_num(a) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        elif a.dtype == np.uint16:
            a = (a // 257).astype(np.uint8)
        else:
            raise BadImageError(f"{name}: unsupported pixel type {a.dtype}")
    if a.ndim == 2:
        return LoadedImage(np.dstack([a] * 3), None, name)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        alpha = a[..., 3].copy() if a.shape[2] == 4 else None
        return LoadedImage(np.ascontiguousarray(a[..., :3]), alpha, name)
    raise BadImageError(f"{name}: expected an HxW, HxWx3 or HxWx4 image, got shape {a.shape}")


def composite_on_white(rgb: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    if alpha is None:
        return rgb
    a = alpha.astype(np.float32)[..., None] / 255.0
    return (rgb.astype(np.float32) * a + 255.0 * (1.0 - a) + 0.5).astype(np.uint8)


# -- writing -------------------------------------------------------------------------------


def atomic_write(path: str | Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` then rename over ``path``: readers never see a half file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp_path = Path(tmp)
    try:
        writer(tmp_path)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; outputs get normal permissions
        os.replace(tmp_path, path)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    return atomic_write(path, write)


def encode_png(arr: np.ndarray, compress_level: int = 6) -> bytes:
    """uint8 grey/RGB/RGBA array -> PNG bytes."""
    a = np.asarray(arr)
    if a.dtype != np.uint8:
        a = to_u8(a)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def save_png(path: str | Path, arr: np.ndarray) -> Path:
    """Write a PNG atomically (uint8 arrays, or float in [0, 1])."""
    return atomic_write_bytes(path, encode_png(arr))


def is_image_path(path: Path) -> bool:
    """Whether ``path`` names a picture kind GANime reads (by its suffix)."""
    return path.suffix.lower() in READABLE_KINDS


def readable_kinds_text() -> str:
    """``"PNG, JPEG, WebP, TIFF, BMP, GIF"``: the kinds, for messages."""
    return ", ".join(dict.fromkeys(READABLE_KINDS.values()))
