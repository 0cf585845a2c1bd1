"""The colour guide: reference picture and palette guide reach the model, undo, projects, export."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image

from ganime_core.color import lab_to_rgb
from ganime_core.inputs.encoding import palette_from_colors
from ganime_core.io.imageio import encode_png
from ganime_desktop import export as ex
from ganime_desktop.document import Document, ResultImages
from ganime_desktop.guide import REFERENCE_MAX_SIDE, ColourGuide, Reference, hex_of
from ganime_desktop.messages import FULL, Job
from ganime_desktop.palette import Palette, save_gpl
from ganime_desktop.project_io import load_project, save_project
from ganime_desktop.widgets.guide_panel import MIN_CHIP_W, chip_rects

TIMEOUT = 60_000


@pytest.fixture(scope="session")
def guide_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model with a colour input (FiLM) whose colour path is not zero, so a palette
    changes its output (a fresh FiLM head starts at zero, which would hide a lost palette)."""
    import torch

    from ganime_core.inputs.encoding import CODE_DIM
    from ganime_core.models import build_generator
    from ganime_core.runtime.weights import save_weights

    torch.manual_seed(1)
    model = build_generator("unet", {"base_width": 8, "depth": 5, "code_dim": CODE_DIM})
    with torch.no_grad():
        model.film.head.weight.normal_(0.0, 0.5)
    path = tmp_path_factory.mktemp("guide_weights") / "tiny_guide.safetensors"
    save_weights(path, model, working_size=128, training={"note": "random init, tests only"})
    return path


@pytest.fixture
def reference_png(tmp_path: Path) -> Path:
    """A wide picture (so the stored copy is scaled down): 60 % red, 30 % blue, 10 % yellow."""
    w, h = 2048, 1024  # halved exactly, at even borders: no blended colours
    img = np.zeros((h, w, 3), np.uint8)
    img[:, :1228] = (220, 30, 30)
    img[:, 1228:1844] = (30, 60, 220)
    img[:, 1844:] = (240, 220, 40)
    path = tmp_path / "my ref.png"
    path.write_bytes(encode_png(img))
    return path


def record_jobs(win) -> list[Job]:
    jobs: list[Job] = []
    submit = win.host.submit

    def spy(job: Job) -> int:
        jobs.append(job)
        return submit(job)

    win.host.submit = spy
    return jobs


def colorize_and_wait(qtbot, win) -> np.ndarray:
    with qtbot.waitSignal(win.host.result_ready, timeout=TIMEOUT,
                          check_params_cb=lambda out: out.stage == FULL):
        assert win.colorize() > 0
    return win.doc.result.color.astype(np.int16)


def test_chip_widths_follow_the_weights() -> None:
    rects = chip_rects([0.6, 0.3, 0.1, 0.0], 200)
    widths = [r.width() for r in rects]
    assert widths[0] > widths[1] > widths[2] >= MIN_CHIP_W and widths[3] == MIN_CHIP_W
    assert rects[-1].right() == 199  # the strip is filled exactly
    assert abs((widths[0] - MIN_CHIP_W) / (widths[1] - MIN_CHIP_W) - 2.0) < 0.1
    assert chip_rects([], 100) == []


