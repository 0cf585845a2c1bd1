"""The part model's training runs end to end on a folder of pictures and exports a usable file."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ganime_core.parts.features import MODEL_FEATURES
from ganime_core.parts.model import load_part_model


def _picture(seed: int) -> np.ndarray:
    """A coloured 'head': hair strands in one colour (cut by lines), a face, two eyes."""
    rng = np.random.default_rng(seed)
    img = np.full((200, 200, 3), 255, np.uint8)
    hair = tuple(int(c) for c in rng.integers(20, 200, 3))
    cv2.rectangle(img, (30, 20), (170, 80), hair, -1)
    for x in (70, 110, 150):
        cv2.line(img, (x, 20), (x, 70), (20, 20, 20), 2)
    cv2.rectangle(img, (30, 20), (170, 80), (20, 20, 20), 2)
    cv2.rectangle(img, (45, 80), (155, 180), (245, 210, 190), -1)
    cv2.rectangle(img, (45, 80), (155, 180), (20, 20, 20), 2)
    for x in (80, 120):
        cv2.circle(img, (x, 120), 10, (40, 90, 200), -1)
        cv2.circle(img, (x, 120), 10, (20, 20, 20), 2)
    return img


def test_training_makes_rows_trains_and_exports(tmp_path: Path, tiny_weights: Path, monkeypatch) -> None:
    import ganime_core.api as api
    from training import parts

    data = tmp_path / "data" / "faces"
    data.mkdir(parents=True)
    for i in range(6):
        cv2.imwrite(str(data / f"{i:03d}.png"), cv2.cvtColor(_picture(i), cv2.COLOR_RGB2BGR))
    real_load = api.Colorizer.load
    monkeypatch.setattr(api.Colorizer, "load", classmethod(
        lambda cls, *a, **k: real_load(tiny_weights, device="cpu")))
    out, model_path = tmp_path / "run", tmp_path / "parts.safetensors"
    args = ["--data", str(tmp_path / "data"), "--out", str(out), "--figures", "0", "--faces", "5",
            "--val-figures", "0", "--val-faces", "2", "--per-item", "1", "--epochs", "3", "--hidden", "8",
            "--device", "cpu", "--export", str(model_path)]
    assert parts.main(args) == 0
    assert (out / "rows.npz").is_file() and (out / "result.json").is_file()
    model = load_part_model(model_path)
    assert model.features == MODEL_FEATURES and model.info["training_pairs"] > 0
    x = np.zeros((3, len(MODEL_FEATURES)), np.float32)
    p = model.same_part(x)
    assert p.shape == (3,) and ((p >= 0) & (p <= 1)).all()
    # --resume trains again from the cached rows without making them anew
    (out / "result.json").unlink()
    monkeypatch.setattr(api.Colorizer, "load", classmethod(lambda cls, *a, **k: (_ for _ in ()).throw(
        AssertionError("the rows must come from the cache"))))
    assert parts.main([*args, "--resume"]) == 0 and (out / "result.json").is_file()
