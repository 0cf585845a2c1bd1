"""Hostile model files: damaged metadata is a WeightsError naming the file, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hostile_helpers import bounded, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from safetensors.numpy import save_file

from ganime_core.errors import WeightsError
from ganime_core.runtime.modelfile import read_metadata
from ganime_core.runtime.weights import load_weights, read_info

BOUNDED = fuzz_settings(30, 300)


GOOD_META = {"format": "ganime-weights", "format_version": "1", "arch": "unet",
             "config": json.dumps({"base_width": 8, "depth": 5}), "in_channels": "5",
             "working_size": "128", "training": "{}", "metrics": "{}", "model_card": "# card"}


def _file(tmp_path: Path, meta: dict[str, str], name: str = "m.safetensors") -> Path:
    path = tmp_path / name
    save_file({"x": np.zeros(2, np.float32)}, str(path), metadata=meta)
    return path


@pytest.mark.parametrize("changes, words", [
    ({"config": "[" * 100_000 + "]" * 100_000}, "nested too deeply"),
    ({"config": "[1, 2]"}, "not dict"),
    ({"config": json.dumps({"base_width": 10**9})}, "invalid model configuration"),
    ({"config": json.dumps({"base_width": "wide"})}, "invalid model configuration"),
    ({"config": json.dumps({"depth": -3})}, "invalid model configuration"),
    ({"training": "\"just text\""}, "not dict"),
    ({"metrics": "{\"a\": " * 5000 + "1" + "}" * 5000}, "nested too deeply"),
    ({"working_size": "abc"}, "invalid model configuration"),
    ({"working_size": "1" * 5000}, "invalid model configuration"),
    ({"working_size": "0"}, "invalid model configuration"),
    ({"inputs": "{\"a\": 1}"}, "not list"),
    ({"format_version": "one"}, "format version"),
    ({"arch": "resnet9000"}, "invalid model configuration"),
])
def test_each_hostile_metadata_is_a_weights_error(tmp_path: Path, changes: dict, words: str) -> None:
    path = _file(tmp_path, {**GOOD_META, **changes})
    with pytest.raises(WeightsError, match=words) as err:
        bounded(lambda: read_info(path))
    assert "m.safetensors" in str(err.value)


def test_a_huge_described_model_is_refused_before_it_is_built(tmp_path: Path) -> None:
    """A config within the type limits but not matching the file's tensors is refused without
    allocating the model it describes (built on the meta device first)."""
    meta = {**GOOD_META, "config": json.dumps({"base_width": 4096, "depth": 8, "max_width_mult": 8})}
    path = _file(tmp_path, meta)
    with pytest.raises(WeightsError, match="do not match"):
        bounded(lambda: load_weights(path), seconds=30, megabytes=600)  # the model: ~70 GB


def test_bad_checksum_files_are_weights_errors(tiny_weights: Path, tmp_path: Path) -> None:
    copy = tmp_path / "t.safetensors"
    copy.write_bytes(tiny_weights.read_bytes())
    side = tmp_path / "t.safetensors.sha256"
    for content in (b"\xff\xfe\x00", b"", b"zz" * 32, b"a" * 10_000):
        side.write_bytes(content)
        with pytest.raises(WeightsError, match="sha256|checksum"):
            load_weights(copy)


def test_good_file_still_reads(tmp_path: Path) -> None:
    info = read_info(_file(tmp_path, GOOD_META))
    assert info.arch == "unet" and info.working_size == 128 and info.training == {}


JSON_TEXT = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=12).map(json.dumps)
CONFIG_KEYS = st.sampled_from(["base_width", "depth", "in_channels", "norm", "dropout", "code_dim",
                               "max_width_mult", "upsample", "out_channels", "bogus"])
CONFIGS = st.dictionaries(CONFIG_KEYS, st.integers(-5, 10**7) | st.floats() | st.text(max_size=10)
                          | st.booleans() | st.none(), max_size=4).map(json.dumps)


@BOUNDED
@given(changes=st.dictionaries(
    st.sampled_from(["format", "format_version", "arch", "config", "in_channels", "working_size",
                     "inputs", "training", "metrics", "model_card", "created"]),
    JSON_TEXT | CONFIGS | st.text(max_size=20), max_size=4))
def test_random_metadata_gives_info_or_weights_error(changes: dict[str, str], tmp_path: Path) -> None:
    path = _file(tmp_path, {**GOOD_META, **changes})
    try:
        info = bounded(lambda: read_info(path))
    except WeightsError as exc:
        assert "m.safetensors" in str(exc)
        return
    assert isinstance(info.training, dict) and isinstance(info.metrics, dict)
    assert 16 <= info.working_size <= 16384


@BOUNDED
@given(data=st.binary(max_size=400))
def test_random_bytes_are_not_a_model(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "junk.safetensors"
    path.write_bytes(data)
    with pytest.raises(WeightsError, match="junk.safetensors"):
        bounded(lambda: read_metadata(path))


class _Marker:
    """Unpickling this creates ``path`` (``open(path, "w")``): proof that something unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple:
        return (open, (str(self.path), "w"))


def _pickle_payload(tmp_path: Path, name: str) -> tuple[Path, Path]:
    import pickle

    import torch

    marker = tmp_path / f"{name}.unpickled"
    payload = {"format": "ganime-checkpoint", "step": 1, "state": _Marker(marker)}
    pickle.loads(pickle.dumps(payload)).get("state").close()  # the detector works ...
    assert marker.exists()
    marker.unlink()  # ... and starts clean
    path = tmp_path / name
    torch.save(payload, path)
    assert not marker.exists()
    return path, marker


@pytest.mark.parametrize("name", ["model.safetensors", "model.pt"])
def test_a_pickle_bearing_model_file_is_a_weights_error_and_never_unpickled(tmp_path: Path,
                                                                            name: str) -> None:
    path, marker = _pickle_payload(tmp_path, name)
    for reader in (read_info, load_weights):
        with pytest.raises(WeightsError, match=f"{name}: not a valid .safetensors file"):
            reader(path)
    assert not marker.exists()


def test_a_pickle_bearing_checkpoint_is_refused_by_the_weights_only_loader(tmp_path: Path) -> None:
    from training.trainer import load_checkpoint

    path, marker = _pickle_payload(tmp_path, "checkpoint.pt")
    with pytest.raises(ValueError, match="(?is)checkpoint.pt.*weights only"):
        load_checkpoint(path)
    assert not marker.exists()
