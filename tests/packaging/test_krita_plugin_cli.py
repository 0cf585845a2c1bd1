"""``ganime krita-plugin``: the zip, Krita's resource folder per system, and a safe install."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ganime_core.cli import krita_plugin as K
from ganime_core.cli.commands import main

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "krita_plugin"


def test_the_zip_holds_the_plugin_and_is_reproducible(tmp_path: Path) -> None:
    data = K.build_zip(SOURCES)
    assert data == K.build_zip(SOURCES)  # fixed timestamps: same sources, same bytes
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert names[0] == "ganime_krita.desktop"
        expected = sorted(p.relative_to(SOURCES).as_posix() for p in (SOURCES / "ganime_krita").rglob("*")
                          if p.is_file() and "__pycache__" not in p.parts)
        assert sorted(names[1:]) == expected
        for name in names:
            assert z.read(name) == (SOURCES / name).read_bytes()
    assert main(["krita-plugin", "--zip", str(tmp_path / "k.zip")]) == 0
    assert (tmp_path / "k.zip").read_bytes() == data
    assert main(["krita-plugin", "--zip", str(tmp_path / "new") + "/"]) == 0
    assert (tmp_path / "new" / "ganime_krita.zip").read_bytes() == data


def test_make_krita_plugin_runs_without_ganime_installed(tmp_path: Path) -> None:
    """The Makefile target runs the module as a plain script with the system Python."""
    proc = subprocess.run([sys.executable, "-I", str(ROOT / "ganime_core" / "cli" / "krita_plugin.py"),
                           "--zip", str(tmp_path / "z.zip")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "z.zip").read_bytes() == K.build_zip(SOURCES)


def test_krita_resource_folder_per_system(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert K.krita_resource_dir("linux", {}, home) == home / ".local" / "share" / "krita"
    assert K.krita_resource_dir("linux", {"XDG_DATA_HOME": "/x/data"}, home) == Path("/x/data/krita")
    assert K.krita_resource_dir("darwin", {}, home) == home / "Library" / "Application Support" / "krita"
    assert K.krita_resource_dir("win32", {"APPDATA": "C:/Users/a/AppData/Roaming"}, home) == \
        Path("C:/Users/a/AppData/Roaming") / "krita"
    assert K.krita_resource_dir("win32", {}, home) == home / "AppData" / "Roaming" / "krita"


def test_install_replaces_an_old_copy_and_nothing_else(tmp_path: Path, capsys) -> None:
    pykrita = tmp_path / "krita" / "pykrita"
    (pykrita / "ganime_krita").mkdir(parents=True)
    (pykrita / "ganime_krita" / "stale.py").write_text("old")
    (pykrita / "other_plugin").mkdir()
    (pykrita / "other_plugin.desktop").write_text("[Desktop Entry]\n")
    assert main(["krita-plugin", "--install", "--resource-dir", str(tmp_path / "krita")]) == 0
    assert "pykrita" in capsys.readouterr().out
    assert not (pykrita / "ganime_krita" / "stale.py").exists()
    assert (pykrita / "ganime_krita" / "docker.py").read_bytes() == (SOURCES / "ganime_krita" / "docker.py").read_bytes()
    assert (pykrita / "ganime_krita.desktop").is_file()
    assert (pykrita / "other_plugin").is_dir() and (pykrita / "other_plugin.desktop").is_file()
    assert sorted(p.name for p in pykrita.iterdir()) == ["ganime_krita", "ganime_krita.desktop",
                                                         "other_plugin", "other_plugin.desktop"]


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["../evil.py", "/abs/evil.py", "ganime_krita/../../evil.py",
                                  "other/thing.py", "ganime_krita\\..\\evil.py"])
def test_a_hostile_zip_is_refused_and_writes_nothing(tmp_path: Path, name: str) -> None:
    data = _zip({"ganime_krita.desktop": b"x", "ganime_krita/__init__.py": b"", name: b"boom"})
    with pytest.raises(K.PluginError, match="unexpected file"):
        K.install(data, tmp_path / "krita")
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "krita" / "pykrita" / "ganime_krita").exists()


def test_a_damaged_zip_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(K.PluginError, match="damaged"):
        K.install(b"PK\x03\x04 not really", tmp_path)
    with pytest.raises(K.PluginError, match="no ganime_krita.desktop"):
        K.install(_zip({"ganime_krita/__init__.py": b""}), tmp_path)


def test_the_command_needs_install_or_zip(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["krita-plugin"])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit):
        main(["krita-plugin", "--help"])
    assert "pykrita" in capsys.readouterr().out
