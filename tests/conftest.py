"""Shared test set-up: offscreen Qt, tiny random models, the shared sample data."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

# Must be set before any Qt import / QApplication creation (pytest-qt creates it lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
# Tests use tiny models: one intra-op thread each avoids OpenMP oversubscription when tests
# (and their subprocesses) share a 2-core machine with other work.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# Models loaded with precision/memory format "auto" calibrate once; keep that cache out of the
# user's ~/.cache so tests neither read a stale choice nor leave files behind.
os.environ.setdefault("GANIME_CALIBRATION_CACHE",
                      os.path.join(tempfile.mkdtemp(prefix="ganime-test-"), "calibration.json"))

# the repository root, for ``bench.pages`` (synthetic pages shared with the benchmarks)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SAMPLES = SHARED_DATA / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """``../shared/data/samples``; tests that need it skip cleanly when it is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"shared sample data not found at {SAMPLES}")
    return SAMPLES


def _tiny_model(path: Path, **config) -> Path:
    import torch

    from ganime_core.models import build_generator
    from ganime_core.runtime.weights import save_weights

    torch.manual_seed(0)
    model = build_generator("unet", {"base_width": 8, "depth": 5, **config})
    save_weights(path, model, working_size=128, training={"note": "random init, tests only"})
    return path


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-initialised U-Net with the shipped model's inputs (line art, hints, dense
    hints: 9 channels) and colour code, saved as a real GANime weights file: every step of the
    pipeline runs for it, as for the shipped model."""
    from ganime_core.inputs.encoding import CHANNELS_V2, CODE_DIM

    return _tiny_model(tmp_path_factory.mktemp("weights") / "tiny.safetensors",
                       in_channels=len(CHANNELS_V2), code_dim=CODE_DIM)


@pytest.fixture(scope="session")
def tiny_weights_v1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model of the first design (line art and hints: 5 channels, no colour code), for
    the tests that old models keep working."""
    from ganime_core.inputs.encoding import CHANNELS_V1

    return _tiny_model(tmp_path_factory.mktemp("weights") / "tiny-v1.safetensors", in_channels=len(CHANNELS_V1))


@pytest.fixture(scope="session")
def tiny_colorizer(tiny_weights: Path):
    """A :class:`ganime_core.api.Colorizer` of ``tiny_weights`` on the CPU."""
    from ganime_core.api import Colorizer

    return Colorizer.load(tiny_weights, device="cpu", precision="fp32", memory_format="contiguous")
