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
