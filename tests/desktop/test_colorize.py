"""Colorize through the worker thread with a tiny random model; errors never crash."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ganime_core.inputs.hints import Stroke
from ganime_desktop.commands import add_hint
from ganime_desktop.workers import FULL, PREVIEW

TIMEOUT = 60_000  # ms; the first request also imports torch on the worker thread


def colorize_and_wait(qtbot, win) -> np.ndarray:
    def is_full(out) -> bool:
        return out.stage == FULL

    with qtbot.waitSignal(win.host.result_ready, timeout=TIMEOUT, check_params_cb=is_full):
        assert win.colorize() > 0
    assert win.doc.result is not None
    return win.doc.result.color.astype(np.int16)


def test_hints_change_the_result_in_the_hinted_area(qtbot, make_window, tiny_weights) -> None:
    win = make_window(model=tiny_weights)
    plain = colorize_and_wait(qtbot, win)
    assert plain.shape == (256, 256, 3)
    assert win.doc.result.image.shape == (256, 256, 3)
    stroke = Stroke(points=((150.0, 60.0), (220.0, 60.0)), color=(0, 255, 0), width=14.0)
    win.stack.push(add_hint(win.doc, stroke))
    hinted = colorize_and_wait(qtbot, win)
    area = np.abs(hinted[50:70, 150:220] - plain[50:70, 150:220]).mean()
    assert area > 1.0, f"hint made no difference in the hinted area ({area:.3f})"
    assert win.doc.result_is_current
    assert not win.host.busy
    assert win.prompter.errors == []


def test_a_preview_comes_only_when_the_full_result_is_slow(qtbot, make_window, tiny_weights,
                                                          monkeypatch) -> None:
    """Issue 24.4: no preview while the full result is due within FULL_DUE_S (measured); when
    it is slower, a preview at a smaller working size comes first."""
    from ganime_desktop import preview

    win = make_window(model=tiny_weights)
    stages: list[tuple[str, tuple[int, int]]] = []
    win.host.result_ready.connect(lambda out: stages.append((out.stage, out.working_size)))
    colorize_and_wait(qtbot, win)
    assert [s for s, _ in stages] == [FULL], "no preview before the full result's time is known"
    seconds = win.colorizer.full_times.estimate(win.colorizer._timing_key)
    assert seconds is not None and seconds > 0
    colorize_and_wait(qtbot, win)
    if seconds <= preview.FULL_DUE_S:  # the tiny model is quick: the full result alone
        assert [s for s, _ in stages] == [FULL, FULL]
    monkeypatch.setattr(preview, "FULL_DUE_S", 0.0)  # as if the full result were slow
    stages.clear()
    for _ in range(2):  # the first slow request makes the pair the next preview leans on
        win.stack.push(add_hint(win.doc, Stroke(points=((40.0, 40.0 + 20 * len(stages)),),
                                                color=(255, 0, 0), width=12.0)))
        colorize_and_wait(qtbot, win)
    assert [s for s, _ in stages] == [FULL, PREVIEW, FULL]
    assert stages[1][1][0] < stages[2][1][0]  # the preview ran at a smaller working size


def test_stale_results_are_dropped(qtbot, make_window, tiny_weights) -> None:
    win = make_window(model=tiny_weights)
    colorize_and_wait(qtbot, win)  # model loaded
    seen: list[int] = []
    win.host.result_ready.connect(lambda out: seen.append(out.serial))
    first = win.colorize()
    win.stack.push(add_hint(win.doc, Stroke(points=((20.0, 200.0),), color=(255, 0, 0),
                                            width=20.0)))
    second = win.colorize()
    with qtbot.waitSignal(win.host.result_ready, timeout=TIMEOUT,
                          check_params_cb=lambda out: out.stage == FULL):
        pass
    qtbot.wait(200)  # let anything still queued arrive
    assert first not in seen and second in seen
    assert win.doc.result.revision == win.doc.revision
    # a late result of an old request is ignored even if it arrives
    old = win.doc.result
    from ganime_desktop.workers import Output

    win.host._on_done(Output(first, FULL, 0, old.image * 0, old.color * 0, (8, 8), 0.0, "cpu"))
    assert win.doc.result is old
    assert win.host.dropped >= 1


def test_corrupt_weights_show_a_message_and_the_app_keeps_running(
        qtbot, make_window, tmp_path: Path) -> None:
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"\x00\x01 this is not a model" * 10)
    win = make_window(model=bad)
    win.colorize()
    qtbot.waitUntil(lambda: not win.host.busy, timeout=TIMEOUT)
    assert win.prompter.errors and "broken.safetensors" in win.prompter.errors[-1][1]
    assert "No usable model" in win.model_label.text()
    # still alive: painting and undo work
    win.stack.push(add_hint(win.doc, Stroke(points=((5.0, 5.0),), color=(1, 2, 3))))
    win.stack.undo()
    assert win.doc.hints == ()


def test_without_a_model_everything_but_colorize_works(make_window, monkeypatch) -> None:
    from ganime_desktop import settings

    monkeypatch.setattr(settings, "DEFAULT_MODEL", Path("/nonexistent/default.safetensors"))
    win = make_window()
    assert "No model" in win.model_label.text()
    assert win.colorize() == 0
    assert win.prompter.infos and "Settings" in win.prompter.infos[-1][1]
    assert win.prompter.errors == []


@pytest.mark.parametrize("name", ["lineart_1.png"])
def test_real_sketch_round_trip_through_the_worker(qtbot, make_window, tiny_weights,
                                                   samples_dir: Path, name: str) -> None:
    win = make_window(model=tiny_weights)
    assert win.files.open_path(samples_dir / name)
    out = colorize_and_wait(qtbot, win)
    assert out.shape[:2] == win.doc.lines.shape[:2]  # full resolution, not the working size


def test_flats_mode_gives_one_colour_per_region_and_a_flats_layer(
        qtbot, make_window, tiny_weights, tmp_path: Path) -> None:
    import zipfile
    from xml.etree import ElementTree

    win = make_window(model=tiny_weights)
    win.bars.mode_box.setCurrentIndex(win.bars.mode_box.findData("flats"))
    assert win.settings.color_mode == "flats"
    win.stack.push(add_hint(win.doc, Stroke(points=((60.0, 60.0), (80.0, 70.0)),
                                            color=(0, 200, 0), width=8.0)))
    color = colorize_and_wait(qtbot, win)
    inside = color[30:100, 30:100].reshape(-1, 3)  # the square's inside is one region
    assert len(np.unique(inside, axis=0)) == 1
    assert tuple(inside[0]) == (0, 200, 0)  # the hint claims the whole region
    assert win.doc.result.flats is not None
    path = tmp_path / "f.ora"
    assert win.files.export_to("ora", path)
    with zipfile.ZipFile(path) as zf:
        names = [ly.get("name") for ly in ElementTree.fromstring(zf.read("stack.xml")).iter("layer")]
    main = [n for n in names if n in ("Lines", "Shading", "Flats", "Colour", "Hints")]
    assert main == ["Lines", "Flats", "Colour", "Hints"]  # ganime_core.io.layer_files.build_stack


def test_inference_leaves_a_core_for_the_gui(monkeypatch) -> None:
    from ganime_desktop import workers

    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    assert workers.cpu_threads() == 1 and workers.cpu_threads(3) == 3
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")  # the user's explicit choice wins
    assert workers.limit_cpu_threads() == 1
    assert workers.os.environ["OMP_NUM_THREADS"] == "4"
    assert workers.os.environ["MKL_NUM_THREADS"] == "1"
