"""The colour families of the suggestions: ``python -m training.palette_families``.

1. Each training picture's palette (``--data``, every subfolder, the training split only: never
   the validation files, ``../shared/data/samples`` or ``memory_dev``), made by the palette code
   the colour guide uses (``ganime_core.inputs.encoding.palette_from_image``: 8 Lab colours and
   their areas, paper left out), so a family's palette looks like the codes the network learnt.
2. A descriptor per palette (its weights spread softly over a coarse Lab grid, square-rooted:
   the order of the colours does not matter), k-means into ``--clusters`` groups.
3. Each group's palette: a weighted k-means of all its pictures' colours into 8.
4. What the network makes of each group's palette: ``--probes`` line drawings (XDoG) of
   training figure pictures coloured with it at 256 px (``ganime_core.suggest.preview_batch``,
   the bundled model), and the palette of those pictures.
5. ``--families`` groups of at least ``--min-pictures`` chosen far apart *in what the network
   makes of them* (the biggest group first, then each time the one whose pictures are farthest
   from those chosen, by ``suggest.palette_distance``), so no two suggestions look alike; that
   order is the display order. Each is named after its two main colours other than skin.
6. ``--out`` (default ``ganime_core/resources/colour_families.json``), written atomically.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ganime_core.color import lab_to_rgb, rgb_to_lab
from ganime_core.inputs.encoding import PALETTE_SIZE, palette_from_image
from ganime_core.io.imageio import atomic_write_bytes, composite_on_white, load_image
from ganime_core.suggest import (
    FAMILIES_FILE,
    FORMAT,
    SCHEMA_VERSION,
    ColourFamily,
    load_families,
    palette_distance,
)

from .layouts import discover, split, split_sidebyside

log = logging.getLogger("training.palette_families")
FORBIDDEN = ("samples", "memory_dev")
FIGURES = ("fullbody", "fullbody2", "illustrations")  # whole figures, as users draw them  # held-out folders: never read for the families
GRID_L = np.array([15.0, 40.0, 65.0, 90.0])
GRID_AB = np.array([-60.0, -30.0, 0.0, 30.0, 60.0])
SIGMA_L, SIGMA_AB = 14.0, 16.0
# Names for the family labels (sRGB); a family is named after its two heaviest colours that
# are neither skin nor paper.
NAMES: dict[str, tuple[int, int, int]] = {
    "black": (28, 28, 34), "charcoal": (70, 70, 80), "grey": (128, 128, 134), "silver": (192, 194, 204),
    "navy": (32, 42, 92), "blue": (60, 100, 190), "sky blue": (130, 180, 230), "teal": (40, 130, 130),
    "green": (60, 130, 60), "olive": (120, 120, 50), "mint": (160, 210, 170), "blonde": (236, 210, 130),
    "gold": (200, 160, 50), "orange": (230, 130, 50), "red": (190, 40, 40), "wine": (110, 30, 50),
    "pink": (240, 150, 180), "purple": (110, 60, 150), "lavender": (180, 160, 220),
    "brown": (110, 70, 40), "chestnut": (150, 70, 40), "tan": (190, 150, 110), "cream": (240, 230, 200),
}
SKIN = ((250, 222, 205), (245, 205, 180), (232, 190, 160), (255, 235, 225))


def pictures(data: Path, limit: int | None) -> list[tuple[Path, bool]]:
    """(path, side-by-side) of the training split's colour pictures under ``data``."""
    if any(part in FORBIDDEN for part in data.resolve().parts):
        raise SystemExit(f"{data}: held-out data ({', '.join(FORBIDDEN)}) is never used for the families")
    _, items = discover(data)
    train, _ = split(items)
    chosen = [(it.color, it.sidebyside) for it in sorted(train, key=lambda i: str(i.color))
              if not any(part in FORBIDDEN for part in it.color.parts)]
    if limit:
        rng = np.random.default_rng(0)
        chosen = [chosen[i] for i in sorted(rng.choice(len(chosen), min(limit, len(chosen)), replace=False))]
    return chosen


def palette_of_file(path: Path, sidebyside: bool) -> np.ndarray:
    img = load_image(path)
    rgb = composite_on_white(img.rgb, img.alpha)
    if sidebyside:
        rgb = split_sidebyside(rgb)[0]
    return palette_from_image(rgb)


def extract(files: list[tuple[Path, bool]], cache: Path | None) -> tuple[list[np.ndarray], list[Path]]:
    """Every picture's palette (a broken picture is skipped with a warning); with ``cache``, the
    palettes are kept in an ``.npz`` (no pickle) and reused while the file list is the same."""
    names = np.array([str(path) for path, _ in files])
    if cache is not None and cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            if z["names"].shape == names.shape and (z["names"] == names).all():
                ok = z["ok"]
                pals = [row[row[:, 3] > 0] for row in z["palettes"][ok]]
                log.info("palettes from %s", cache)
                return pals, [Path(n) for n in names[ok]]
    table = np.zeros((len(files), PALETTE_SIZE, 4), np.float32)
    ok = np.zeros(len(files), bool)
    for i, (path, sbs) in enumerate(tqdm(files, desc="palettes", unit="img", file=sys.stderr,
                                             disable=None)):
        try:
            pal = palette_of_file(path, sbs)
        except Exception as exc:  # a broken picture is skipped, never the run
            log.warning("%s: skipped (%s)", path, exc)
            continue
        table[i, :len(pal)], ok[i] = pal, len(pal) > 0
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, names=names, palettes=table, ok=ok)
    return [row[row[:, 3] > 0] for row in table[ok]], [Path(n) for n in names[ok]]


