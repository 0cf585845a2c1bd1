"""Real Krita, headless: kritarunner runs the plugin's code against an in-process service."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

# The plugin is not installed in the venv; its tests outside Krita import it from here.
PLUGIN_DIR = str(Path(__file__).resolve().parents[2] / "krita_plugin")
if PLUGIN_DIR not in sys.path:
    sys.path.insert(0, PLUGIN_DIR)


@pytest.fixture(scope="session")
def kritarunner() -> str:
    exe = shutil.which("kritarunner")
    if exe is None:
        msg = ("kritarunner not found; as root: apt-get install -y --no-install-recommends "
               "krita python3-pyqt5 (make test does this)")
        if os.environ.get("GANIME_REQUIRE_KRITA") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return exe


@pytest.fixture(scope="module")
def krita_service(tiny_weights, tmp_path_factory):
    from ganime_core.api import Colorizer
    from ganime_core.service.server import ServeOptions, ServiceThread

    colorizer = Colorizer.load(tiny_weights, device="cpu")
    token_file = tmp_path_factory.mktemp("krita-token") / "token"
    with ServiceThread(colorizer, ServeOptions(port=0, token_file=token_file)) as svc:
        yield svc
