"""The batch CLI as a pipeline uses it: real files, real exit codes, one line per failure."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from ganime_core.cli import main
from ganime_core.hints import HintSet, Stroke


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
    assert names == ["composite.png", "flats.png", "lines.png", "shading.png"]
    flats = np.asarray(Image.open(layer_dir / "flats.png"))
    composite = np.asarray(Image.open(layer_dir / "composite.png"))
    out = np.asarray(Image.open(tmp_path / "flats" / "001_sketch.png"))
    assert np.array_equal(composite, out)
    plain = np.asarray(Image.open(tmp_path / "plain" / "001_sketch.png"))
    assert not np.array_equal(plain, out)
    # flats hold few distinct colours (one per region) where the network output holds many
    n_flat = len(np.unique(flats.reshape(-1, 3), axis=0))
    n_plain = len(np.unique(plain.reshape(-1, 3), axis=0))
    assert n_flat < 300 < n_plain
