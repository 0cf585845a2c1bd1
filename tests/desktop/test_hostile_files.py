"""Hostile projects, settings and recovery entries: a plain message naming the file, or a
clean fallback; never an internal error. Regression tests for issue 15's eight cases plus
Hypothesis properties with bounded examples (``GANIME_FUZZ=1`` for a longer random search)."""

from __future__ import annotations

import io
import json
import os
import resource
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QSettings

from ganime_core.inputs.hints import Stroke, rasterize
from ganime_desktop.document import Document
from ganime_desktop.guide import ColourGuide, Reference
from ganime_desktop.project_io import Project, ProjectError, load_project, save_project
from ganime_desktop.recovery import find_orphans
from ganime_desktop.settings import COLOR_MODES, DEVICES, MAX_RECENT_FILES, load_settings

FUZZ = bool(os.environ.get("GANIME_FUZZ"))
BOUNDED = settings(max_examples=300 if FUZZ else 25, deadline=None, derandomize=not FUZZ,
                   database=None, suppress_health_check=[HealthCheck.too_slow,
                                                         HealthCheck.function_scoped_fixture])


def bounded(fn: Callable[[], object], seconds: float = 5.0, megabytes: int = 300) -> object:
    peak0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    try:
        return fn()
    finally:
        assert time.perf_counter() - t0 < seconds
        assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak0) / 1024 < megabytes


def _good_project() -> bytes:
    from ganime_core.io.imageio import from_array

    doc = Document(np.full((24, 32, 3), 255, np.uint8))
    doc.hints = (Stroke(((4.0, 4.0), (20.0, 12.0)), (200, 40, 40), 4),)
    ref_rgb = np.zeros((8, 8, 3), np.uint8)
    ref_rgb[:, :4] = (200, 30, 30)
    ref_rgb[:, 4:] = (30, 30, 200)
    doc.guide = ColourGuide().with_reference(Reference.from_image(from_array(ref_rgb), "ref.png"))
    buf = Path(os.environ.get("TMPDIR", "/tmp")) / f"ganime-hostile-{os.getpid()}.ganime"
    try:
        save_project(buf, doc)
        return buf.read_bytes()
    finally:
        buf.unlink(missing_ok=True)


GOOD = _good_project()
MEMBERS = {n: zipfile.ZipFile(io.BytesIO(GOOD)).read(n) for n in zipfile.ZipFile(io.BytesIO(GOOD)).namelist()}
MANIFEST = json.loads(MEMBERS["manifest.json"])
DEEP = b"[" * 100_000 + b"]" * 100_000


