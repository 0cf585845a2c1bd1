"""One layer stack (ganime_core.io.layer_files) for the app's export, the CLI and the service, and one
table of export formats (ganime_core.io.formats): an unknown suffix is an error, never hint JSON."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image

from ganime_core.errors import ExportError
from ganime_core.inputs.hints import HintSet, Stroke, rasterize
from ganime_core.io import formats
from ganime_core.io.layer_files import build_stack, leaves, ora_bytes, result_ora, result_stack
from ganime_desktop import export as ex
from ganime_desktop.document import Document, ResultImages

ROOT = Path(__file__).resolve().parents[2]
H, W = 48, 64
HINT = Stroke(points=((40.0, 30.0), (50.0, 30.0)), color=(0, 200, 0), width=5.0)


def _barriers() -> np.ndarray:
    mask = np.zeros((H, W), bool)
    mask[5:40, 20:23] = True
    return mask


@pytest.fixture(scope="module")
def result(tiny_weights: Path):
    """A real colorize result with region layers (flats mode) from a tiny random model."""
    from ganime_core.api import Colorizer

    lines = np.full((H, W, 3), 255, np.uint8)
    lines[:, 31] = 0
    lines[20, :] = 0
    colorizer = Colorizer.load(tiny_weights, device="cpu")
    return colorizer.colorize(lines, HintSet((HINT,), (W, H)), mode="flats", layers=True)


def _doc_of(result, *, flats: bool) -> Document:
    """The app's document holding ``result`` (its line art = the result's lines)."""
    lines_u8 = np.clip(np.rint(result.lines * 255.0), 0, 255).astype(np.uint8)
    doc = Document(np.repeat(lines_u8[..., None], 3, axis=2), result.alpha)
    doc.hints = (HINT,)
    doc.result = ResultImages(result.image, result.color, 0,
                              flats=result.layers.flats if flats else None)
    return doc


def _same(a, b) -> None:
    assert [ly.name for ly in a] == [ly.name for ly in b]
    a, b = leaves(a), leaves(b)
    assert [(ly.name, ly.visible, ly.blend) for ly in a] == [(ly.name, ly.visible, ly.blend) for ly in b]
    for la, lb in zip(a, b, strict=True):
        assert np.array_equal(la.rgba, lb.rgba), la.name


def test_cli_and_app_build_the_same_stack(result) -> None:
    """The stack the CLI and the service build from a Result (``result_stack``) is the one the
    app exports for a document holding that result: same layers, order, blend, visibility, pixels."""
    hints = rasterize([HINT], W, H)
    mask = _barriers()
    cli = result_stack(result, hints=hints, barriers=mask)
    assert [ly.name for ly in cli] == ["Lines", "Shading", "Flats", "Flats by part", "Colour", "Hints", "Barriers"]
    app = ex.layers(_doc_of(result, flats=True), barriers=mask)
    _same([ly for ly in cli if ly.name != "Shading"], app)  # the app's result has no shading yet
    plain = dataclasses.replace(result, layers=None)
    _same(result_stack(plain, hints=hints, barriers=mask),
          ex.layers(_doc_of(result, flats=False), barriers=mask))


def _ora_layers(data: bytes) -> dict[str, tuple[ElementTree.Element, np.ndarray]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = ElementTree.fromstring(zf.read("stack.xml"))
        return {ly.get("name"): (ly, np.asarray(Image.open(io.BytesIO(zf.read(ly.get("src"))))))
                for ly in root.find("stack").findall("layer")}


def test_barriers_are_a_hidden_layer_of_the_ora(result, tmp_path: Path) -> None:
    mask = _barriers()
    path = ex.export_ora(tmp_path / "b.ora", _doc_of(result, flats=True), barriers=mask)
    layers = _ora_layers(path.read_bytes())
    assert list(layers) == ["Lines", "Flats", "Colour", "Hints", "Barriers"]
    node, pixels = layers["Barriers"]
    assert node.get("visibility") == "hidden" and node.get("composite-op") == "svg:src-over"
    assert np.array_equal(pixels[..., 3] == 255, mask)  # opaque exactly on the barrier
    assert layers["Lines"][0].get("visibility") == "visible"
    without = _ora_layers(ex.export_ora(tmp_path / "n.ora", _doc_of(result, flats=True)).read_bytes())
    assert "Barriers" not in without  # no mask, no layer


def test_service_ora_is_the_shared_stack(result) -> None:
    data = result_ora(result)
    assert list(_ora_layers(data)) == ["Lines", "Shading", "Flats", "Colour"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = ElementTree.fromstring(zf.read("stack.xml"))
        group = root.find("stack").find("stack")
        assert group is not None and group.get("name") == "Flats by part" and group.get("visibility") == "hidden"
        every = {ly.get("name"): np.asarray(Image.open(io.BytesIO(zf.read(ly.get("src"))))) for ly in root.iter("layer")}
    for layer in leaves(result_stack(result)):
        assert np.array_equal(every[layer.name], layer.rgba), layer.name


def test_the_flats_by_part_add_up_to_the_flats_one_colour_a_layer(result, tmp_path: Path) -> None:
    from psd_tools import PSDImage

    from ganime_core.io.layer_files import Group, part_group, write_layer_folder, write_psd

    flats = result.layers.flats
    group = part_group(flats)
    assert isinstance(group, Group) and not group.visible
    colours = {tuple(c) for c in flats.reshape(-1, 3)}
    assert len(group.layers) == min(len(colours), 64)
    total = np.zeros(flats.shape[:2], np.int32)
    for layer in group.layers:
        on = layer.rgba[..., 3] > 0
        total += on
        assert len({tuple(c) for c in layer.rgba[on][:, :3]}) == 1 or layer.name.endswith("other colours")
        assert np.array_equal(layer.rgba[on][:, :3], flats[on])
    assert (total == 1).all(), "every pixel of the flats is in exactly one part layer"
    sizes = [int((ly.rgba[..., 3] > 0).sum()) for ly in group.layers]
    assert sizes == sorted(sizes, reverse=True) and group.layers[0].name.startswith("01 ")
    assert part_group(np.zeros((8, 8, 3), np.uint8)) is None  # one colour: no parts to split
    stack = result_stack(result)
    psd = PSDImage.open(write_psd(tmp_path / "p.psd", stack))
    folders = [ly for ly in psd if ly.is_group()]
    assert [f.name for f in folders] == ["Flats by part"] and not folders[0].visible
    assert [ly.name for ly in folders[0]] == [ly.name for ly in reversed(group.layers)] or \
        [ly.name for ly in folders[0]] == [ly.name for ly in group.layers]
    written = write_layer_folder(tmp_path / "folder", stack, result.image)
    sub = [p for p in written if p.parent.name == "flats-by-part"]
    assert len(sub) == len(group.layers) and all(p.suffix == ".png" for p in sub)


def test_a_mask_of_the_wrong_size_is_an_export_error() -> None:
    color = np.zeros((H, W, 3), np.uint8)
    with pytest.raises(ExportError, match="barriers layer is 10x10 px, the picture 64x48"):
        build_stack(color, color, barriers=np.zeros((10, 10), bool))
    with pytest.raises(ExportError, match="at least one layer"):
        ora_bytes([], color)


def test_unknown_suffix_is_an_error_never_hint_json(tmp_path: Path) -> None:
    doc = Document.blank(W, H)
    doc.hints = (HINT,)
    for name in ("x.bmp", "x.txt", "noext"):
        with pytest.raises(ExportError, match=f"{name}: GANime cannot export"):
            ex.export(tmp_path / name, doc)
        assert not (tmp_path / name).exists()
    with pytest.raises(ExportError, match="unknown export kind 'gif'"):
        ex.export(tmp_path / "x.png", doc, "gif")
    ex.export(tmp_path / "h.json", doc)  # .json by suffix = the hint strokes, on purpose
    assert json.loads((tmp_path / "h.json").read_text())["strokes"]
    with pytest.raises(ExportError, match="(?i)colorize first"):
        ex.export(tmp_path / "x.png", doc)  # .png by suffix = the result, which is missing


def test_format_table_is_complete_and_consistent() -> None:
    assert [f.kind for f in formats.FORMATS] == ["png", "color", "ora", "psd", "hints", "hints_json"]
    assert {s: f.kind for s, f in formats.BY_SUFFIX.items()} == {
        ".png": "png", ".ora": "ora", ".psd": "psd", ".json": "hints_json"}
    assert [f.kind for f in formats.FORMATS if f.layered] == ["ora", "psd"]
    assert all(f.filter.endswith(f"(*{f.suffix})") for f in formats.FORMATS)


def test_export_modules_stay_torch_free() -> None:
    code = ("import sys, ganime_desktop.export, ganime_core.io.formats, ganime_core.io.layer_files; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
