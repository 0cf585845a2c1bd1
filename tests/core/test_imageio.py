"""Every kind of image artists hand us: each one loads, or fails with one clear message."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganime_core.errors import BadImageError, ImageTooLargeError
from ganime_core.inputs.lineart import to_line_art
from ganime_core.io.imageio import WriteError, atomic_write_bytes, from_array, load_image, save_png


def _sketch(w: int = 64, h: int = 48) -> np.ndarray:
    a = np.full((h, w), 255, np.uint8)
    a[10, :] = 0
    a[:, 20] = 0
    return a


def test_grey_rgb_and_formats(tmp_path: Path) -> None:
    for ext in ("png", "jpg", "webp", "tif", "bmp"):
        p = tmp_path / f"s.{ext}"
        Image.fromarray(_sketch()).save(p)
        img = load_image(p)
        assert img.rgb.shape == (48, 64, 3) and img.alpha is None
        assert img.rgb[10, 40].max() < 60 and img.rgb[30, 40].min() > 200, ext


def test_rgba_keeps_alpha(tmp_path: Path) -> None:
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[5:15, 5:25] = (0, 0, 0, 255)
    Image.fromarray(rgba).save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    assert img.alpha is not None and img.alpha[10, 10] == 255 and img.alpha[0, 0] == 0
    lines = to_line_art(img)  # transparent background composited on white
    assert lines[0, 0] == pytest.approx(1.0) and lines[10, 10] < 0.1


def test_opaque_alpha_is_dropped(tmp_path: Path) -> None:
    Image.new("RGBA", (8, 8), (10, 20, 30, 255)).save(tmp_path / "o.png")
    assert load_image(tmp_path / "o.png").alpha is None


def test_palette_with_transparency(tmp_path: Path) -> None:
    im = Image.fromarray(_sketch()).convert("P")
    im.info["transparency"] = 255
    im.save(tmp_path / "p.png", transparency=255)
    img = load_image(tmp_path / "p.png")
    assert img.alpha is not None and img.alpha[30, 40] == 0 and img.alpha[10, 40] == 255


def test_sixteen_bit(tmp_path: Path) -> None:
    a = (_sketch().astype(np.uint16) * 257)
    Image.fromarray(a).save(tmp_path / "16.png")
    img = load_image(tmp_path / "16.png")
    assert img.rgb.dtype == np.uint8
    assert img.rgb[30, 40, 0] == 255 and img.rgb[10, 40, 0] == 0


def test_cmyk_jpeg(tmp_path: Path) -> None:
    Image.fromarray(_sketch()).convert("CMYK").save(tmp_path / "c.jpg")
    img = load_image(tmp_path / "c.jpg")
    assert img.rgb.shape == (48, 64, 3) and img.rgb[30, 40].min() > 200


def test_exif_rotation(tmp_path: Path) -> None:
    im = Image.fromarray(_sketch(64, 48))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    im.save(tmp_path / "r.jpg", exif=exif)
    img = load_image(tmp_path / "r.jpg")
    assert img.size == (48, 64)


def test_animated_takes_first_frame(tmp_path: Path) -> None:
    frames = [Image.fromarray(_sketch()), Image.new("L", (64, 48), 0)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    img = load_image(tmp_path / "a.gif")
    assert img.rgb[30, 40].min() > 200


def test_truncated_and_corrupt(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), np.uint8)).save(buf, "PNG")
    (tmp_path / "t.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(BadImageError, match="t.png: corrupt or truncated"):
        load_image(tmp_path / "t.png")
    (tmp_path / "x.png").write_bytes(b"hello, not an image")
    with pytest.raises(BadImageError, match="not an image file"):
        load_image(tmp_path / "x.png")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(BadImageError):
        load_image(tmp_path / "empty.jpg")
    with pytest.raises(BadImageError, match="not found"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(BadImageError, match="folder"):
        load_image(tmp_path)


def test_decompression_bomb_guard(tmp_path: Path) -> None:
    Image.new("1", (9000, 8000), 1).save(tmp_path / "bomb.png")  # 72 MP, a few kB on disk
    assert (tmp_path / "bomb.png").stat().st_size < 100_000
    with pytest.raises(ImageTooLargeError, match="72 megapixels"):
        load_image(tmp_path / "bomb.png")


def test_from_array_kinds() -> None:
    assert from_array(np.zeros((4, 5), np.float32)).rgb.shape == (4, 5, 3)
    assert from_array(np.zeros((4, 5, 4), np.uint8)).alpha is not None
    assert from_array(np.full((4, 5, 3), 65535, np.uint16)).rgb.max() == 255
    with pytest.raises(BadImageError):
        from_array(np.zeros((4, 5, 2), np.uint8))


def test_scanned_paper_is_normalised() -> None:
    # yellowish, unevenly lit paper with grey pencil lines
    h, w = 200, 300
    yy, xx = np.mgrid[0:h, 0:w]
    light = 0.75 + 0.2 * xx / w
    paper = np.dstack([light * 250, light * 235, light * 190])
    img = paper.copy()
    img[100:103, 30:270] *= 0.45
    img[20:180, 150:152] *= 0.5
    lines = to_line_art(img.astype(np.uint8))
    assert np.percentile(lines[(yy % 50 == 5) & (xx % 7 == 0)], 5) > 0.97  # paper became white
    assert lines[101, 50] < 0.25 and lines[101, 250] < 0.25  # lines dark on both sides
    # solid black fills (manga hair) on tinted paper stay black
    inked = paper.copy()
    inked[40:160, 40:120] = 5
    out = to_line_art(inked.astype(np.uint8))
    assert out[60:140, 60:100].max() < 0.1 and out[100, 200] > 0.97
    clean = to_line_art(_sketch())  # clean digital art is untouched
    assert np.array_equal(clean, _sketch() / np.float32(255.0))


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    save_png(target, np.zeros((4, 4), np.uint8))
    before = target.read_bytes()

    def boom(tmp: Path) -> None:
        tmp.write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    from ganime_core.io.imageio import atomic_write

    with pytest.raises(WriteError, match="No space left"):
        atomic_write(target, boom)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]  # no temp file left behind
    atomic_write_bytes(tmp_path / "sub" / "f.bin", b"x")
    assert (tmp_path / "sub" / "f.bin").read_bytes() == b"x"


def test_written_files_get_normal_permissions(tmp_path: Path) -> None:
    import os

    umask = os.umask(0o022)
    try:
        path = save_png(tmp_path / "p.png", np.zeros((2, 2), np.uint8))
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


# -- ganime_core.imageops: the helpers several modules share -------------------------------------


def test_multiply_u8_rounds_and_saturates() -> None:
    from ganime_core.imageops import multiply_u8

    rgb = np.array([[[200, 100, 3], [255, 255, 255]]], np.uint8)
    factor = np.array([[0.5, 1.5]], np.float32)
    out = multiply_u8(rgb, factor)
    assert out.dtype == np.uint8 and out.tolist() == [[[100, 50, 2], [255, 255, 255]]]


def test_chw_hwc_conversions_round_trip() -> None:
    from ganime_core.imageops import chw_to_hwc, chw_to_u8, hwc_to_chw

    rgb = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    signed = hwc_to_chw(rgb)
    assert signed.shape == (3, 5, 7) and signed.dtype == np.float32
    assert signed.min() >= -1.0 and signed.max() <= 1.0
    assert np.array_equal(chw_to_u8(signed), rgb)
    assert np.allclose(chw_to_hwc(signed), rgb / 255.0, atol=1e-6)
    assert chw_to_hwc(np.full((3, 1, 1), 5.0))[0, 0].tolist() == [1.0, 1.0, 1.0]  # clipped


def test_region_median_lab_matches_numpy_per_region() -> None:
    from ganime_core.color import rgb_to_lab
    from ganime_core.imageops import region_median_lab

    labels = np.zeros((6, 8), np.int32)
    labels[:, 4:] = 1
    rgb = np.zeros((6, 8, 3), np.uint8)
    rgb[:, :4] = (200, 30, 30)
    rgb[0, 0] = (0, 0, 255)  # one odd pixel does not move a median
    rgb[:, 4:] = (30, 30, 200)
    rgb[:, 7] = (250, 250, 250)  # "on the line": excluded by ``inner``
    inner = np.ones((6, 8), bool)
    inner[:, 7] = False
    med = region_median_lab(rgb, labels, 2, inner)
    assert med.shape == (3, 3)
    assert np.allclose(med[0], rgb_to_lab(np.array([[200, 30, 30]], np.uint8))[0], atol=1.0)
    assert np.allclose(med[1], rgb_to_lab(np.array([[30, 30, 200]], np.uint8))[0], atol=1.0)
    assert np.allclose(med[2], (100.0, 0.0, 0.0), atol=0.5)  # an empty region is white


def test_paper_level_ignores_strokes_but_keeps_big_fills_dark() -> None:
    from ganime_core.imageops import paper_level

    grey = np.full((300, 400), 0.8, np.float32)
    grey[:, 200:] = 0.9  # uneven paper
    grey[150, :] = 0.0  # a stroke narrower than the window
    grey[20:120, 20:150] = 0.0  # a fill wider than the window
    for kw in ({"grid": 1.5, "pool": "area", "smooth": "gaussian", "bright_from": "input"},
               {"grid": 1, "pool": "max", "smooth": "box", "bright_from": "level", "floor": 0.05}):
        level = paper_level(grey, 31, **kw)
        assert level.shape == grey.shape and level.dtype == np.float32
        assert abs(float(level[150, 100]) - 0.8) < 0.02 and abs(float(level[150, 350]) - 0.9) < 0.02
        assert 0.5 < float(level[70, 85]) < 0.6  # never below 60 % of the bright paper