def _zip(path: Path, **changes: bytes | str | None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in {**MEMBERS, **changes}.items():
            if data is not None:
                zf.writestr(name, data)
    return path


def _check_project(path: Path) -> Project | None:
    """A Project whose hints rasterize, or a ProjectError naming the file; nothing else."""
    try:
        project = bounded(lambda: load_project(path))
    except ProjectError as exc:
        assert path.name in str(exc) and "Traceback" not in str(exc)
        return None
    assert isinstance(project, Project)
    w, h = project.doc.size
    assert rasterize(project.doc.hints, w, h).mask.shape == (h, w)
    return project


def test_the_fixture_project_is_valid(tmp_path: Path) -> None:
    project = _check_project(_zip(tmp_path / "good.ganime"))
    assert project is not None and project.doc.guide.reference is not None and not project.warnings


# -- regression: the eight cases of issue 15 (each was an internal error) -----------------------

HOSTILE = {
    "version-text": ({"manifest.json": json.dumps({**MANIFEST, "version": "abc"})}, "version must be a whole number"),
    "version-null": ({"manifest.json": json.dumps({**MANIFEST, "version": None})}, "version must be a whole number"),
    "size-number": ({"manifest.json": json.dumps({**MANIFEST, "size": 32})}, r"size must be \[width, height\]"),
    "deep-manifest": ({"manifest.json": b'{"format": "ganime-project", "x": ' + DEEP + b"}"}, "nested too deeply"),
    "deep-hints": ({"hints.json": DEEP}, r"hints\.json: .*nested too deeply"),
    "non-utf8-hints": ({"hints.json": b'{"strokes": [], "n": "caf\xe9 \xff"}'}, r"hints\.json: .*not UTF-8"),
    "width-1e9": ({"hints.json": json.dumps({"strokes": [{"points": [[1, 1], [9, 9]], "width": 1e9}]})},
                  r"hints\.json: hint width"),
    "points-1e12": ({"hints.json": json.dumps({"strokes": [{"points": [[1e12, -1e12], [5, 5]], "width": 4}]})},
                    r"hints\.json: .*beyond any canvas"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_issue15_hostile_project_is_a_plain_error_naming_the_file(case: str, tmp_path: Path) -> None:
    changes, words = HOSTILE[case]
    path = _zip(tmp_path / f"{case}.ganime", **changes)
    with pytest.raises(ProjectError, match=words) as err:
        bounded(lambda: load_project(path))
    assert str(err.value).startswith(f"{case}.ganime: ")


@pytest.mark.parametrize("guide", [
    DEEP, b"\xff\xfe not json", json.dumps({"version": "x"}), json.dumps({"version": None, "use_palette": 3}),
    json.dumps({"version": 1e400}).replace("Infinity", "1e400"), json.dumps({"palette_colors": [[1, 2]]}),
    json.dumps({"reference": {"name": "r", "file": "../../etc/passwd"}}), json.dumps([1, 2]),
])
def test_a_damaged_guide_costs_only_the_guide(guide: bytes | str, tmp_path: Path) -> None:
    project = _check_project(_zip(tmp_path / "g.ganime", **{"guide.json": guide}))
    assert project is not None and project.doc.guide.reference is None
    assert project.warnings and ("colour guide" in project.warnings[0] or "reference" in project.warnings[0])


@pytest.mark.parametrize("png", [b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, MEMBERS["lines.png"][:60]])
def test_a_damaged_reference_costs_only_the_reference(png: bytes, tmp_path: Path) -> None:
    project = _check_project(_zip(tmp_path / "r.ganime", **{"reference.png": png}))
    assert project is not None and project.doc.guide.reference is None
    assert any("reference picture" in w for w in project.warnings)


def test_damaged_members_and_palettes(tmp_path: Path) -> None:
    project = _check_project(_zip(tmp_path / "p.ganime", **{"palette.gpl": b"not a palette\x00"}))
    assert project is not None and any("palette" in w for w in project.warnings)
    with pytest.raises(ProjectError, match=r"l\.ganime: lines\.png: "):
        load_project(_zip(tmp_path / "l.ganime", **{"lines.png": b"\x89PNG junk"}))
    with pytest.raises(ProjectError, match=r"m\.ganime: project is missing lines\.png"):
        load_project(_zip(tmp_path / "m.ganime", **{"lines.png": None}))


# -- properties ---------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12)
MANIFESTS = st.fixed_dictionaries(
    {"format": st.just("ganime-project") | JSON_VALUES},
    optional={"version": JSON_VALUES, "size": st.just([32, 24]) | JSON_VALUES, "source": JSON_VALUES,
              "has_alpha": JSON_VALUES})
MEMBER_DATA = (JSON_VALUES.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=80)
               | MANIFESTS.map(lambda v: json.dumps(v).encode()))


@BOUNDED
@given(changes=st.dictionaries(st.sampled_from(sorted(MEMBERS)), MEMBER_DATA | st.none(), min_size=1, max_size=3))
def test_projects_with_random_members_load_or_raise_project_error(changes: dict, tmp_path: Path) -> None:
    _check_project(_zip(tmp_path / "random.ganime", **changes))


@BOUNDED
@given(edits=st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.binary(min_size=1, max_size=4)),
                      min_size=1, max_size=8))
def test_byte_mutated_projects_load_or_raise_project_error(edits: list, tmp_path: Path) -> None:
    data = bytearray(GOOD)
    for pos, new in edits:
        data[pos:pos + len(new)] = new
    path = tmp_path / "mutated.ganime"
    path.write_bytes(bytes(data))
    _check_project(path)


# -- settings -------------------------------------------------------------------------------------