def test_picking_a_reference_shows_chips_and_sends_its_palette(
        qtbot, make_window, guide_weights, reference_png: Path, prompter) -> None:
    win = make_window(model=guide_weights)
    jobs = record_jobs(win)
    plain = colorize_and_wait(qtbot, win)
    assert jobs[-1].palette is None
    prompter.open_path = str(reference_png)
    win.actions_by_name["reference"].trigger()  # Colorize → Colour reference picture…
    ref = win.doc.guide.reference
    assert ref is not None and ref.name == "my ref.png"
    assert max(ref.size) == REFERENCE_MAX_SIDE and ref.size == (1024, 512)
    panel = win.guide_panel
    assert not panel.thumb.pixmap().isNull() and panel.ref_name.text() == "my ref.png"
    chips = panel.ref_chips.chips
    assert len(chips) == 3 and panel.ref_chips.isVisible()
    # the chips are the reference's colours, the widest chip the largest area (red)
    assert chips[0][0][0] > 180 and chips[0][0][2] < 80
    assert [round(w, 1) for _, w in chips] == [0.6, 0.3, 0.1]
    widths = [r.width() for r in panel.ref_chips.rects()]
    assert widths[0] > widths[1] > widths[2]
    want = {tuple(int(v) for v in c) for c in lab_to_rgb(ref.palette[:, :3])}
    assert {c for c, _ in chips} == want
    assert win.actions_by_name["clear_reference"].isEnabled()
    assert "reference picture" in panel.status.text()
    # the colorize job carries the reference's palette, and the model's output changes
    guided = colorize_and_wait(qtbot, win)
    assert np.array_equal(jobs[-1].palette, ref.palette)
    assert np.abs(guided - plain).mean() > 1.0
    assert panel.model_note.isHidden()  # this model takes a colour guide
    # Clear reference, undo and redo
    win.actions_by_name["clear_reference"].trigger()
    assert win.doc.guide.reference is None and panel.ref_chips.chips == []
    assert panel.thumb.pixmap().isNull() and "No reference" in panel.thumb.text()
    assert not win.actions_by_name["clear_reference"].isEnabled()
    win.stack.undo()
    assert win.doc.guide.reference is ref and len(panel.ref_chips.chips) == 3
    win.stack.undo()
    assert win.doc.guide.source == "" and panel.ref_chips.chips == []
    again = colorize_and_wait(qtbot, win)
    assert jobs[-1].palette is None
    assert np.abs(again - plain).max() <= 1  # back to the unguided result
    win.stack.redo()
    assert win.doc.guide.reference is ref
    assert prompter.errors == []


def test_palette_guide_toggle_undo_and_it_wins_over_a_reference(
        make_window, reference_png: Path, tmp_path: Path, prompter) -> None:
    win = make_window()
    jobs = record_jobs(win)
    act = win.actions_by_name["palette_guide"]
    swatches = [rgb for _, rgb in win.palette_widget.palette_model.swatches[:8]]
    act.trigger()
    guide = win.doc.guide
    assert guide.use_palette and guide.source == "palette"
    assert list(guide.palette_colors) == swatches
    assert win.guide_panel.use_palette.isChecked()
    assert [c for c, _ in win.guide_panel.pal_chips.chips] == swatches
    assert np.allclose(guide.model_palette(), palette_from_colors(swatches))
    assert win.guide_ops.set_reference_path(reference_png)
    assert win.doc.guide.source == "palette"  # a palette wins over a reference
    assert win.guide_panel.ref_chips.dimmed
    # undo the reference, then the toggle: the action and the panel follow
    win.stack.undo()
    win.stack.undo()
    assert not win.doc.guide.use_palette and not act.isChecked()
    assert not win.guide_panel.use_palette.isChecked() and win.guide_panel.pal_chips.chips == []
    win.stack.redo()
    assert act.isChecked() and win.doc.guide.source == "palette"
    # the panel's checkbox drives the same action
    win.guide_panel.use_palette.click()
    assert not act.isChecked() and not win.doc.guide.use_palette
    win.guide_panel.use_palette.click()
    assert win.doc.guide.use_palette
    # loading another palette while the guide is on: the guide follows, one undo step
    gpl = tmp_path / "mine.gpl"
    save_gpl(gpl, Palette("Mine", [("a", (1, 2, 3)), ("b", (200, 10, 10))]))
    prompter.open_path = str(gpl)
    win.files.load_palette()
    assert win.doc.guide.palette_colors == ((1, 2, 3), (200, 10, 10))
    assert win.doc.guide.palette_name == "Mine"
    assert "Mine" in win.guide_panel.status.text()
    win.stack.undo()
    assert win.doc.guide.palette_colors == tuple(swatches)
    assert jobs == []  # no model, no auto-regenerate: nothing was sent
    assert prompter.errors == []


