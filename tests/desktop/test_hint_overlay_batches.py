"""The hint overlay draws whole batches (a bucket fill) at once and undoes them from its
journal, and its pixels always equal a full redraw. Speed lives in benchmarks, not here."""

from __future__ import annotations

import numpy as np
import pytest

from ganime_core.inputs.hints import Stroke, rasterize
from ganime_desktop import hint_overlay
from ganime_desktop.hint_overlay import HintOverlay
from ganime_desktop.regionfill import fill_strokes

W, H = 240, 180
Strokes = tuple[Stroke, ...]


def full(strokes: Strokes, w: int = W, h: int = H) -> np.ndarray:
    return rasterize(strokes, w, h).to_rgba()


def assert_exact(ov: HintOverlay, strokes: Strokes, w: int = W, h: int = H) -> None:
    assert ov.strokes == strokes
    assert np.array_equal(ov.rgba, full(strokes, w, h)), "overlay differs from a full redraw"


def freehand(rng: np.random.Generator, n: int, erase_every: int = 0) -> Strokes:
    out = []
    for i in range(n):
        pts = tuple((float(x), float(y)) for x, y in rng.uniform(-20, 260, (4, 2)))
        out.append(Stroke(points=pts, color=tuple(int(c) for c in rng.integers(0, 256, 3)),
                          width=float(rng.uniform(1, 14)),
                          erase=bool(erase_every) and i % erase_every == erase_every - 1))
    return tuple(out)


def fills() -> tuple[Strokes, Strokes]:
    """A fill touching every edge (the background) and one inside the picture."""
    yy, xx = np.mgrid[:H, :W]
    disc = (xx - 120) ** 2 + (yy - 95) ** 2 < 60 ** 2
    return fill_strokes(~disc, (30, 40, 220)), fill_strokes(disc, (230, 30, 20))


def test_a_whole_fill_is_drawn_in_one_step_and_matches_a_full_redraw() -> None:
    base = freehand(np.random.default_rng(0), 12, erase_every=4)
    background, disc = fills()
    assert len(background) > 20 and len(disc) > 20
    ov = HintOverlay()
    ov.update(base, W, H)
    before = ov.rgba
    for strokes in (base + background, base + background + disc):
        assert not ov.update(strokes, W, H), "added strokes are drawn in place"
        assert ov.rgba is before
        assert_exact(ov, strokes)


def test_undo_and_redo_of_fills_restore_exact_pixels() -> None:
    base = freehand(np.random.default_rng(1), 8, erase_every=3)
    background, disc = fills()
    states = [base, base + background, base + background + disc]
    ov = HintOverlay()
    for s in states:
        ov.update(s, W, H)
    for s in (states[1], states[0], states[1], states[2], states[0], states[2]):
        ov.update(s, W, H)
        assert_exact(ov, s)


def test_a_new_stroke_after_undo_replaces_the_undone_fill() -> None:
    rng = np.random.default_rng(2)
    base = freehand(rng, 6)
    background, disc = fills()
    ov = HintOverlay()
    ov.update(base + disc, W, H)
    other = base + freehand(rng, 3, erase_every=2) + background  # shares only ``base``
    assert ov.update(other, W, H), "earlier strokes changed: callers re-read rgba"
    assert_exact(ov, other)
    cut = other[:len(base) + 1]  # undo into the middle of a drawn batch
    ov.update(cut, W, H)
    assert_exact(ov, cut)


def test_erase_strokes_in_a_batch_clear_what_is_under_them() -> None:
    background, disc = fills()
    wipe = tuple(Stroke(points=((float(x), 0.0), (float(x), 179.0)), width=9.0, erase=True)
                 for x in range(10, 240, 40))
    repaint = (Stroke(points=((0.0, 90.0), (239.0, 90.0)), color=(0, 0, 0), width=5.0),)
    ov = HintOverlay()
    ov.update(background, W, H)
    for strokes in (background + disc + wipe + repaint, background + wipe, background):
        ov.update(strokes, W, H)
        assert_exact(ov, strokes)