def _check_settings(ini: Path) -> None:
    s = bounded(lambda: load_settings(QSettings(str(ini), QSettings.Format.IniFormat)))
    assert s.device in DEVICES and s.color_mode in COLOR_MODES
    assert 64 <= s.preview_size <= 1024 and 5 <= s.autosave_s <= 3600 and 0 <= s.working_size <= 4096
    assert isinstance(s.model_path, str) and "\x00" not in s.model_path
    assert len(s.recent_files) <= MAX_RECENT_FILES and all(isinstance(p, str) and p for p in s.recent_files)
    s.model_file()  # a path that can be asked about (no NUL, not a list)


def test_hostile_settings_values_fall_back(tmp_path: Path) -> None:
    ini = tmp_path / "ganime.ini"
    ini.write_bytes(b"[General]\nrecent_files=" + b"[" * 5000 + b"]" * 5000 + b"\nmodel_path=a, b\n"
                    b"working_size=1e999\npreview_size=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x14)\n"
                    b"device=@ByteArray(\\xff)\n")
    _check_settings(ini)
    qs = QSettings(str(ini), QSettings.Format.IniFormat)
    for key, value in (("recent_files", json.dumps(["ok.png", 5, None, "bad\x00path"])), ("model_path", "x\x00y"),
                       ("cpu_threads", "1" + "0" * 30), ("working_size", [1, 2])):
        qs.setValue(key, value)
    qs.sync()
    s = load_settings(QSettings(str(ini), QSettings.Format.IniFormat))
    assert s.recent_files == ["ok.png"] and s.model_path == "" and s.working_size == 0


@BOUNDED
@given(text=st.binary(max_size=300) | st.lists(
    st.tuples(st.sampled_from(["device", "model_path", "working_size", "preview_size", "autosave_s",
                               "regen_delay_ms", "auto_regen", "color_mode", "cpu_threads", "recent_files"]),
              st.text(max_size=30) | JSON_VALUES.map(json.dumps)), max_size=6).map(
    lambda kv: ("[General]\n" + "\n".join(f"{k}={v}" for k, v in kv)).encode(errors="replace")))
def test_random_settings_files_give_valid_settings(text: bytes, tmp_path: Path) -> None:
    ini = tmp_path / "random.ini"
    ini.write_bytes(text)
    _check_settings(ini)


# -- recovery entries -------------------------------------------------------------------------

def test_hostile_recovery_entries_are_skipped_or_recovered(tmp_path: Path) -> None:
    entries = {
        "deep": DEEP, "latin1": b'{"pid": 1, "id": "\xe9"}', "pid-huge": json.dumps({"pid": 10**30, "id": "a"}),
        "pid-text": json.dumps({"pid": "x", "id": "a"}), "list": b"[1, 2]",
        "nan-time": json.dumps({"pid": 999_999_999, "id": "a", "saved_at": float("nan")}),
        "huge-time": json.dumps({"pid": 999_999_998, "id": "b", "saved_at": 1e300, "source": ["x"]}),
    }
    for name, data in entries.items():
        (tmp_path / f"autosave-{name}.json").write_bytes(data if isinstance(data, bytes) else data.encode())
        (tmp_path / f"autosave-{name}.ganime").write_bytes(GOOD)
    found = bounded(lambda: find_orphans(tmp_path))
    assert sorted(o.info.name for o in found) == ["autosave-huge-time.json", "autosave-nan-time.json"]
    for orphan in found:
        assert "untitled picture" in orphan.describe()  # the bad source is dropped, the time is the file's


@BOUNDED
@given(data=st.binary(max_size=120) | JSON_VALUES.map(lambda v: json.dumps(v).encode())
       | st.fixed_dictionaries({"pid": JSON_VALUES | st.integers(-(10**20), 10**20), "id": JSON_VALUES},
                               optional={"source": JSON_VALUES, "saved_at": JSON_VALUES}).map(
                                   lambda v: json.dumps(v).encode()))
def test_random_recovery_entries_never_raise(data: bytes, tmp_path: Path) -> None:
    (tmp_path / "autosave-x.json").write_bytes(data)
    (tmp_path / "autosave-x.ganime").write_bytes(GOOD)
    for orphan in bounded(lambda: find_orphans(tmp_path)):
        assert isinstance(orphan.describe(), str) and isinstance(orphan.saved_at, float)