def test_a_guide_change_recolorizes_when_auto_is_on(qtbot, make_window, store, tiny_weights_v1,
                                                    reference_png: Path) -> None:
    store.setValue("auto_regen", True)
    win = make_window(model=tiny_weights_v1)  # the first design: no colour input
    jobs = record_jobs(win)
    colorize_and_wait(qtbot, win)
    sent = len(jobs)
    with qtbot.waitSignal(win.host.result_ready, timeout=TIMEOUT,
                          check_params_cb=lambda out: out.stage == FULL):
        win.guide_ops.set_reference_path(reference_png)
    assert len(jobs) == sent + 1 and jobs[-1].palette is not None
    assert win.doc.result_is_current
    # tiny_weights_v1 has no colour input: the panel says the guide cannot change its colours
    assert not win.guide_panel.model_note.isHidden()
    assert "no colour input" in win.guide_panel.model_note.text()
    # Auto off: a guide change only marks the result as out of date
    win.actions_by_name["auto"].setChecked(False)
    win.stack.undo()
    qtbot.wait(300)
    assert len(jobs) == sent + 1 and not win.doc.result_is_current


def test_bad_reference_file_is_a_message(make_window, tmp_path: Path, prompter) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    win = make_window()
    assert not win.guide_ops.set_reference_path(bad)
    assert prompter.errors and "broken.jpg" in prompter.errors[-1][1]
    assert win.doc.guide.reference is None and win.stack.count() == 0


def guided_doc(reference_png: Path) -> Document:
    from ganime_core.io.imageio import load_image

    doc = Document(np.full((40, 60, 3), 255, np.uint8))
    doc.guide = ColourGuide().with_reference(
        Reference.from_image(load_image(reference_png), reference_png.name)).with_palette(
        False, "Skin", [(250, 220, 200), (10, 20, 30)])
    return doc


def test_project_round_trip_keeps_the_guide(make_window, reference_png: Path, tmp_path: Path,
                                            prompter) -> None:
    win = make_window()
    win.guide_ops.set_reference_path(reference_png)
    win.actions_by_name["palette_guide"].trigger()
    saved = win.doc.guide
    prompter.save_path = str(tmp_path / "art.ganime")
    assert win.files.save()
    with zipfile.ZipFile(tmp_path / "art.ganime") as zf:
        assert {"guide.json", "reference.png"} <= set(zf.namelist())
        assert Image.open(io.BytesIO(zf.read("reference.png"))).size == (1024, 512)
    other = make_window()
    assert other.files.open_path(tmp_path / "art.ganime")
    back = other.doc.guide
    assert back.reference is not None and back.reference.name == "my ref.png"
    assert np.array_equal(back.reference.rgb, saved.reference.rgb)
    assert np.allclose(back.reference.palette, saved.reference.palette)
    assert back.use_palette and back.palette_colors == saved.palette_colors
    assert back.palette_name == saved.palette_name
    assert other.actions_by_name["palette_guide"].isChecked()
    assert len(other.guide_panel.ref_chips.chips) == 3
    assert not other.guide_panel.thumb.pixmap().isNull()
    assert other.stack.count() == 0 and not other.isWindowModified()
    assert prompter.errors == []


def test_a_project_without_a_guide_still_loads(make_window, tmp_path: Path, prompter) -> None:
    doc = Document(np.full((30, 40, 3), 255, np.uint8))
    save_project(tmp_path / "old.ganime", doc)
    with zipfile.ZipFile(tmp_path / "old.ganime") as zf:
        assert "guide.json" not in zf.namelist() and "reference.png" not in zf.namelist()
    project = load_project(tmp_path / "old.ganime")
    assert project.doc.guide.source == "" and project.doc.guide.reference is None
    assert project.warnings == []
    win = make_window()
    win.actions_by_name["palette_guide"].trigger()
    assert win.files.open_path(tmp_path / "old.ganime")  # the old guide does not leak into it
    assert not win.actions_by_name["palette_guide"].isChecked()
    assert win.guide_panel.ref_chips.chips == [] and prompter.errors == []


