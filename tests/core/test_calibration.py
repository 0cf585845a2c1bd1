"""Precision and memory format chosen by measurement, cached per CPU, torch and architecture."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch

from ganime_core.api import Colorizer
from ganime_core.errors import GanimeError
from ganime_core.models import build_generator
from ganime_core.runtime.calibration import (
    CACHE_ENV,
    cache_path,
    calibration_key,
    fast_norms,
    measure,
    model_signature,
    read_cache,
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache" / "calibration.json"
    monkeypatch.setenv(CACHE_ENV, str(path))
    return path


def _measured(caplog: pytest.LogCaptureFixture) -> bool:
    return any("measuring the forward" in r.getMessage() for r in caplog.records)


def _conv_weight(c: Colorizer) -> torch.Tensor:
    return next(p for p in c.model.parameters() if p.ndim == 4)


def test_cache_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_path() == tmp_path / "xdg" / "ganime" / "calibration.json"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine.json"))
    assert cache_path() == tmp_path / "mine.json"


def test_first_load_measures_then_the_cache_is_reused(tiny_weights: Path, cache: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ganime_core.runtime.calibration")
    first = Colorizer.load(tiny_weights, device="cpu")
    assert first.calibration.source == "measured" and _measured(caplog)
    assert cache.is_file()
    entry = next(iter(read_cache(cache).values()))
    assert set(entry["ms"]) == {"fp32/contiguous", "fp32/channels_last", "bf16/contiguous", "bf16/channels_last"}
    assert entry["ms"][f"{first.precision}/{first.memory_format}"] is not None
    stamp = cache.stat().st_mtime_ns
    caplog.clear()
    second = Colorizer.load(tiny_weights, device="cpu")
    assert second.calibration.source == "cache" and not _measured(caplog)
    assert cache.stat().st_mtime_ns == stamp  # nothing measured, nothing written
    assert (second.precision, second.memory_format) == (first.precision, first.memory_format)


def _force_cache(cache: Path, ranking: list[str]) -> None:
    """Rewrite every entry so that the candidates rank as in ``ranking`` (fastest first)."""
    doc = json.loads(cache.read_text())
    for entry in doc["entries"].values():
        entry["ms"] = {name: 1.0 + ranking.index(name) if name in ranking else 50.0 for name in entry["ms"]}
    cache.write_text(json.dumps(doc))


def test_the_cached_choice_is_applied_and_an_explicit_value_wins(tiny_weights: Path, cache: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    Colorizer.load(tiny_weights, device="cpu")
    _force_cache(cache, ["bf16/contiguous", "fp32/contiguous"])
    auto = Colorizer.load(tiny_weights, device="cpu")
    assert (auto.precision, auto.memory_format, auto.calibration.source) == ("bf16", "contiguous", "cache")
    assert auto._use_bf16() and not _conv_weight(auto).is_contiguous(memory_format=torch.channels_last)
    caplog.set_level(logging.INFO, logger="ganime_core.runtime.calibration")
    caplog.clear()
    half = Colorizer.load(tiny_weights, device="cpu", precision="fp32")  # the layout still from the cache
    assert (half.precision, half.memory_format, half.calibration.source) == ("fp32", "contiguous", "cache")
    both = Colorizer.load(tiny_weights, device="cpu", precision="fp32", memory_format="channels_last")
    assert (both.precision, both.memory_format, both.calibration.source) == ("fp32", "channels_last", "explicit")
    assert _conv_weight(both).is_contiguous(memory_format=torch.channels_last) and not both._use_bf16()
    assert not _measured(caplog)


def test_explicit_choice_measures_nothing(tiny_weights: Path, cache: Path) -> None:
    c = Colorizer.load(tiny_weights, device="cpu", precision="bf16", memory_format="contiguous")
    assert c.calibration.source == "explicit" and not cache.exists()
    assert c.colorize(torch.zeros(40, 40).numpy().astype("uint8") + 255).image.shape == (40, 40, 3)


def test_corrupt_cache_is_measured_again(tiny_weights: Path, cache: Path,
                                         caplog: pytest.LogCaptureFixture) -> None:
    cache.parent.mkdir(parents=True)
    for junk in (b"\xff\xfe not json", b'{"format": "ganime-calibration", "entries": [1, 2]}',
                 b"[" * 100_000):
        cache.write_bytes(junk)
        caplog.clear()
        c = Colorizer.load(tiny_weights, device="cpu")
        assert c.calibration.source == "measured"
        assert "ignoring the calibration cache" in caplog.text
        assert read_cache(cache)  # rewritten as a valid file


def test_key_changes_with_cpu_torch_and_architecture() -> None:
    a = build_generator("unet", {"base_width": 8, "depth": 5})
    b = build_generator("unet", {"base_width": 8, "depth": 5})
    c = build_generator("unet", {"base_width": 16, "depth": 5})
    assert model_signature(a) == model_signature(b)  # weights do not matter
    assert model_signature(a) != model_signature(c)
    sig = model_signature(a)
    keys = {calibration_key("AMD EPYC", "2.5.0", sig), calibration_key("Intel Xeon", "2.5.0", sig),
            calibration_key("AMD EPYC", "2.6.0", sig), calibration_key("AMD EPYC", "2.5.0", model_signature(c))}
    assert len(keys) == 4


def test_measurement_stops_at_its_budget() -> None:
    model = build_generator("unet", {"base_width": 8, "depth": 5}).eval()
    everything = [("fp32", "channels_last"), ("fp32", "contiguous"), ("bf16", "contiguous")]
    ms = measure(model, everything, size=64, budget_s=0.0)
    assert ms["fp32/channels_last"] is not None  # the first candidate is always measured
    assert ms["fp32/contiguous"] is None and ms["bf16/contiguous"] is None
    full = measure(model, everything, size=64, budget_s=60.0)
    assert full["fp32/channels_last"] is not None and full["fp32/channels_last"] > 0


def test_bad_choice_is_a_clear_error(tiny_weights: Path, cache: Path) -> None:
    with pytest.raises(GanimeError, match="precision must be one of auto, fp32, bf16"):
        Colorizer.load(tiny_weights, device="cpu", precision="fp16")
    with pytest.raises(GanimeError, match="memory format must be one of"):
        Colorizer.load(tiny_weights, device="cpu", memory_format="nhwc")


def test_fast_norms_give_the_same_numbers() -> None:
    torch.manual_seed(0)
    model = build_generator("unet", {"base_width": 8, "depth": 5, "norm": "instance"}).eval()
    for m in model.modules():
        if isinstance(m, torch.nn.InstanceNorm2d) and m.weight is not None:
            torch.nn.init.normal_(m.weight, 1.0, 0.3)
            torch.nn.init.normal_(m.bias, 0.0, 0.3)
    x = torch.randn(2, model.config.in_channels, 64, 64)
    with torch.inference_mode():
        before = model(x)
        names = [n for n, _ in model.named_parameters()]
        swapped = fast_norms(model)
        after = model(x)
    assert swapped > 0 and not any(isinstance(m, torch.nn.InstanceNorm2d) for m in model.modules())
    assert [n for n, _ in model.named_parameters()] == names  # state dicts still load
    torch.testing.assert_close(after, before, atol=1e-5, rtol=1e-4)