def test_clear_and_a_new_picture_size() -> None:
    background, disc = fills()
    ov = HintOverlay()
    ov.update(background + disc, W, H)
    kept = ov.rgba
    assert ov.update((), W, H)
    assert ov.rgba is kept and not ov.rgba.any()
    ov.update(disc, W, H)
    assert_exact(ov, disc)
    assert ov.update(disc, 200, 200), "a new size is a new array"
    assert ov.rgba is not kept
    assert_exact(ov, disc, 200, 200)


def test_half_pixel_points_land_where_the_full_redraw_puts_them() -> None:
    """A box shift must not round a .5 coordinate the other way (round-half-even)."""
    ov = HintOverlay()
    strokes: Strokes = ()
    for i, x in enumerate(np.arange(20.0, 60.0, 0.5)):
        strokes += (Stroke(points=((float(x), 30.5 + i % 7), (float(x) + 3.5, 60.5)),
                           width=(1.0, 3.0, 4.0)[i % 3], color=(i, 100, 200)),)
        ov.update(strokes, W, H)
    assert_exact(ov, strokes)


def test_thin_and_far_strokes_cut_by_the_picture_edge() -> None:
    """Strokes that start far outside are clipped at the picture's edge like a full redraw."""
    rng = np.random.default_rng(4)
    strokes: Strokes = ()
    ov = HintOverlay()
    for _ in range(40):
        pts = tuple((float(x), float(y)) for x, y in rng.uniform(-700, 900, (2, 2)))
        batch = tuple(Stroke(points=pts, width=float(w), color=(9, 9, 9))
                      for w in rng.choice([0.5, 1.0, 1.5, 7.0], 2))
        strokes += batch
        ov.update(strokes, W, H)
        assert_exact(ov, strokes)


def test_undo_past_the_journal_budget_still_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hint_overlay, "JOURNAL_BYTES", 30_000)  # holds only small batches
    background, disc = fills()
    small = freehand(np.random.default_rng(5), 5)
    states = [disc, disc + background, disc + background + small]
    ov = HintOverlay()
    for s in states:
        ov.update(s, W, H)
    for s in reversed(states):
        ov.update(s, W, H)
        assert_exact(ov, s)


def test_random_edits_always_match_a_full_redraw() -> None:
    rng = np.random.default_rng(6)
    ov = HintOverlay()
    strokes: Strokes = ()
    for _ in range(60):
        roll = rng.random()
        if roll < 0.55:
            strokes += freehand(rng, int(rng.integers(1, 15)), erase_every=3)
        elif roll < 0.8:
            strokes = strokes[:int(rng.integers(0, len(strokes) + 1))]
        else:
            keep = int(rng.integers(0, len(strokes) + 1))
            strokes = strokes[:keep] + freehand(rng, 2, erase_every=2)
        ov.update(strokes, W, H)
        assert_exact(ov, strokes)


def test_undoing_a_clear_pastes_the_old_layer_back(monkeypatch: pytest.MonkeyPatch) -> None:
    base = freehand(np.random.default_rng(5), 10, erase_every=4)
    background, disc = fills()
    strokes = base + background + disc
    ov = HintOverlay()
    ov.update(base, W, H)
    ov.update(base + background, W, H)
    ov.update(strokes, W, H)
    ov.update((), W, H)  # Clear hints
    assert_exact(ov, ())
    calls: list[int] = []
    real = hint_overlay.rasterize
    monkeypatch.setattr(hint_overlay, "rasterize", lambda s, *a: calls.append(len(s)) or real(s, *a))
    ov.update(strokes, W, H)  # undo the clear: no stroke is drawn again
    assert calls == []
    assert_exact(ov, strokes)
    ov.update(base + background, W, H)  # the journal came back with it: undo the disc fill
    assert calls == [] and ov.strokes == base + background
    monkeypatch.undo()
    assert_exact(ov, base + background)
    ov.update((), W, H)
    ov.update((disc[0],), W, H)  # drawing after a clear forgets the cleared layer
    ov.update((), W, H)
    ov.update(strokes[:3], W, H)
    assert_exact(ov, strokes[:3])
