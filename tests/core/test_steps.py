"""The post-processing steps: each touches only the fields it declares, reads only what is set
before it runs, and the chain runs in full for a model with the current inputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from ganime_core.inputs.hints import Stroke
from ganime_core.post import steps as steps_mod
from ganime_core.post.steps import INPUTS, STEPS, Picture, run_steps

FIELDS = {f.name for f in dataclasses.fields(Picture)}


def test_every_step_declares_real_fields_and_reads_what_is_set_before_it() -> None:
    assert set(INPUTS) <= FIELDS
    available = set(INPUTS)
    for step in STEPS:
        assert set(step.reads) <= FIELDS and set(step.writes) <= FIELDS, step.name
        assert set(step.reads) <= available | set(step.writes), \
            f"{step.name} reads {sorted(set(step.reads) - available)} before any step writes it"
        available |= set(step.writes)
    assert "image" in available and "full_colour" in available


class _Watch:
    """A Picture stand-in that records which fields a step reads and writes."""

    def __init__(self, pic: Picture) -> None:
        object.__setattr__(self, "_pic", pic)
        object.__setattr__(self, "read", set())
        object.__setattr__(self, "written", set())

    def __getattr__(self, name: str):
        self.read.add("dense" if name == "claimed" else name)
        return getattr(self._pic, name)

    def __setattr__(self, name: str, value) -> None:
        self.written.add(name)
        setattr(self._pic, name, value)


def _picture(colorizer, samples: Path, **options) -> Picture:
    """A real picture set up by the API as ``colorize`` does, before its steps run."""
    from ganime_core.io.imageio import load_image
    from ganime_core.options import ColorizeOptions

    img = load_image(samples / "lineart_2.png")
    w, h = img.size
    opts = ColorizeOptions(**options)
    page = colorizer._page(img, opts.working_size or 128, None, opts.gap)
    hints = [Stroke(((w * 0.45, h * 0.2), (w * 0.55, h * 0.22)), (40, 70, 200), 6)]
    from ganime_core.inputs.hints import as_hint_raster as _hint_raster

    small = _hint_raster(hints, w, h, to=(page.w, page.h))
    pic = colorizer._network_pass(opts, page, small, np.array([[60, 20, -30, 1.0]] * 8, np.float32))
    pic.full_hints = _hint_raster(hints, w, h)
    return pic


@pytest.mark.parametrize("mode", ["plain", "locked"])
def test_each_step_touches_only_what_it_declares(tiny_colorizer, samples_dir: Path, mode: str) -> None:
    pic = _picture(tiny_colorizer, samples_dir, mode=mode)
    ran = []
    for step in STEPS:
        if not step.applies(pic):
            continue
        watch = _Watch(pic)
        step(watch)  # type: ignore[arg-type]
        ran.append(step.name)
        assert watch.read <= set(step.reads) | set(step.writes), (step.name, watch.read - set(step.reads))
        assert watch.written <= set(step.writes), (step.name, watch.written - set(step.writes))
    expected = [s.name for s in STEPS if (mode != "plain" or s.name != "region modes")
                and (pic.part is not None or s.name != "part colour")]
    assert ran == expected  # the current inputs and a guide: every step runs


def test_the_watch_catches_an_undeclared_read(tiny_colorizer, samples_dir: Path) -> None:
    pic = _picture(tiny_colorizer, samples_dir)
    watch = _Watch(pic)
    steps_mod.Clean()(watch)  # type: ignore[arg-type]
    assert "skip" in watch.read and "page" not in watch.read
    assert not ({"skip", "regions"} <= set(steps_mod.Upsample.reads))


def test_run_steps_skips_what_does_not_apply(tiny_colorizer, samples_dir: Path) -> None:
    pic = _picture(tiny_colorizer, samples_dir, paper=False, clean=False, hint_scope="network")
    before = pic.colour.copy()
    run_steps(pic, [s for s in STEPS if s.name in ("hint scope", "paper", "holes", "clean")])
    assert np.array_equal(pic.colour, before)
    run_steps(pic)
    assert pic.image is not None and pic.image.shape[:2] == pic.page.full.shape
