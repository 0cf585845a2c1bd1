"""The Krita plugin's own code, inside a real (headless) Krita, against a running service."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest
from plugin_helpers import FIELDS_WITH_GAP, FakeService

from ganime_core.io.imageio import load_image

ROOT = Path(__file__).resolve().parents[2]
W, H = 96, 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_in_krita(kritarunner: str, module: str, cfg: dict, tmp: Path, timeout: float = 240) -> dict:
    cfg_path = tmp / "config.json"
    cfg_path.write_text(json.dumps(cfg))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", GANIME_E2E_CONFIG=str(cfg_path),
               PYTHONPATH=os.pathsep.join([str(ROOT / "krita_plugin"), str(Path(__file__).parent)]),
               HOME=str(tmp / "home"), XDG_CONFIG_HOME=str(tmp / "home" / ".config"),
               XDG_DATA_HOME=str(tmp / "home" / ".local" / "share"))
    env.pop("QT_API", None)
    proc = subprocess.run(["nice", "-n", "10", kritarunner, "-s", module, "-f", "main"], env=env,
                          cwd=tmp, capture_output=True, text=True, timeout=timeout)
    verdict = Path(cfg["verdict"])
    assert verdict.is_file(), f"Krita wrote no verdict; its output:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    v = json.loads(verdict.read_text())
    assert v["ok"], v.get("traceback")
    return v


def line_art() -> np.ndarray:
    """What the plugin sends: the transparent ink layer flattened on white, as grey."""
    a = np.full((H, W), 255, np.uint8)
    a[:2], a[-2:], a[:, :2], a[:, -2:], a[:, 47:49] = 0, 0, 0, 0, 0
    return a


def test_plugin_colorizes_inside_real_krita(kritarunner, krita_service, tmp_path):
    bad = tmp_path / "bad-token"
    bad.write_text("x" * 43)
    out = tmp_path / "out"
    out.mkdir()
    cfg = {"url": krita_service.url, "token_file": str(krita_service.token_path),
           "bad_token_file": str(bad), "dead_url": f"http://127.0.0.1:{free_port()}",
           "verdict": str(tmp_path / "verdict.json"), "out": str(out)}
    # stand-ins for services older than /v1/options (it answers 404), with and without "gap"
    with FakeService() as old, FakeService([f for f in FIELDS_WITH_GAP if f != "gap"]) as older:
        cfg.update(old_url=old.url, older_url=older.url, fake_token_file=str(old.token_file(tmp_path)))
        v = run_in_krita(kritarunner, "krita_e2e", cfg, tmp_path)
        assert ("GET", "/v1/options", {}) in old.seen and ("GET", "/v1/options", {}) in older.seen

    assert v["health"]["service"] == "ganime"
    # 1. the group sits right above the line layer, its layers and blending modes as in the .ora
    first = v["first"]
    assert first["root"] == ["Background", "Ink", "GANime", "GANime hints"]
    assert first["parent"] == "root"
    assert [(x["name"], x["blend"], x["visible"]) for x in first["layers"]] == [
        ("Lines", "multiply", True), ("Shading", "overlay", False),
        ("Flats", "normal", False), ("Flats by part", "normal", False), ("Colour", "normal", True)]
    assert [x["type"] for x in first["layers"]] == ["paintlayer"] * 3 + ["grouplayer", "paintlayer"]
    parts = first["layers"][3]["children"]  # one paint layer per flat colour, shown inside the hidden group
    assert len(parts) >= 2 and all(x["type"] == "paintlayer" and x["visible"] for x in parts)
    assert parts[0]["name"].startswith("01 ")
    # the hinted region's flat colour is the hint's; the lines layer is the line art
    flats = load_image(out / "locked_Flats.png").rgb
    assert (flats[22:40, 12:30] == (220, 30, 40)).all()
    lines = load_image(out / "locked_Lines.png").rgb[..., 0]
    assert (lines == line_art()).all()

    # 2. replaced in place, one group, the artist's visibility kept, pixels on the canvas
    second = v["second"]
    assert second["groups"] == 1
    assert second["root"] == ["Background", "Ink", "GANime", "GANime hints"]
    assert ("Flats", "normal", True) in [(x["name"], x["blend"], x["visible"]) for x in second["layers"]]
    assert second["flats_in_hint"] == [220, 30, 40, 255]
    r, g, b, a = second["projection_in_hint"]
    assert a == 255 and r > 150 and g < 90 and b < 90  # red region (hints layer still shown on top)
    assert max(second["projection_on_line"][:3]) <= 10  # ink stays black (multiply)

    # 3. plain, colour only: the Colour layer is exactly what the API gives for the same input
    third = v["third"]
    assert [(x["name"], x["blend"]) for x in third["layers"]] == [("Lines", "multiply"), ("Colour", "normal")]
    from ganime_core.api import Colorizer
    from ganime_core.inputs.hints import HintRaster

    hint = np.zeros((H, W, 4), np.uint8)
    hint[20:41, 10:31] = (220, 30, 40, 255)
    want = Colorizer.load(krita_service.colorizer.info.path, device="cpu").colorize(
        line_art(), HintRaster.from_rgba(hint), mode="plain")
    got = load_image(out / "plain_Colour.png").rgb
    assert np.abs(got.astype(int) - want.color.astype(int)).max() <= 1
    assert max(third["projection"][1][:3]) <= 10

    # 4. errors are plain words
    errors = v["errors"]
    assert errors["token"][0] == "token" and "token" in errors["token"][1]
    assert errors["down"][0] == "down" and "ganime serve" in errors["down"][1]
    assert "MP" in errors["large"][1] and "Scale" in errors["large"][1]
    assert errors["bad_mode"][0] == "bad_input" and "mode" in errors["bad_mode"][1]
    assert errors["hints_as_lines"][0] == "plugin" and "No layer named" in errors["hints_as_lines"][1]
    # 5. the docker builds inside Krita and takes its controls from the service: /v1/options,
    # or (a service without it: 404) the built-in schema with the health fields
    d = v["docker"]
    assert d["title"] == "GANime" and d["status"].startswith("Ready: GANime")
    assert d["modes"] == ["plain", "flats", "locked"]
    assert d["before"] == {"gap_enabled": False, "mode_enabled": True}  # gap: not known yet
    assert d["gap_enabled"] is True and d["gap_range"] == [0, 64] and d["gap_value"] == 6
    assert d["gap_tip"] == d["gap_help"] and "gaps" in d["gap_help"]
    assert d["mode_tip"] == d["mode_help"] and "flats" in d["mode_help"]
    assert d["size_enabled"] is True and d["size_text"] == "model's own"
    assert d["layers_checked"] is True
    assert d["offered"] == ["gap", "layers", "mode", "spread", "working_size"]
    if d["published"]:
        from ganime_core.options import ColorizeOptions

        core = {o["name"]: o for o in ColorizeOptions.schema()["options"]}
        assert d["gap_help"] == core["gap"]["help"] and d["mode_help"] == core["mode"]["help"]
    for gap in ("0", "64"):
        sent = d["sent"][gap]
        assert sent["extra"] == {"gap": int(gap), "spread": "part"} and sent["mode"] == "plain"  # size: unset
        assert sent["layers"] == ["Colour", "Flats by part", "Flats", "Shading", "Lines"]  # bottom first; accepted
    down = v["docker_down"]
    assert "not running" in down["status"] and "ganime serve" in down["status"]
    assert down["gap_enabled"] is False and down["mode_enabled"] is True
    from ganime_krita.options import FALLBACK

    old, older = v["docker_old"], v["docker_older"]
    assert old["status"].startswith("Ready: GANime 0-test") and old["published"] is False
    assert old["gap_enabled"] is True and old["gap_range"] == [0, 64] and old["gap_value"] == 6
    assert old["gap_tip"] == FALLBACK.get("gap").help
    assert old["offered"] == ["gap", "layers", "mode", "working_size"] and old["sent"] == {"gap": 6}
    assert older["published"] is False and older["gap_enabled"] is False
    assert older["gap_tip"] == "This GANime service does not offer 'gap' yet"
    assert older["offered"] == ["layers", "mode", "working_size"] and older["sent"] == {}


PLUGIN = sorted(p.name for p in (ROOT / "krita_plugin" / "ganime_krita").glob("*.py"))


def test_plugin_files_stay_short():
    long = {name: n for name in PLUGIN
            if (n := len((ROOT / "krita_plugin" / "ganime_krita" / name).read_text().splitlines())) > 400}
    assert not long, long


@pytest.mark.parametrize("name", PLUGIN)
def test_plugin_imports_only_stdlib_and_krita(name):
    """Krita's Python has no torch, numpy, PIL or PySide6: the plugin must not import them."""
    import ast

    assert {"docker.py", "controls.py", "options.py", "client.py"} <= set(PLUGIN)
    tree = ast.parse((ROOT / "krita_plugin" / "ganime_krita" / name).read_text())
    mods = {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
    mods |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    import sys

    allowed = set(sys.stdlib_module_names) | {"krita", "PyQt5", "__future__"}
    assert mods <= allowed, mods - allowed
