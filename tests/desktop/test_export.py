"""PNG, OpenRaster, PSD and hint-PNG export read back correctly."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from ganime_core.inputs.hints import Stroke, load_hints
from ganime_core.io.imageio import load_image
from ganime_desktop import export as ex
from ganime_desktop.document import Document, ResultImages
from ganime_desktop.palette import Palette, from_gpl, load_gpl, save_gpl, to_gpl


def coloured_doc(alpha: bool = False) -> Document:
    h, w = 40, 60
    lines = np.full((h, w, 3), 255, np.uint8)
    lines[10, :] = 0
    a = None
    if alpha:
        a = np.full((h, w), 255, np.uint8)
        a[:, :5] = 0
    doc = Document(lines, a)
    doc.hints = (Stroke(points=((30.0, 25.0), (40.0, 25.0)), color=(0, 200, 0), width=5.0),)
    color = np.zeros((h, w, 3), np.uint8)
    color[..., 0] = 200
    image = (color.astype(np.float32) * lines / 255).astype(np.uint8)
    if a is not None:
        image = np.dstack([image, a])
    doc.result = ResultImages(image, color, 0)
    return doc


def test_png_exports_with_and_without_lines_and_alpha(tmp_path: Path) -> None:
    doc = coloured_doc(alpha=True)
    ex.export_png(tmp_path / "a.png", doc, True)
    ex.export_png(tmp_path / "b.png", doc, False)
    a, b = load_image(tmp_path / "a.png"), load_image(tmp_path / "b.png")
    assert a.alpha is not None and a.alpha[0, 0] == 0 and a.alpha[0, 20] == 255
    assert a.rgb[10, 20, 0] == 0 and b.rgb[10, 20, 0] == 200  # lines vs colour only
    assert b.alpha is not None


def test_ora_layout(tmp_path: Path) -> None:
    path = ex.export_ora(tmp_path / "x.ora", coloured_doc())
    with zipfile.ZipFile(path) as zf:
        first = zf.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert zf.read("mimetype") == b"image/openraster"
        names = set(zf.namelist())
        assert {"stack.xml", "mergedimage.png", "Thumbnails/thumbnail.png"} <= names
        root = ElementTree.fromstring(zf.read("stack.xml"))
        assert (root.get("w"), root.get("h")) == ("60", "40")
        layers = root.find("stack").findall("layer")
        assert [ly.get("name") for ly in layers] == ["Lines", "Colour", "Hints"]
        assert layers[0].get("composite-op") == "svg:multiply"
        assert layers[2].get("visibility") == "hidden"
        for ly in layers:
            img = load_image(zf.read(ly.get("src")))
            assert img.size == (60, 40)
        merged = load_image(zf.read("mergedimage.png"))
        assert merged.rgb[10, 30, 0] == 0 and merged.rgb[30, 30, 0] == 200


def test_psd_reads_back_with_named_layers(tmp_path: Path) -> None:
    from psd_tools import PSDImage
    from psd_tools.constants import BlendMode

    path = ex.export_psd(tmp_path / "x.psd", coloured_doc())
    psd = PSDImage.open(path)
    assert (psd.width, psd.height) == (60, 40)
    layers = list(psd)
    assert [ly.name for ly in layers] == ["Hints", "Colour", "Lines"]  # bottom to top
    assert layers[2].blend_mode == BlendMode.MULTIPLY
    assert not layers[0].visible and layers[1].visible
    colour = np.asarray(layers[1].topil().convert("RGB"))
    assert colour[30, 30, 0] == 200


def test_hint_png_is_what_the_cli_accepts(tmp_path: Path) -> None:
    doc = coloured_doc()
    ex.export_hint_png(tmp_path / "h.png", doc)
    raster = load_hints(tmp_path / "h.png", 60, 40)
    assert raster.mask[25, 35] and not raster.mask[5, 5]
    assert tuple(raster.rgb[25, 35]) == (0, 200, 0)
    doc.hint_set().save(tmp_path / "h.json")
    assert json.loads((tmp_path / "h.json").read_text())["strokes"]


def test_no_result_means_a_clear_error() -> None:
    doc = Document.blank(10, 10)
    with pytest.raises(ex.ExportError, match="(?i)colorize"):
        ex.export_ora("/nonexistent/x.ora", doc)


def test_window_export_goes_through_the_dialogs(make_window, tmp_path: Path, prompter) -> None:
    win = make_window()
    assert not win.export("ora")  # no result yet: a friendly note, no file
    assert prompter.infos
    win.doc.set_result(coloured_doc().result)
    win.doc.lines = np.ascontiguousarray(np.full((40, 60, 3), 255, np.uint8))
    win.doc.alpha = None
    prompter.save_path = str(tmp_path / "out")
    assert win.export("psd") and (tmp_path / "out.psd").is_file()
    prompter.save_path = str(tmp_path / "nodir" / "\0bad.png")
    assert not win.export("png")
    assert prompter.errors  # the failed write became a message


def test_gpl_palette_round_trip(tmp_path: Path) -> None:
    pal = Palette("Mine", [("Skin", (250, 220, 200)), ("Hair", (10, 20, 30))])
    save_gpl(tmp_path / "p.gpl", pal)
    back = load_gpl(tmp_path / "p.gpl")
    assert back.name == "Mine" and back.swatches == pal.swatches
    assert from_gpl(to_gpl(Palette())).swatches == Palette().swatches
    from ganime_desktop.palette import PaletteError

    with pytest.raises(PaletteError):
        from_gpl("JASC-PAL\n0100\n")
    pal.use((1, 2, 3))
    pal.use((4, 5, 6))
    pal.use((1, 2, 3))
    assert pal.recent == [(1, 2, 3), (4, 5, 6)]


def test_psd_carries_the_barriers_as_a_hidden_layer(tmp_path: Path) -> None:
    from psd_tools import PSDImage

    mask = np.zeros((40, 60), bool)
    mask[5:30, 10:12] = True
    psd = PSDImage.open(ex.export_psd(tmp_path / "b.psd", coloured_doc(), barriers=mask))
    layers = list(psd)
    assert [ly.name for ly in layers] == ["Barriers", "Hints", "Colour", "Lines"]  # bottom to top
    assert not layers[0].visible
    alpha = np.asarray(layers[0].topil().convert("RGBA"))[..., 3]
    assert alpha[mask].min() == 255 and alpha[~mask].max() == 0


def test_export_by_suffix_and_unknown_suffixes(tmp_path: Path) -> None:
    doc = coloured_doc()
    assert ex.export(tmp_path / "r.ora", doc).is_file()
    with zipfile.ZipFile(tmp_path / "r.ora") as zf:
        assert zf.read("mimetype") == b"image/openraster"
    with pytest.raises(ex.ExportError, match=r"r\.tiff: GANime cannot export \.tiff"):
        ex.export(tmp_path / "r.tiff", doc)
    assert not (tmp_path / "r.tiff").exists()
