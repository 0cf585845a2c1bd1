"""Per-picture colour scores for ``training.evaluate`` (see ``color_metrics`` and ``hint_protocols``).

For one ground-truth pair and a reference picture from another pair, through the app's
``Colorizer``: colourfulness of the output and the ground truth, whole-picture CIEDE2000 with no
hints / 5 ground-truth dots / the ground truth's palette, the palette distance to a foreign
reference with and without it, grid energy, paper whiteness, the leak of one saturated hint,
and (optionally) the Hint-AUC curve.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganime_core.api import Colorizer
from ganime_core.color import rgb_to_lab
from ganime_core.inputs.encoding import palette_from_image
from ganime_core.regions.segment import segment

from .color_metrics import (
    colourfulness,
    grid_energy,
    mean_delta_e,
    output_palette,
    palette_distance,
    paper_mask,
    paper_white,
)
from .hint_protocols import AUC_SHARES, auc_hints, gt_dots, leak_probe


def _run(colorizer: Colorizer, lines_u8: np.ndarray, **kw: Any) -> tuple[np.ndarray, np.ndarray]:
    r = colorizer.colorize(lines_u8, working_size=max(lines_u8.shape), **kw)
    return r.image[..., :3], r.color


def colour_scores(colorizer: Colorizer, lines: np.ndarray, target: np.ndarray,
                  reference: np.ndarray | None = None, *, auc: bool = False) -> dict[str, float]:
    """Scores for one picture (lines float HxW in [0, 1], target uint8 HxWx3)."""
    lines_u8 = (np.clip(lines, 0, 1) * 255 + 0.5).astype(np.uint8)
    regions = segment(lines)
    out: dict[str, float] = {}
    plain, plain_color = _run(colorizer, lines_u8)
    out["colourfulness"] = colourfulness(plain)
    out["colourfulness_gt"] = colourfulness(target)
    out["de_none"] = mean_delta_e(plain, target)
    out["grid_energy"] = grid_energy(plain_color, lines)
    white = paper_white(plain, paper_mask(lines, target, regions))
    if white is not None:
        out["paper_white"] = white
    dots = gt_dots(regions, target, 5)
    if dots is not None:
        out["de_dots5"] = mean_delta_e(_run(colorizer, lines_u8, hints=dots)[0], target)
    gt_pal = palette_from_image(target)
    out["de_palette"] = mean_delta_e(_run(colorizer, lines_u8, palette=gt_pal)[0], target)
    if reference is not None:
        ref_pal = palette_from_image(reference)
        with_ref = _run(colorizer, lines_u8, reference=reference)[0]
        out["ref_dist_without"] = palette_distance(output_palette(plain, lines), ref_pal)
        out["ref_dist_with"] = palette_distance(output_palette(with_ref, lines), ref_pal)
    probe = leak_probe(regions, target)
    if probe is not None:
        hint, colour, own, other = probe
        hinted = _run(colorizer, lines_u8, hints=hint)[0]
        lab_h, lab_p = rgb_to_lab(hinted), rgb_to_lab(plain)
        if other.any():
            out["leak_de76"] = float(np.linalg.norm(lab_h[other] - lab_p[other], axis=1).mean())
        own_med = np.median(lab_h[own], axis=0)
        out["own_de76"] = float(np.linalg.norm(own_med - rgb_to_lab(colour.reshape(1, 3))[0]))
    if auc:
        for share in AUC_SHARES:
            hints = auc_hints(regions, target, share)
            img = plain if hints is None else _run(colorizer, lines_u8, hints=hints)[0]
            out[f"auc_{share:g}"] = mean_delta_e(img, target)
    return out


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    """Means over pictures, plus the derived ratios the issue's goals are stated in."""
    keys = sorted({k for r in rows for k in r})
    s = {k: float(np.nanmean([r[k] for r in rows if k in r])) for k in keys}
    if s.get("colourfulness_gt"):
        s["colourfulness_ratio"] = s["colourfulness"] / s["colourfulness_gt"]
    if "de_none" in s:
        for k in ("de_dots5", "de_palette"):
            if k in s:
                s[k + "_gain"] = 1.0 - s[k] / s["de_none"]
    if s.get("ref_dist_without"):
        s["ref_closer"] = 1.0 - s["ref_dist_with"] / s["ref_dist_without"]
    aucs = [s[f"auc_{a:g}"] for a in AUC_SHARES if f"auc_{a:g}" in s]
    if len(aucs) == len(AUC_SHARES):  # area under ΔE vs log-ish share, normalised to [0, 1] axis
        s["hint_auc"] = float(np.trapezoid(aucs, np.linspace(0, 1, len(aucs))))
    return {k: round(v, 4) for k, v in s.items()}
