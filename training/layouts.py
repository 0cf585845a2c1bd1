"""Finding training pairs on disk: three layouts, an 80/20 split by file, readable errors.

(a) ``sidebyside``: one image per pair, colour and sketch halves side by side (the Kaggle
    "Anime Sketch Colorization Pair" layout); which half is the sketch is detected per file.
(b) ``pairs``: ``NNN_sketch.png`` / ``NNN_color.png`` in one folder, or parallel folders
    ``sketch/`` + ``color/`` (also ``sketches``/``colors``, ``lineart``/``colour``) with equal names.
(c) ``color``: colour images only; line art is extracted by ``training.lineart``.
Files in each top-level sub-folder (``group``) are split separately so small folders are
represented in both the training and the validation split.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganime_core.io.imageio import is_image_path

log = logging.getLogger(__name__)

LAYOUTS = ("auto", "sidebyside", "pairs", "color")
SKETCH_DIRS = ("sketch", "sketches", "lineart", "line", "lines")
COLOR_DIRS = ("color", "colors", "colour", "colours")


@dataclass(frozen=True)
class Item:
    """One training example: a colour image, and its sketch when the data has one."""

    color: Path
    sketch: Path | None = None
    sidebyside: bool = False
    group: str = ""

    @property
    def name(self) -> str:
        return str(self.color)


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_image_path(p))


def _group(root: Path, path: Path) -> str:
    rel = path.relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else ""


def _stem_role(path: Path) -> tuple[str, str] | None:
    stem = path.stem
    for role, suffixes in (("sketch", ("_sketch", "-sketch")), ("color", ("_color", "-color", "_colour"))):
        for s in suffixes:
            if stem.lower().endswith(s):
                return stem[: -len(s)], role
    return None


def find_pairs(root: Path, files: list[Path]) -> list[Item]:
    """``NNN_sketch`` / ``NNN_color`` files in the same folder."""
    found: dict[tuple[Path, str], dict[str, Path]] = {}
    for p in files:
        role = _stem_role(p)
        if role:
            found.setdefault((p.parent, role[0]), {})[role[1]] = p
    items = [Item(color=d["color"], sketch=d["sketch"], group=_group(root, d["color"]))
             for d in found.values() if "color" in d and "sketch" in d]
    return sorted(items, key=lambda i: str(i.color))


def find_parallel(root: Path) -> list[Item]:
    """Parallel folders ``sketch/`` and ``color/`` holding files with the same stem."""
    sk = next((root / d for d in SKETCH_DIRS if (root / d).is_dir()), None)
    co = next((root / d for d in COLOR_DIRS if (root / d).is_dir()), None)
    if sk is None or co is None:
        return []
    sketches = {p.relative_to(sk).with_suffix(""): p for p in _images(sk)}
    items = []
    for p in _images(co):
        s = sketches.get(p.relative_to(co).with_suffix(""))
        if s is not None:
            items.append(Item(color=p, sketch=s))
    return items


def _looks_sidebyside(files: list[Path]) -> bool:
    """Most images are twice as wide as tall (checked on up to 20 headers)."""
    from PIL import Image

    votes = 0
    checked = files[:20]
    for p in checked:
        try:
            with Image.open(p) as im:
                w, h = im.size
        except Exception:  # noqa: BLE001 - unreadable files are reported when loaded
            continue
        votes += int(abs(w - 2 * h) <= max(2, h // 50))
    return bool(checked) and votes > len(checked) / 2


def discover(root: str | Path, layout: str = "auto") -> tuple[str, list[Item]]:
    """The layout and the items of a data folder (``layout='auto'`` detects it)."""
    root = Path(root)
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if not root.is_dir():
        raise FileNotFoundError(f"data folder not found: {root}")
    files = _images(root)
    if layout in ("auto", "pairs"):
        items = find_parallel(root) or find_pairs(root, files)
        if items or layout == "pairs":
            if not items:
                raise ValueError(f"{root}: no NNN_sketch/NNN_color pairs or sketch/ + color/ folders found")
            return "pairs", items
    if layout == "sidebyside" or (layout == "auto" and _looks_sidebyside(files)):
        return "sidebyside", [Item(color=p, sidebyside=True, group=_group(root, p)) for p in files]
    if not files:
        raise ValueError(f"{root}: no images found")
    return "color", [Item(color=p, group=_group(root, p)) for p in files]


def split(items: list[Item], val_fraction: float = 0.2, seed: int = 0) -> tuple[list[Item], list[Item]]:
    """A fixed-seed split by file, done per group; every group with 2+ files gets a validation share."""
    train: list[Item] = []
    val: list[Item] = []
    groups: dict[str, list[Item]] = {}
    for it in sorted(items, key=lambda i: str(i.color)):
        groups.setdefault(it.group, []).append(it)
    for g, members in sorted(groups.items()):
        rng = np.random.default_rng([seed, len(members), sum(map(ord, g))])
        order = rng.permutation(len(members))
        n_val = int(round(len(members) * val_fraction))
        if val_fraction > 0 and len(members) >= 2:
            n_val = max(1, n_val)
        val += [members[i] for i in order[:n_val]]
        train += [members[i] for i in order[n_val:]]
    log.info("split: %d training, %d validation files (%.0f%% held out, seed %d)",
             len(train), len(val), 100 * val_fraction, seed)
    return train, val


def split_sidebyside(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(colour, sketch) halves of a side-by-side pair; the sketch is the less saturated half."""
    h, w = rgb.shape[:2]
    left, right = rgb[:, : w // 2], rgb[:, w - w // 2:]

    def saturation(a: np.ndarray) -> float:
        f = a.astype(np.float32)
        return float((f.max(axis=2) - f.min(axis=2)).mean())

    sl, sr = saturation(left), saturation(right)
    if abs(sl - sr) < 1.0:  # both grey (e.g. manga tones): the sketch is the brighter half
        return (right, left) if left.mean() > right.mean() else (left, right)
    return (right, left) if sl < sr else (left, right)
