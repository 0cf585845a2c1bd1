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


def test_the_head_the_hinted_and_the_hint_free_models_train_into_one_file(tmp_path: Path, tiny_weights: Path,
                                                                          monkeypatch) -> None:
    """training.parts_head -> training.parts --head -> training.parts_free --into: one part model
    file with the head (for this colour model), both MLPs, read back by the app's loader."""
    import ganime_core.api as api
    from ganime_core.parts.features import PAIR_FEATURES
    from training import parts, parts_free, parts_head

    data = tmp_path / "data" / "faces"
    data.mkdir(parents=True)
    for i in range(8):
        cv2.imwrite(str(data / f"{i:03d}.png"), cv2.cvtColor(_picture(i), cv2.COLOR_RGB2BGR))
    real_load = api.Colorizer.load
    monkeypatch.setattr(api.Colorizer, "load", classmethod(
        lambda cls, *a, **k: real_load(tiny_weights, device="cpu", precision="fp32", memory_format="contiguous")))
    common = ["--data", str(tmp_path / "data"), "--figures", "0", "--faces", "6", "--per-item", "1"]
    assert parts_head.main([*common, "--val", "10", "--epochs", "2", "--out", str(tmp_path / "head")]) == 0
    head_file = tmp_path / "head" / "head.safetensors"
    assert head_file.is_file() and (tmp_path / "head" / "head.json").is_file()
    model_path = tmp_path / "parts.safetensors"
    assert parts.main([*common, "--val-figures", "0", "--val-faces", "2", "--epochs", "2", "--hidden", "8",
                       "--device", "cpu", "--out", str(tmp_path / "hinted"), "--head", str(head_file),
                       "--export", str(model_path)]) == 0
    assert parts_free.main([*common, "--val", "10", "--epochs", "2", "--hidden", "8", "--out", str(tmp_path / "free"),
                            "--head", str(head_file), "--into", str(model_path)]) == 0
    model = load_part_model(model_path)
    colorizer = api.Colorizer.load()
    assert model.head is not None and model.head_for(colorizer.info.sha256) is model.head
    assert model.free is not None and model.free.features == PAIR_FEATURES
    emb_sim = MODEL_FEATURES.index("emb_sim")
    x = np.zeros((2, len(MODEL_FEATURES)), np.float32)
    assert float(np.std(parts.load_head(head_file).out.weight.detach().numpy())) > 0
    assert model.std[emb_sim] > 1e-5, "the head's similarity varied over the training pairs"
    assert model.same_part(x).shape == (2,)