def descriptor(palette: np.ndarray) -> np.ndarray:
    """The palette's weights spread over the Lab grid (soft), square-rooted (a Hellinger vector)."""
    lab, w = palette[:, :3], palette[:, 3] / palette[:, 3].sum()
    kl = np.exp(-0.5 * ((lab[:, 0, None] - GRID_L[None]) / SIGMA_L) ** 2)
    ka = np.exp(-0.5 * ((lab[:, 1, None] - GRID_AB[None]) / SIGMA_AB) ** 2)
    kb = np.exp(-0.5 * ((lab[:, 2, None] - GRID_AB[None]) / SIGMA_AB) ** 2)
    cells = kl[:, :, None, None] * ka[:, None, :, None] * kb[:, None, None, :]
    cells /= cells.reshape(len(lab), -1).sum(axis=1)[:, None, None, None] + 1e-12
    return np.sqrt((w[:, None, None, None] * cells).sum(axis=0).ravel())


def kmeans(x: np.ndarray, k: int, seed: int, weights: np.ndarray | None = None,
           iters: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Weighted k-means (k-means++ start): (labels, centres)."""
    rng = np.random.default_rng(seed)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, np.float64)
    centres = [x[rng.choice(len(x), p=w / w.sum())]]
    for _ in range(1, k):
        d = np.min([((x - c) ** 2).sum(axis=1) for c in centres], axis=0) * w
        centres.append(x[rng.choice(len(x), p=d / d.sum())] if d.sum() > 0 else x[rng.integers(len(x))])
    c = np.array(centres, np.float64)
    labels = np.zeros(len(x), int)
    for _ in range(iters):
        labels = ((x[:, None] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
        new = np.array([np.average(x[labels == j], axis=0, weights=w[labels == j]) if (labels == j).any()
                        else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return labels, c


def family_palette(palettes: list[np.ndarray]) -> np.ndarray:
    """All the group's colours (each picture weighing 1 in all) clustered into 8: (8, 4) Lab+weight."""
    lab = np.concatenate([p[:, :3] for p in palettes])
    w = np.concatenate([p[:, 3] / p[:, 3].sum() for p in palettes])
    k = min(PALETTE_SIZE, len(lab))
    labels, centres = kmeans(lab, k, seed=1, weights=w)
    share = np.bincount(labels, weights=w, minlength=k)
    order = np.argsort(-share)
    keep = order[share[order] > 0]
    return np.concatenate([centres[keep], (share[keep] / share.sum())[:, None]], axis=1).astype(np.float32)


def colour_name(rgb: np.ndarray) -> str:
    lab = rgb_to_lab(np.asarray(rgb, np.uint8)[None])[0]
    names = list(NAMES)
    ref = rgb_to_lab(np.array([NAMES[n] for n in names], np.uint8))
    return names[int(np.linalg.norm(ref - lab, axis=1).argmin())]


def is_skin_or_paper(rgb: np.ndarray) -> bool:
    lab = rgb_to_lab(np.asarray(rgb, np.uint8)[None])[0]
    skin = rgb_to_lab(np.array(SKIN, np.uint8))
    return bool(lab[0] > 92 and np.hypot(lab[1], lab[2]) < 8) or bool(np.linalg.norm(skin - lab, axis=1).min() < 9)


def family_name(rgb: np.ndarray, taken: set[str]) -> str:
    """'navy & silver': the two heaviest distinct colour names that are not skin or paper."""
    names: list[str] = []
    for c in rgb:
        if not is_skin_or_paper(c) and (name := colour_name(c)) not in names:
            names.append(name)
    names = names or [colour_name(rgb[0])]
    for count in (2, 3, 4, len(names)):
        label = " & ".join(names[:count])
        if label not in taken:
            return label
    return f"{names[0]} {len(taken) + 1}"


def probe_lines(files: list[tuple[Path, bool]], count: int) -> list[np.ndarray]:
    """Line drawings (uint8 grey, XDoG) of ``count`` figure pictures spread over the list."""
    from .lineart import xdog

    figures = [f for f in files if any(g in f[0].parts for g in FIGURES)] or files
    picks = figures[:: max(1, len(figures) // count)][:count]
    out = []
    for path, sbs in picks:
        img = load_image(path)
        rgb = composite_on_white(img.rgb, img.alpha)
        if sbs:
            rgb = split_sidebyside(rgb)[0]
        out.append(np.rint(xdog(rgb) * 255).astype(np.uint8))
    return out


def responses(groups: list[np.ndarray], candidates: list[int], probes: list[np.ndarray],
              weights: str | None) -> dict[int, list[np.ndarray]]:
    """Per candidate group: the palettes of the probes coloured with the group's palette."""
    from ganime_core.api import Colorizer
    from ganime_core.options import ColorizeOptions
    from ganime_core.suggest import preview_batch

    colorizer = Colorizer.load(weights, device="cpu")
    opts = ColorizeOptions(working_size=256)
    out: dict[int, list[np.ndarray]] = {i: [] for i in candidates}
    for lines in tqdm(probes, desc="probes", unit="sketch", file=sys.stderr, disable=None):
        for start in range(0, len(candidates), 8):
            batch = candidates[start:start + 8]
            for i, img in zip(batch, preview_batch(colorizer, lines, [groups[i] for i in batch], opts), strict=True):
                small = cv2.resize(lines, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
                out[i].append(palette_from_image(img, mask=small > 150))
    return out


def choose(sizes: list[int], response: dict[int, list[np.ndarray]], count: int) -> list[int]:
    """``count`` groups far apart: the biggest first, then each time the one whose pictures
    are farthest (mean over the probes) from the nearest chosen one."""
    ok = list(response)
    if len(ok) < count:
        raise SystemExit(f"only {len(ok)} groups have enough pictures; lower --min-pictures")

    def apart(i: int, j: int) -> float:
        return float(np.mean([palette_distance(a, b) for a, b in zip(response[i], response[j], strict=True)]))

    picked = [max(ok, key=lambda i: sizes[i])]
    while len(picked) < count:
        rest = [i for i in ok if i not in picked]
        picked.append(max(rest, key=lambda i: min(apart(i, j) for j in picked)))
    for i in picked[1:]:
        log.info("  %d apart from the nearest other: ΔE %.1f", i,
                 min(apart(i, j) for j in picked if j != i))
    return picked


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.palette_families", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/train_color", help="colour pictures (all subfolders)")
    p.add_argument("--out", default=str(FAMILIES_FILE), help="the JSON resource to write")
    p.add_argument("--clusters", type=int, default=32, help="k-means groups before choosing (32)")
    p.add_argument("--families", type=int, default=8, help="families kept (8)")
    p.add_argument("--min-pictures", type=int, default=15, help="smallest group that may be a family (15)")
    p.add_argument("--limit", type=int, default=None, help="at most this many pictures (a fixed sample)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--probes", type=int, default=6, help="training figures the palettes are tried on (6)")
    p.add_argument("--weights", default=None, help="the model the palettes are tried with (default: bundled)")
    p.add_argument("--cache", default="runs/palette_families/palettes.npz",
                   help="keep the extracted palettes here and reuse them ('' for none)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = pictures(Path(args.data), args.limit)
    palettes, used = extract(files, Path(args.cache) if args.cache else None)
    desc = np.stack([descriptor(pal) for pal in palettes])
    runs = [kmeans(desc, args.clusters, args.seed + r) for r in range(3)]  # the tightest of 3 starts
    labels, _ = min(runs, key=lambda lc: float(((desc - lc[1][lc[0]]) ** 2).sum()))
    members = [[palettes[i] for i in np.flatnonzero(labels == j)] for j in range(args.clusters)]
    sizes = [len(m) for m in members]
    groups = [family_palette(m) if m else np.zeros((0, 4), np.float32) for m in members]
    candidates = [j for j in range(args.clusters) if sizes[j] >= args.min_pictures]
    response = responses(groups, candidates, probe_lines(files, args.probes), args.weights)
    picked = choose(sizes, response, args.families)
    families: list[ColourFamily] = []
    for j in picked:
        rgb = lab_to_rgb(groups[j][:, :3])
        name = family_name(rgb, {f.name for f in families})
        weights = np.round(groups[j][:, 3] / groups[j][:, 3].sum(), 4)
        weights[0] += 1.0 - weights.sum()
        families.append(ColourFamily(name, tuple(tuple(int(v) for v in c) for c in rgb),
                                     tuple(float(w) for w in weights), sizes[j]))
        log.info("%-28s %4d pictures  %s", name, sizes[j], " ".join("#{:02x}{:02x}{:02x}".format(*c) for c in rgb))
    doc = {"format": FORMAT, "version": SCHEMA_VERSION,
           "about": "Colour families of the suggestions: the training pictures' palettes clustered "
                    "(python -m training.palette_families); colours RGB, most used first.",
           "source": {"data": Path(args.data).name, "pictures": len(used), "clusters": args.clusters,
                      "seed": args.seed},
           "families": [f.to_json() for f in families]}
    out = Path(args.out)
    text = re.sub(r"\[[-\d.,\s]+\]", lambda m: "[" + " ".join(m.group(0)[1:-1].split()) + "]", json.dumps(doc, indent=1))
    atomic_write_bytes(out, (text + "\n").encode())
    load_families(out)  # what was written reads back
    log.info("wrote %s: %d families from %d pictures", out, len(families), len(used))
    return 0


if __name__ == "__main__":
    sys.exit(main())
