"""The pictures a study shows: read once from the given folders, served by key only.

Only the regular files directly inside each folder are candidates (no sub-folders, no
symbolic links, no hidden files), and only those Pillow decodes as images; every skipped
file is logged by name. The page never names a file: a picture is fetched through the
trial it belongs to, so no request path reaches the file system and nothing about the
answer (folder or file name) travels to the browser. Every picture is re-encoded as PNG at
the same long side, so neither file format nor resolution tells real from generated.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

log = logging.getLogger(__name__)
REAL = "real"
MAX_PIXELS = 40_000_000  # larger files are refused (decompression bombs)
CACHE = 256  # encoded pictures kept in memory


@dataclass(frozen=True)
class Picture:
    key: str  # "<method>/<file name>" (file names made printable), unique in a study
    method: str  # "real" or the generated folder's name
    name: str  # the file name, printable (undecodable bytes as \\x escapes)
    path: Path

    @property
    def stem(self) -> str:
        """The name without its extension: real and generated versions of one sketch share it."""
        return self.name.rsplit(".", 1)[0] if "." in self.name[1:] else self.name


def printable(name: str) -> str:
    """A file name as text that SQLite, logs and JSON take (undecodable bytes, control characters escaped)."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _check(path: Path) -> str | None:
    """None when ``path`` is an image Pillow can decode; else why not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.width * im.height > MAX_PIXELS:
                    return f"{im.width}x{im.height} is over {MAX_PIXELS} pixels"
                im.verify()
    except Exception as exc:  # noqa: BLE001 - any failure means "not an image we show"
        return f"not an image ({type(exc).__name__}: {exc})"
    return None


def scan(folder: Path, method: str) -> list[Picture]:
    """The images directly inside ``folder`` (sorted by name); everything else skipped with a warning."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    out: list[Picture] = []
    for entry in sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name)):
        name = printable(entry.name)
        if entry.name.startswith("."):
            log.warning("%s: skipping %r (hidden file)", folder, name)
            continue
        if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
            log.warning("%s: skipping %r (not a regular file)", folder, name)
            continue
        why = _check(Path(entry.path))
        if why:
            log.warning("%s: skipping %r: %s", folder, name, why)
            continue
        out.append(Picture(f"{method}/{name}", method, name, Path(entry.path)))
    return out


def method_name(folder: Path) -> str:
    name = printable(folder.resolve().name)
    if not name:
        raise ValueError(f"{folder}: cannot name a method after this folder")
    return name


class Library:
    """Every picture of a study by key, and their PNG bytes at one long side (made on first use)."""

    def __init__(self, real: Path, fakes: list[Path], size: int = 512) -> None:
        if size < 16:
            raise ValueError(f"--size {size}: at least 16 pixels")
        self.size = size
        self.real = scan(real, REAL)
        if not self.real:
            raise ValueError(f"--real {real}: no images in this folder")
        self.fakes: dict[str, list[Picture]] = {}
        for folder in fakes:
            name = method_name(folder)
            if name == REAL:
                raise ValueError(f"--fake {folder}: a generated folder cannot be named '{REAL}'")
            if name in self.fakes:
                raise ValueError(f"--fake {folder}: two generated folders are named '{name}' "
                                 "(the method is the folder's name; rename one)")
            pictures = scan(folder, name)
            if not pictures:
                raise ValueError(f"--fake {folder}: no images in this folder")
            self.fakes[name] = pictures
        if not self.fakes:
            raise ValueError("at least one --fake folder is needed")
        self.by_key = {p.key: p for p in self.real + [p for ps in self.fakes.values() for p in ps]}
        self._png: OrderedDict[str, bytes] = OrderedDict()  # the most recently shown, at most CACHE
        self._lock = threading.Lock()

    @property
    def methods(self) -> list[str]:
        return list(self.fakes)

    def png(self, key: str) -> bytes:
        """The picture as PNG, its long side ``size`` (KeyError for an unknown key)."""
        with self._lock:
            if key in self._png:
                self._png.move_to_end(key)
                return self._png[key]
        picture = self.by_key[key]
        with Image.open(picture.path) as im:
            rgb = im.convert("RGB")
        scale = self.size / max(rgb.size)
        rgb = rgb.resize((max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))),
                         Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        rgb.save(buf, "PNG")
        data = buf.getvalue()
        with self._lock:
            self._png[key] = data
            while len(self._png) > CACHE:
                self._png.popitem(last=False)
        return data
