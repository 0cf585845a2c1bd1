import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from ganime_core.errors import NoDefaultModelError, WeightsError
from ganime_core.models import build_generator
from ganime_core.runtime import weights as W


def _tiny(**kw):
    torch.manual_seed(1)
    return build_generator("unet", {"base_width": 4, "depth": 4, **kw})


def test_round_trip_exact(tmp_path: Path) -> None:
    model = _tiny()
    path = W.save_weights(tmp_path / "m.safetensors", model, working_size=384,
                          training={"epochs": 3}, metrics={"fid": 1.5}, model_card="# Card")
    assert Path(str(path) + ".sha256").is_file()
    loaded, info = W.load_weights(path)
    assert info.arch == "unet" and info.config == model.config
    assert info.working_size == 384 and info.training == {"epochs": 3}
    assert info.metrics == {"fid": 1.5} and info.model_card == "# Card"
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k
    assert info.sha256 == W.file_sha256(path)


def test_half_precision_export_is_close(tmp_path: Path) -> None:
    model = _tiny().eval()
    path = W.save_weights(tmp_path / "h.safetensors", model, half=True)
    loaded, _ = W.load_weights(path)
    x = torch.randn(1, 5, 32, 32)
    assert (loaded(x) - model(x)).abs().max() < 1e-2
    assert path.stat().st_size < 0.6 * sum(p.numel() * 4 for p in model.parameters()) + 20000


def test_tampered_file_fails_checksum(tmp_path: Path) -> None:
    path = W.save_weights(tmp_path / "m.safetensors", _tiny())
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="checksum mismatch"):
        W.load_weights(path)


def test_explicit_sha256_is_verified(tmp_path: Path) -> None:
    path = W.save_weights(tmp_path / "m.safetensors", _tiny(), write_sha256=False)
    with pytest.raises(WeightsError, match="checksum"):
        W.load_weights(path, sha256="0" * 64)
    W.load_weights(path, sha256=W.file_sha256(path))


@pytest.mark.parametrize("cut", [10, 200, -100])
def test_truncated_file(tmp_path: Path, cut: int) -> None:
    path = W.save_weights(tmp_path / "m.safetensors", _tiny(), write_sha256=False)
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(WeightsError):
        W.load_weights(path)


def test_garbage_and_pickle_files_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "model.safetensors"
    p.write_bytes(b"not a model at all" * 10)
    with pytest.raises(WeightsError, match="not a valid"):
        W.load_weights(p)
    pt = tmp_path / "model.pt"
    torch.save({"x": torch.zeros(1)}, pt)
    with pytest.raises(WeightsError):
        W.load_weights(pt)


def test_foreign_safetensors_without_metadata(tmp_path: Path) -> None:
    p = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(3)}, str(p))
    with pytest.raises(WeightsError, match="not a GANime model"):
        W.load_weights(p)


def _rewrite(path: Path, tensors: dict, meta: dict) -> None:
    save_file(tensors, str(path), metadata=meta)
    Path(str(path) + ".sha256").unlink(missing_ok=True)


def test_config_that_does_not_match_tensors(tmp_path: Path) -> None:
    from safetensors import safe_open

    path = W.save_weights(tmp_path / "m.safetensors", _tiny())
    with safe_open(str(path), "pt") as f:
        meta = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is not a dict)
    cfg = json.loads(meta["config"])
    cfg["base_width"] = 8
    _rewrite(path, tensors, {**meta, "config": json.dumps(cfg)})
    with pytest.raises(WeightsError, match="has shape"):
        W.load_weights(path)
    cfg["depth"] = 5
    _rewrite(path, tensors, {**meta, "config": json.dumps(cfg)})
    with pytest.raises(WeightsError, match="do not match"):
        W.load_weights(path)
    _rewrite(path, tensors, {**meta, "arch": "vit"})
    with pytest.raises(WeightsError, match="invalid model configuration"):
        W.load_weights(path)
    _rewrite(path, tensors, {**meta, "format_version": "99"})
    with pytest.raises(WeightsError, match="not supported"):
        W.load_weights(path)


