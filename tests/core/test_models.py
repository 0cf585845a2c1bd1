import pytest
import torch

from ganime_core.models import build_generator, generator_config_from_dict
from ganime_core.models.patchgan import PatchGANConfig, PatchGANDiscriminator
from ganime_core.models.unet import UNetConfig


@pytest.mark.parametrize("upsample", ["transpose", "bilinear"])
@pytest.mark.parametrize("norm", ["instance", "batch", "group", "none"])
def test_unet_shapes_and_range(norm: str, upsample: str) -> None:
    g = build_generator("unet", {"base_width": 8, "depth": 5, "norm": norm, "upsample": upsample}).eval()
    assert g.stride == 32
    x = torch.randn(2, 5, 64, 96)
    y = g(x)
    assert y.shape == (2, 3, 64, 96)
    assert y.abs().max() <= 1.0


def _local_share(g: torch.nn.Module) -> float:
    """Share of the output change from flipping one input pixel that stays within 3 px of it.

    Without normalisation (whose statistics would spread any change over the whole picture)
    only the skip connections bring a pixel's detail back at full resolution: through the
    bottleneck alone the change is smeared over the 16-px cells of the coarsest level."""
    x = torch.zeros(1, 5, 64, 64)
    x2 = x.clone()
    x2[0, 0, 20, 20] = 1.0
    g.fused_inference = False  # layer by layer: the decoder modules the hooks below reach
    with torch.no_grad():
        d = (g(x) - g(x2)).abs().sum(1)[0]
    return float(d[17:24, 17:24].sum() / d.sum())


def _without_skips(g: torch.nn.Module) -> list:
    """Zero the skip half of every decoder level's input (the concatenated encoder features)."""
    def drop_skip(_module: torch.nn.Module, args: tuple) -> tuple:
        x = args[0]
        half = x.shape[1] // 2
        return (torch.cat([x[:, :half], torch.zeros_like(x[:, half:])], 1),)

    return [up.register_forward_pre_hook(drop_skip) for up in list(g.ups)[1:]]


@pytest.mark.parametrize("upsample", ["transpose", "bilinear", "smooth"])
def test_unet_skip_connections_carry_fine_detail(upsample: str) -> None:
    torch.manual_seed(0)
    g = build_generator("unet", {"base_width": 8, "depth": 4, "dropout": 0.0, "norm": "none",
                                 "upsample": upsample}).eval()
    assert _local_share(g) > 0.5  # the change stays where the pixel was
    hooks = _without_skips(g)
    try:
        assert _local_share(g) < 0.1  # the same U-Net without its skips fails the check above
    finally:
        for h in hooks:
            h.remove()
    assert _local_share(g) > 0.5


def test_unet_paper_size_has_54m_params() -> None:
    g = build_generator("unet", UNetConfig(base_width=64, depth=8, in_channels=5))
    n = sum(p.numel() for p in g.parameters())
    assert 54.0e6 < n < 54.9e6


def test_resnet_generator() -> None:
    g = build_generator("resnet", {"base_width": 8, "n_blocks": 2}).eval()
    assert g(torch.randn(1, 5, 32, 48)).shape == (1, 3, 32, 48)


def test_patchgan_is_70x70() -> None:
    cfg = PatchGANConfig(base_width=8)
    assert cfg.receptive_field == 70
    d = PatchGANDiscriminator(cfg)
    out = d(torch.randn(1, 5, 256, 256), torch.randn(1, 3, 256, 256))
    assert out.shape == (1, 1, 30, 30)


def test_registry_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown generator"):
        build_generator("transformer")
    with pytest.raises(ValueError, match="unknown unet config keys"):
        generator_config_from_dict("unet", {"widht": 3})
    with pytest.raises(ValueError):
        UNetConfig(norm="layer")


@pytest.mark.parametrize("upsample", ["smooth", "transpose"])
@pytest.mark.parametrize("norm", ["instance", "batch", "group"])
@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("batch", [1, 2])
def test_unet_inference_path_matches_the_training_forward(upsample: str, norm: str, fast: bool, batch: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The fused inference forward (in-place leaky skips, one-pass ReLU+concat, FiLM folded into
    the norm) gives the training forward's numbers, with a colour code and without, in either
    memory format, and leaves the caller's input alone."""
    import ganime_core.models.unet as unet_module
    from ganime_core.runtime.calibration import fast_norms

    calls = []
    fused = unet_module.unet_inference
    monkeypatch.setattr(unet_module, "unet_inference", lambda *a: calls.append(1) or fused(*a))
    torch.manual_seed(1)
    g = build_generator("unet", {"base_width": 8, "depth": 4, "upsample": upsample, "norm": norm,
                                 "in_channels": 9, "code_dim": 33, "dropout": 0.5})
    torch.nn.init.normal_(g.film.head.weight, std=0.2)  # a FiLM that does something
    torch.nn.init.normal_(g.film.head.bias, std=0.2)
    if norm == "batch":  # running statistics that are not the identity
        g.train()
        with torch.no_grad():
            g(torch.randn(4, 9, 32, 48))
    g.eval()
    if fast:
        fast_norms(g)
    x = torch.randn(batch, 9, 48, 32)
    kept = x.clone()
    for code in (torch.randn(batch, 33), None):
        for fmt in (torch.contiguous_format, torch.channels_last):
            gf = g.to(memory_format=fmt)
            xf = x.contiguous(memory_format=fmt)
            with torch.inference_mode():
                gf.fused_inference = False
                ref = gf(xf, code)  # layer by layer, as in training
                gf.fused_inference = True
                out = gf(xf, code)  # the fused inference forward
            assert out.shape == ref.shape
            assert (out - ref).abs().max().item() < 1e-5
    assert torch.equal(x, kept)
    assert len(calls) == 4  # the fused path did run (2 codes x 2 memory formats)
