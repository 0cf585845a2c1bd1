"""The batch CLI as a pipeline uses it: real files, real exit codes, one line per failure."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganime_core.cli.commands import main
from ganime_core.inputs.hints import HintSet, Stroke


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ganime_core.cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_folder_of_real_sketches(samples_dir: Path, tiny_weights: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ("lineart_1.png", "lineart_2.png", "001_sketch.png"):
        shutil.copy(samples_dir / name, src / name)
    out = tmp_path / "out"
    proc = _run("colorize", str(src), "-o", str(out), "--weights", str(tiny_weights))
    assert proc.returncode == 0, proc.stderr
    for name in ("lineart_1.png", "lineart_2.png", "001_sketch.png"):
        with Image.open(src / name) as a, Image.open(out / name) as b:
            assert a.size == b.size and b.mode == "RGB"
    assert "3 of 3 colorized" in proc.stderr
    # existing outputs are kept unless --overwrite
    before = (out / "lineart_1.png").stat().st_mtime_ns
    again = _run("colorize", str(src / "lineart_1.png"), "-o", str(out), "--weights", str(tiny_weights))
    assert again.returncode == 1 and "exists (use --overwrite)" in again.stderr
    assert (out / "lineart_1.png").stat().st_mtime_ns == before
    assert main(["colorize", str(src / "lineart_1.png"), "-o", str(out), "--weights",
                 str(tiny_weights), "--overwrite"]) == 0


def test_bad_inputs_one_line_each(tiny_weights: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(np.full((40, 50), 255, np.uint8)).save(src / "good.png")
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    (src / "text.jpg").write_text("not an image")
    Image.new("1", (9000, 8000), 1).save(src / "huge.png")
    out = tmp_path / "out"
    proc = _run("colorize", str(src), "-o", str(out), "--weights", str(tiny_weights))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(str(src))]
    assert len(lines) == 3, proc.stderr
    assert any("huge.png" in ln and "megapixels" in ln for ln in lines)
    assert (out / "good.png").is_file() and not (out / "broken.png").exists()


def test_hints_json_for_one_input(tiny_weights: Path, tmp_path: Path) -> None:
    Image.fromarray(np.full((64, 64), 255, np.uint8)).save(tmp_path / "s.png")
    HintSet((Stroke(((10, 10), (50, 50)), (255, 0, 0), 10),), (64, 64)).save(tmp_path / "s.json")
    args = ["colorize", str(tmp_path / "s.png"), "--weights", str(tiny_weights)]
    assert main([*args, "-o", str(tmp_path / "a")]) == 0
    assert main([*args, "-o", str(tmp_path / "b"), "--hints", str(tmp_path / "s.json")]) == 0
    a = np.asarray(Image.open(tmp_path / "a" / "s.png")).astype(int)
    b = np.asarray(Image.open(tmp_path / "b" / "s.png")).astype(int)
    assert np.abs(a - b)[25:35, 25:35].sum() > 0


def test_usage_errors_exit_2(tiny_weights: Path, tmp_path: Path) -> None:
    proc = _run("colorize", str(tmp_path), "-o", str(tmp_path / "o"), "--weights", str(tiny_weights))
    assert proc.returncode == 2 and "no input images" in proc.stderr
    proc = _run("colorize", "x.png")  # no -o
    assert proc.returncode == 2 and "required" in proc.stderr
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"junk")
    Image.new("L", (8, 8), 255).save(tmp_path / "s.png")
    proc = _run("colorize", str(tmp_path / "s.png"), "-o", str(tmp_path / "o"), "--weights", str(bad))
    assert proc.returncode == 2 and "not a valid .safetensors" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_info_and_help(tiny_weights: Path) -> None:
    proc = _run("info", "--weights", str(tiny_weights))
    assert proc.returncode == 0 and "model: unet" in proc.stdout and "torch" in proc.stdout
    proc = _run("colorize", "--help")
    assert proc.returncode == 0 and "--overwrite" in proc.stdout and "--hints" in proc.stdout


def test_region_modes_and_layers(samples_dir: Path, tiny_weights: Path, tmp_path: Path) -> None:
    sk = samples_dir / "001_sketch.png"
    args = ["colorize", str(sk), "--weights", str(tiny_weights)]
    assert main([*args, "-o", str(tmp_path / "plain")]) == 0
    assert main([*args, "-o", str(tmp_path / "flats"), "--mode", "flats",
                 "--layers", str(tmp_path / "layers")]) == 0
    layer_dir = tmp_path / "layers" / "001_sketch"
    names = sorted(p.name for p in layer_dir.iterdir())
    assert names == ["colour.png", "composite.png", "flats-by-part", "flats.png", "lines.png", "shading.png"]
    flats = np.asarray(Image.open(layer_dir / "flats.png"))
    composite = np.asarray(Image.open(layer_dir / "composite.png"))
    out = np.asarray(Image.open(tmp_path / "flats" / "001_sketch.png"))
    assert np.array_equal(composite, out)
    plain = np.asarray(Image.open(tmp_path / "plain" / "001_sketch.png"))
    assert not np.array_equal(plain, out)
    # flats hold few distinct colours (one per region) where the network output holds many
    n_flat = len(np.unique(flats[..., :3].reshape(-1, 3), axis=0))
    n_plain = len(np.unique(plain.reshape(-1, 3), axis=0))
    assert n_flat < 300 < n_plain


# -- issue 13: `ganime FILE`, a readable `info`, `--gap`; issue 15: one list of readable kinds ----

def test_a_file_as_first_argument_opens_it_in_the_app(tmp_path: Path, monkeypatch, capsys) -> None:
    import ganime_core.cli.commands as cli

    opened: list[str | None] = []
    monkeypatch.setattr(cli, "_run_app", lambda file=None: opened.append(file) or 0)
    sketch = tmp_path / "sketch.png"
    Image.new("L", (8, 8), 255).save(sketch)
    project = tmp_path / "work.ganime"
    project.write_bytes(b"PK")
    assert main([str(sketch)]) == 0
    assert main(["app", str(sketch)]) == 0
    assert main(["-v", str(project)]) == 0
    assert main([]) == 0
    assert opened == [str(sketch), str(sketch), str(project), None]
    # a picture that is not there is a usage error, not an app showing an empty window
    assert main([str(tmp_path / "missing.png")]) == 2
    assert "missing.png: file not found" in capsys.readouterr().err
    assert len(opened) == 4
    # a word that is neither a command nor a file stays argparse's usage error
    try:
        main(["colourise"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("an unknown command must be a usage error")
    assert "invalid choice" in capsys.readouterr().err


def _model_with_history(tmp_path: Path) -> Path:
    import torch

    from ganime_core.models import build_generator
    from ganime_core.runtime.weights import save_weights

    torch.manual_seed(0)
    path = tmp_path / "hist.safetensors"
    save_weights(path, build_generator("unet", {"base_width": 8, "depth": 5}), working_size=128,
                 training={"steps": 24659, "images_seen": 197272, "epochs": 70.48, "train_seconds": 11194.4,
                           "config": {"lr_g": 0.0001, "data": "/somewhere/train"}, "lineage": [{"steps": 1}]},
                 metrics={"methods": {"model": {"fid": 183.11, "ssim": 0.6588, "hint_de_with": 1.96,
                                                "hint_de_without": 19.7},
                                      "sketch": {"fid": 280.38, "ssim": 0.5339}}, "n_images": 200},
                 model_card="# Card\n\nA line only the full metadata shows.")
    return path


def test_info_is_a_short_summary_and_json_has_everything(tmp_path: Path, capsys) -> None:
    import json

    path = _model_with_history(tmp_path)
    assert main(["info", "--weights", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) <= 7, out
    assert lines[0].startswith("GANime ") and "torch" in lines[0]
    assert any(ln.startswith("model: unet") and "M parameters" in ln for ln in lines)
    assert "training: 24,659 steps, 197,272 images seen, 70.5 epochs, 3.1 h of training" in out
    assert "scores: model FID 183.1 / SSIM 0.6588; bare sketch FID 280.4 / SSIM 0.5339" in out
    assert "ΔE2000 2.0 with hints, 19.7 without" in out and "(200 validation images)" in out
    assert "A line only the full metadata shows" not in out and "lr_g" not in out and "{" not in out
    assert main(["info", "--weights", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    model = doc["model"]
    assert model["model_card"].endswith("A line only the full metadata shows.")
    assert model["training"]["config"]["lr_g"] == 0.0001 and model["training"]["lineage"] == [{"steps": 1}]
    assert model["metrics"]["methods"]["sketch"]["fid"] == 280.38
    assert model["arch"] == "unet" and model["parameters"] > 0 and len(model["sha256"]) == 64
    assert doc["ganime"] and doc["torch"] and isinstance(doc["device"], str) and doc["device"]


def test_gap_is_passed_to_colorize(tmp_path: Path, monkeypatch) -> None:
    import ganime_core.api as api

    calls: list[dict] = []

    class Fake:
        def colorize(self, src, hints=None, options=None, **kw):
            calls.append(options)
            return type("R", (), {"image": np.zeros((8, 8, 3), np.uint8), "layers": None, "alpha": None})()

    monkeypatch.setattr(api.Colorizer, "load", classmethod(lambda cls, *a, **k: Fake()))
    Image.new("L", (8, 8), 255).save(tmp_path / "s.png")
    base = ["colorize", str(tmp_path / "s.png"), "--overwrite", "-o", str(tmp_path / "o")]
    assert main([*base, "--gap", "12"]) == 0
    assert main(base) == 0
    assert main([*base, "--gap", "0"]) == 0
    assert [c.gap for c in calls] == [12, 6, 0]
    for bad in ("65", "-1", "wide"):
        try:
            main([*base, "--gap", bad])
        except SystemExit as exc:
            assert exc.code == 2
        else:
            raise AssertionError(f"--gap {bad} must be a usage error")
    assert len(calls) == 3


def test_gap_closes_an_open_outline_on_real_pixels(tiny_weights: Path, tmp_path: Path) -> None:
    """A red hint inside a circle with a 9-px opening: with --gap 0 the circle is part of the
    page, so the hint colours only its neighbourhood (neither the whole circle nor the page);
    with --gap 12 it fills the circle and stays inside (flats mode: a hint claims its region)."""
    import cv2

    page = np.full((160, 160), 255, np.uint8)
    cv2.circle(page, (80, 80), 40, 0, 3)
    page[76:85, 115:125] = 255  # the 9-px gap in the outline
    Image.fromarray(page).save(tmp_path / "ring.png")
    HintSet((Stroke(((80, 80), (84, 82)), (230, 20, 20), 10),), (160, 160)).save(tmp_path / "ring.json")
    args = ["colorize", str(tmp_path / "ring.png"), "--weights", str(tiny_weights), "--mode", "flats",
            "--hints", str(tmp_path / "ring.json")]
    assert main([*args, "-o", str(tmp_path / "g0"), "--gap", "0"]) == 0
    assert main([*args, "-o", str(tmp_path / "g12"), "--gap", "12"]) == 0
    open_ = np.asarray(Image.open(tmp_path / "g0" / "ring.png")).astype(int)
    closed = np.asarray(Image.open(tmp_path / "g12" / "ring.png")).astype(int)

    def red(px: np.ndarray) -> bool:
        return px[0] > 150 and px[1] < 100 and px[2] < 100

    assert red(closed[80, 80]) and red(open_[80, 80])
    assert red(closed[55, 80]) and not red(open_[55, 80])  # 25 px from the stroke, in the circle
    assert not red(open_[10, 10]) and not red(closed[10, 10])


def test_folder_reads_gif_and_counts_skipped_files(tiny_weights: Path, tmp_path: Path, capsys) -> None:
    src = tmp_path / "in"
    src.mkdir()
    Image.new("L", (24, 24), 255).save(src / "a.png")
    Image.new("P", (24, 24), 0).save(src / "b.gif")
    (src / "notes.txt").write_text("not a picture")
    (src / "c.psd").write_bytes(b"8BPS")
    assert main(["colorize", str(src), "-o", str(tmp_path / "out"), "--weights", str(tiny_weights)]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "b.png"]
    err = capsys.readouterr().err
    assert "2 of 2 colorized" in err and "2 files skipped" in err and "GIF" in err
    # a single file of another kind is reported in one line, not silently dropped
    assert main(["colorize", str(src / "notes.txt"), "-o", str(tmp_path / "o2"),
                 "--weights", str(tiny_weights)]) == 1
    assert "not a picture kind GANime reads" in capsys.readouterr().err
    # a folder with nothing readable says how much it skipped
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "x.txt").write_text("x")
    assert main(["colorize", str(empty), "-o", str(tmp_path / "o3"), "--weights", str(tiny_weights)]) == 2
    assert "no input images found (1 file skipped" in capsys.readouterr().err


# -- issue 15: precision / memory format flags, barriers ------------------------------------------


def test_precision_and_memory_format_reach_the_loader(tiny_weights: Path, tmp_path: Path,
                                                      monkeypatch) -> None:
    import ganime_core.api as api
    from ganime_core.constants import MEMORY_FORMATS, PRECISIONS

    text = _run("colorize", "--help").stdout
    for choice in (*PRECISIONS, *MEMORY_FORMATS):
        assert choice in text
    Image.new("L", (16, 16), 255).save(tmp_path / "s.png")
    base = ["colorize", str(tmp_path / "s.png"), "--weights", str(tiny_weights), "--overwrite"]
    # explicit choices: used as given (no measuring), and the picture comes out
    assert main([*base, "-o", str(tmp_path / "a"), "--precision", "fp32",
                 "--memory-format", "contiguous"]) == 0
    assert (tmp_path / "a" / "s.png").is_file()
    seen: list[dict] = []
    real_load = api.Colorizer.load.__func__

    def load(cls, *a, **kw):
        colorizer = real_load(cls, *a, **kw)
        seen.append({"precision": colorizer.precision, "memory_format": colorizer.memory_format})
        return colorizer

    monkeypatch.setattr(api.Colorizer, "load", classmethod(load))
    assert main([*base, "-o", str(tmp_path / "b"), "--precision", "fp32",
                 "--memory-format", "channels_last"]) == 0
    assert seen == [{"precision": "fp32", "memory_format": "channels_last"}]
    for flag, bad in (("--precision", "fp8"), ("--memory-format", "strided")):
        try:
            main([*base, "-o", str(tmp_path / "c"), flag, bad])
        except SystemExit as exc:
            assert exc.code == 2
        else:
            raise AssertionError(f"{flag} {bad} must be a usage error")


def _ring(tmp_path: Path) -> list[str]:
    """The open ring of the --gap test, with a red hint inside (flats mode)."""
    import cv2

    page = np.full((160, 160), 255, np.uint8)
    cv2.circle(page, (80, 80), 40, 0, 3)
    page[76:85, 115:125] = 255  # a 9-px gap in the outline
    Image.fromarray(page).save(tmp_path / "ring.png")
    HintSet((Stroke(((80, 80), (84, 82)), (230, 20, 20), 10),), (160, 160)).save(tmp_path / "ring.json")
    return ["colorize", str(tmp_path / "ring.png"), "--mode", "flats", "--gap", "0",
            "--hints", str(tmp_path / "ring.json")]


def test_barriers_file_closes_a_gap_the_segmentation_sees(tiny_weights: Path, tmp_path: Path) -> None:
    from ganime_core.inputs import barriers

    args = [*_ring(tmp_path), "--weights", str(tiny_weights)]
    barriers.save(tmp_path / "ring.barriers.json",
                  [barriers.Barrier(((112.0, 70.0), (128.0, 90.0)), 6.0)])
    mask = np.zeros((160, 160, 4), np.uint8)  # the same barrier as a PNG: opaque dark pixels
    mask[70:91, 112:129] = (0, 0, 0, 255)
    Image.fromarray(mask).save(tmp_path / "ring.barriers.png")
    assert main([*args, "-o", str(tmp_path / "open")]) == 0
    for kind in ("json", "png"):
        assert main([*args, "-o", str(tmp_path / kind),
                     "--barriers", str(tmp_path / f"ring.barriers.{kind}")]) == 0
    open_ = np.asarray(Image.open(tmp_path / "open" / "ring.png")).astype(int)

    def red(px: np.ndarray) -> bool:
        return px[0] > 150 and px[1] < 100 and px[2] < 100

    # without a barrier the ring is part of the page: the hint colours only its neighbourhood
    assert red(open_[80, 80]) and not red(open_[55, 80]) and not red(open_[10, 10])
    for kind in ("json", "png"):
        closed = np.asarray(Image.open(tmp_path / kind / "ring.png")).astype(int)
        assert red(closed[80, 80]) and red(closed[55, 80]) and not red(closed[10, 10]), kind
        assert not (closed[72:90, 121:124] < 60).all(), kind  # the barrier itself is never drawn


def test_barriers_usage_errors_name_the_file(tiny_weights: Path, tmp_path: Path) -> None:
    Image.new("L", (16, 16), 255).save(tmp_path / "a.png")
    Image.new("L", (16, 16), 255).save(tmp_path / "b.png")
    (tmp_path / "bad.json").write_text('{"format": "ganime-barriers", "version": 1, "barriers": '
                                       '[{"points": [[1e12, 0]], "width": "wide"}]}')
    base = ["colorize", "-o", str(tmp_path / "o"), "--weights", str(tiny_weights)]
    proc = _run(*base, str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                "--barriers", str(tmp_path / "bad.json"))
    assert proc.returncode == 2 and "single input" in proc.stderr
    proc = _run(*base, str(tmp_path / "a.png"), "--barriers", str(tmp_path / "none.json"))
    assert proc.returncode == 2 and "none.json: not found" in proc.stderr
    proc = _run(*base, str(tmp_path / "a.png"), "--barriers", str(tmp_path / "bad.json"))
    assert proc.returncode == 2 and "bad.json" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o" / "a.png").exists()


def test_variants_write_one_picture_per_colour_family(samples_dir: Path, tmp_path: Path) -> None:
    """``--variants 3`` with the bundled model: three full-size pictures, each in its family's
    colours (the same as ``--palette`` with that family's colours), and no plain one."""
    from ganime_core.api import Colorizer
    from ganime_core.inputs.encoding import palette_from_image
    from ganime_core.runtime.weights import DEFAULT_WEIGHTS
    from ganime_core.suggest import colour_families, palette_distance

    if not DEFAULT_WEIGHTS.is_file():
        pytest.skip(f"no shipped model at {DEFAULT_WEIGHTS}")

    sketch = samples_dir / "lineart_2.png"
    out = tmp_path / "out"
    assert main(["colorize", str(sketch), "-o", str(out), "--variants", "3"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"lineart_2-v{i}.png" for i in (1, 2, 3)]
    with Image.open(sketch) as s:
        size = s.size
    pictures = []
    for i in (1, 2, 3):
        with Image.open(out / f"lineart_2-v{i}.png") as im:
            assert im.size == size and im.mode == "RGB"
            pictures.append(np.asarray(im))
    pals = [palette_from_image(p) for p in pictures]
    assert min(palette_distance(a, b) for i, a in enumerate(pals) for b in pals[i + 1:]) > 6
    # the i-th picture is the i-th family as a colour guide
    guided = Colorizer.load().colorize(sketch, palette=colour_families()[1].palette()).image
    assert np.abs(guided.astype(int) - pictures[1].astype(int)).mean() < 1.0


def test_variants_usage_errors(tiny_weights: Path, tmp_path: Path) -> None:
    Image.new("L", (16, 16), 255).save(tmp_path / "a.png")
    (tmp_path / "p.gpl").write_text("GIMP Palette\n255 0 0 red\n")
    base = ["colorize", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--weights", str(tiny_weights)]
    for extra, message in ((["--variants", "99"], "--variants must be 1.."),
                           (["--variants", "-1"], "--variants must be 1.."),
                           (["--variants", "2", "--palette", str(tmp_path / "p.gpl")], "not combine"),
                           (["--variants", "2", "--reference", str(tmp_path / "a.png")], "not combine")):
        proc = _run(*base, *extra)
        assert proc.returncode == 2 and message in proc.stderr, (extra, proc.stderr)
    assert not (tmp_path / "o").exists()
    # an existing variant is kept unless --overwrite, and then none of the set is written
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "a-v2.png").write_bytes(b"mine")
    assert main([*base, "--variants", "2"]) == 1
    assert (tmp_path / "o" / "a-v2.png").read_bytes() == b"mine" and not (tmp_path / "o" / "a-v1.png").exists()
    assert main([*base, "--variants", "2", "--overwrite"]) == 0
    assert (tmp_path / "o" / "a-v1.png").is_file() and (tmp_path / "o" / "a-v2.png").stat().st_size > 4
    assert "--variants N" in _run("colorize", "--help").stdout