def test_nan_weights_are_refused(tmp_path: Path) -> None:
    model = _tiny()
    with torch.no_grad():
        next(model.parameters()).fill_(float("nan"))
    path = W.save_weights(tmp_path / "nan.safetensors", model)
    with pytest.raises(WeightsError, match="NaN"):
        W.load_weights(path)


def test_missing_file_and_no_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(WeightsError, match="not found"):
        W.load_weights(tmp_path / "nope.safetensors")
    monkeypatch.setattr(W, "DEFAULT_WEIGHTS", tmp_path / "default.safetensors")
    with pytest.raises(NoDefaultModelError, match="No default model is installed"):
        W.load_weights()


def _meta_and_tensors(path: Path) -> tuple[dict, dict]:
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        return dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118


def test_in_channels_that_disagree_with_the_encoding_name_the_file(tmp_path: Path) -> None:
    path = W.save_weights(tmp_path / "wrong.safetensors", _tiny())
    meta, tensors = _meta_and_tensors(path)
    _rewrite(path, tensors, {**meta, "in_channels": "9"})
    with pytest.raises(WeightsError, match=r"wrong\.safetensors: the file says .*9.* configuration has 5"):
        W.load_weights(path)
    v2 = ["line", "hint_r", "hint_g", "hint_b", "hint_mask", "dense_r", "dense_g", "dense_b", "dense_mask"]
    _rewrite(path, tensors, {**meta, "inputs": json.dumps(v2)})
    with pytest.raises(WeightsError, match=r"wrong\.safetensors: .*records 9 input channels but has 5"):
        W.load_weights(path)


def test_check_generator_refuses_a_model_the_encoding_cannot_feed() -> None:
    from ganime_core.inputs.encoding import CHANNELS_V1, CHANNELS_V2

    nine = _tiny(in_channels=9)
    assert W.check_generator(nine, CHANNELS_V2, "nine.safetensors") is nine
    with pytest.raises(WeightsError, match=r"nine\.safetensors: the model takes 9 input channels but "
                                           r"its encoding lists 5"):
        W.check_generator(nine, CHANNELS_V1, "nine.safetensors")
    with pytest.raises(WeightsError, match=r"conv\.safetensors: .*Generator contract"):
        W.check_generator(torch.nn.Conv2d(5, 3, 1), CHANNELS_V1, "conv.safetensors")


def test_model_info_config_meets_the_contract(tmp_path: Path) -> None:
    from ganime_core.models import Generator, GeneratorConfig, code_dim

    model, info = W.load_weights(W.save_weights(tmp_path / "m.safetensors", _tiny()))
    assert isinstance(model, Generator) and isinstance(info.config, GeneratorConfig)
    assert info.config.in_channels == len(info.inputs) == 5 and model.stride == info.config.stride
    assert code_dim(model) == getattr(info.config, "code_dim", 0)


def test_metadata_names_the_training_data_without_the_machines_folder(tmp_path: Path) -> None:
    from training.export import provenance

    secret = "/home/trainer/private/datasets/train_color"
    state = {"config": {"data": secret, "layout": "auto", "out": "runs/x", "lambda_tv": 1e-3},
             "step": 10, "images_seen": 80, "wall_seconds": 12.0, "train_files": 40,
             "lineage": [{"source": "runs/a/checkpoint.pt", "steps": 5, "images_seen": 40,
                          "train_seconds": 3.0, "config": {"data": secret + "/", "layout": "color"}}]}
    facts = provenance(state)
    assert facts["data"] == "train_color"
    assert facts["data_layout"] == {"name": "train_color", "layout": "auto", "train_files": 40}
    assert facts["config"]["data"] == facts["lineage"][0]["config"]["data"] == "train_color"
    assert facts["epochs"] == 3.0 and facts["steps"] == 15 and facts["config"]["lambda_tv"] == 1e-3
    path = W.save_weights(tmp_path / "m.safetensors", _tiny(), training=facts)
    meta, _ = _meta_and_tensors(path)
    assert "/home/" not in json.dumps(meta) and "private" not in json.dumps(meta)
    assert W.read_info(path).training["data"] == "train_color"