def _rewrite(path: Path, replace: dict[str, bytes | None]) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    for name, data in replace.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _huge_png() -> bytes:
    return encode_png(np.zeros((3000, 3000, 3), np.uint8), compress_level=1)


@pytest.mark.parametrize("damage, reason", [
    ({"reference.png": b"\x89PNG\r\n\x1a\n garbage"}, "reference.png"),
    ({"reference.png": None}, "reference.png"),
    ({"reference.png": "huge"}, "reference.png"),
    ({"guide.json": b"{not json"}, "guide.json"),
    ({"guide.json": b'{"version": 1, "palette_colors": [[300, 0, 0]]}'}, "RGB"),
])
def test_a_damaged_guide_is_a_clear_message_and_the_picture_still_opens(
        make_window, reference_png: Path, tmp_path: Path, prompter, damage: dict,
        reason: str) -> None:
    doc = guided_doc(reference_png)
    doc.lines[10, :] = 0
    path = tmp_path / "art.ganime"
    save_project(path, doc)
    _rewrite(path, {k: (_huge_png() if v == "huge" else v) for k, v in damage.items()})
    win = make_window()
    assert win.files.open_path(path)
    assert np.array_equal(win.doc.lines, doc.lines)  # the work itself is not lost
    assert win.doc.guide.reference is None
    assert len(prompter.errors) == 1
    title, text = prompter.errors[0]
    assert "art.ganime" in text and reason in text, text
    assert win.guide_panel.ref_chips.chips == []


def test_export_metadata_names_the_guide(reference_png: Path, tmp_path: Path) -> None:
    doc = guided_doc(reference_png)
    doc.result = ResultImages(np.full((40, 60, 3), 90, np.uint8),
                              np.full((40, 60, 3), 90, np.uint8), 0)
    colours = " ".join(hex_of(c) for c, _ in doc.guide.reference_chips())
    ex.export_png(tmp_path / "a.png", doc)
    with Image.open(tmp_path / "a.png") as im:
        text = dict(im.text)
        assert np.asarray(im.convert("RGB"))[0, 0, 0] == 90
    assert text["GANime guide"] == "reference"
    assert text["GANime reference"] == "my ref.png"
    assert text["GANime guide colours"] == colours and colours.count("#") == 3
    assert text["Software"].startswith("GANime ")
    ex.export_ora(tmp_path / "a.ora", doc)
    with zipfile.ZipFile(tmp_path / "a.ora") as zf:
        root = ElementTree.fromstring(zf.read("stack.xml"))
        with Image.open(io.BytesIO(zf.read("mergedimage.png"))) as merged:
            assert merged.text["GANime reference"] == "my ref.png"
    ns = "{" + ex.ORA_NS + "}"
    assert root.get(ns + "reference") == "my ref.png"
    assert root.get(ns + "guide-colours") == colours
    assert root.get("w") == "60"
    # the palette guide wins: its colours are what the export names
    doc.guide = doc.guide.with_palette(True, "Skin", [(250, 220, 200), (10, 20, 30)])
    ex.export_png(tmp_path / "b.png", doc)
    with Image.open(tmp_path / "b.png") as im:
        assert im.text["GANime guide"] == "palette"
        assert im.text["GANime guide colours"] == "#fadcc8 #0a141e"
        assert im.text["GANime palette"] == "Skin"
    # no guide: only the software
    doc.guide = ColourGuide()
    ex.export_png(tmp_path / "c.png", doc)
    with Image.open(tmp_path / "c.png") as im:
        assert "GANime guide" not in im.text and "Software" in im.text


def test_autosave_recovery_keeps_the_guide(make_window, reference_png: Path,
                                           tmp_path: Path) -> None:
    win = make_window(recovery=tmp_path / "rec")
    win.guide_ops.set_reference_path(reference_png)
    assert win.files.autosave()
    back = load_project(win.recovery.project)
    assert back.doc.guide.reference is not None and back.doc.guide.reference.name == "my ref.png"
    assert back.warnings == []
