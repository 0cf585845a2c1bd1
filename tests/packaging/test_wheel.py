"""The wheel installs anywhere: built by the standard front end (sdist, then the wheel from the
sdist), installed into a fresh virtual environment that cannot see the source tree, it
colorizes a sketch with the bundled model, describes it, and installs the Krita plugin.

The fresh environment gets its dependencies (torch, Qt, ...) from this environment's
site-packages through a ``.pth`` line: a directory named in a ``.pth`` file is put on the
path but its own ``.pth`` files are not run, so the editable install's finder (which would
put the source tree back on the path) stays out. Only the wheel is installed, with ``--no-deps``.
"""

from __future__ import annotations

import importlib.util
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ganime_core.color import rgb_to_lab
from ganime_core.io.imageio import load_image

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "krita_plugin"
BUNDLED = ("ganime_core/resources/models/default.safetensors",
           "ganime_core/resources/models/default.safetensors.sha256",
           "ganime_core/resources/models/MODEL_CARD.md",
           "ganime_core/resources/models/parts.safetensors",
           "ganime_core/resources/colour_families.json",
           "ganime_core/resources/ganime_krita.zip")

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 240):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this tree: ``python -m build`` (what ``make dist`` runs) builds the sdist
    and then the wheel from the unpacked sdist, so it also proves the sdist is complete."""
    out = tmp_path_factory.mktemp("dist")
    if importlib.util.find_spec("build") is None:
        pytest.fail("the 'build' package is missing from this environment: run `make install` "
                    "(it is in the dev extra)")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    wheels = sorted(out.glob("ganime-*.whl"))
    assert len(wheels) == 1 and sorted(out.glob("ganime-*.tar.gz")), sorted(out.iterdir())
    return wheels[0]


@pytest.fixture(scope="module")
def fresh(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """(the fresh venv's ``bin``, an environment for it, a working folder outside the tree)."""
    base = tmp_path_factory.mktemp("fresh")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    py = venv / "bin" / "python"
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=base).stdout.strip())
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (purelib / "ganime_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index",
          "--quiet", str(wheel)], cwd=base)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    work = base / "work"
    work.mkdir()
    return venv / "bin", env, work


def test_the_wheel_carries_the_model_the_families_and_the_plugin(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        missing = [n for n in BUNDLED if n not in names]
        assert not missing, f"not in the wheel: {missing}"
        assert z.getinfo(BUNDLED[0]).file_size > 1_000_000  # the real model, not an LFS pointer
        assert not [n for n in names if n.startswith(("tests/", "krita_plugin/")) or "__pycache__" in n]
        with zipfile.ZipFile(z.open("ganime_core/resources/ganime_krita.zip")) as plugin:
            inner = set(plugin.namelist())
    assert {"ganime_krita.desktop", "ganime_krita/__init__.py"} <= inner


def test_fresh_venv_imports_the_wheel_not_the_tree(fresh) -> None:
    bin_dir, env, work = fresh
    proc = _run([str(bin_dir / "python"), "-c",
                 "import sys, ganime_core; print(ganime_core.__file__); print(repr(sys.path))"],
                cwd=work, env=env)
    where, path = proc.stdout.splitlines()[:2]
    assert str(bin_dir.parent) in where, where
    assert str(ROOT) not in path.replace(str(ROOT) + "/.venv", ""), path


def test_fresh_venv_colorizes_with_the_bundled_model(fresh, samples_dir: Path) -> None:
    bin_dir, env, work = fresh
    info = _run([str(bin_dir / "ganime"), "info"], cwd=work, env=env)
    assert "model:" in info.stdout and str(bin_dir.parent) in info.stdout, info.stdout
    sketch = samples_dir / "lineart_2.png"
    _run([str(bin_dir / "ganime"), "colorize", str(sketch), "-o", str(work / "out")], cwd=work, env=env)
    out = load_image(work / "out" / "lineart_2.png")
    assert out.size == load_image(sketch).size
    lab = rgb_to_lab(out.rgb).reshape(-1, 3)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    # a colour picture: a real share of clearly coloured pixels, not a grey copy of the sketch
    assert (chroma > 15).mean() > 0.10, f"only {(chroma > 15).mean():.1%} coloured pixels"
    assert lab[:, 0].std() > 10


def test_fresh_venv_installs_the_krita_plugin(fresh, tmp_path: Path) -> None:
    bin_dir, env, work = fresh
    target = tmp_path / "krita"
    _run([str(bin_dir / "ganime"), "krita-plugin", "--install", "--resource-dir", str(target)],
         cwd=work, env=env)
    pykrita = target / "pykrita"
    assert (pykrita / "ganime_krita.desktop").read_bytes() == (PLUGIN / "ganime_krita.desktop").read_bytes()
    for src in (PLUGIN / "ganime_krita").glob("*.py"):
        assert (pykrita / "ganime_krita" / src.name).read_bytes() == src.read_bytes(), src.name
    assert not [p for p in pykrita.iterdir() if p.name.startswith(".")]  # no staging left behind
