"""Tiny synthetic datasets for the training tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ganime_core.io.imageio import save_png


def cartoon(rng: np.random.Generator, size: int = 48) -> np.ndarray:
    """A flat-coloured 'character': filled shapes with dark outlines on a coloured background."""
    img = np.full((size, size, 3), rng.integers(150, 255, 3), np.uint8)
    for _ in range(3):
        c = tuple(int(v) for v in rng.integers(0, 255, 3))
        centre = tuple(int(v) for v in rng.integers(size // 4, 3 * size // 4, 2))
        r = int(rng.integers(size // 8, size // 3))
        cv2.circle(img, centre, r, c, -1)
        cv2.circle(img, centre, r, (20, 20, 20), 1)
    return img


def make_color_folder(root: Path, n: int = 10, groups: tuple[str, ...] = ("faces", "fullbody")) -> Path:
    rng = np.random.default_rng(0)
    for g in groups:
        (root / g).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            save_png(root / g / f"{i:03d}.png", cartoon(rng))
    return root


@pytest.fixture()
def color_data(tmp_path: Path) -> Path:
    return make_color_folder(tmp_path / "color_only")


@pytest.fixture()
def make_cartoon():  # noqa: ANN201
    return cartoon


@pytest.fixture()
def make_config():  # noqa: ANN201
    return tiny_config


def tiny_config(data: Path, out: Path, **kw: object):  # noqa: ANN201
    from training.config import TrainConfig

    values: dict = dict(data=str(data), out=str(out), gen="base_width=4,depth=3,dropout=0.0",
                        d_width=4, d_layers=2, batch_size=2, canvas=32, crop=32, max_steps=6,
                        threads=1, progress=False, checkpoint_minutes=100.0, sample_minutes=100.0,
                        log_every=2)
    values.update(kw)
    return TrainConfig(**values)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 3-step tiny training run: (data folder, checkpoint path)."""
    import torch

    from training.trainer import Trainer

    root = tmp_path_factory.mktemp("trained")
    data = make_color_folder(root / "data")
    before = torch.get_num_threads()
    Trainer(tiny_config(data, root / "run", max_steps=3)).fit()
    torch.set_num_threads(before)
    return data, root / "run" / "checkpoint.pt"
