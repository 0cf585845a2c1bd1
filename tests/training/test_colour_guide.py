"""A palette or a reference picture steers a (tiny, really trained) model's colours."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from ganime_core.api import Colorizer
from ganime_core.inputs.encoding import (
    CHANNELS_V2,
    CODE_DIM,
    ModelInput,
    encode,
    encode_palette,
    palette_from_colors,
)
from ganime_core.models.unet import UNetConfig, UNetGenerator
from ganime_core.runtime.weights import save_weights

SIZE = 48


def _page() -> tuple[np.ndarray, np.ndarray]:
    lines = np.ones((SIZE, SIZE), np.float32)
    cv2.circle(lines, (SIZE // 2, SIZE // 2), SIZE // 3, 0.0, 1)
    inside = np.zeros((SIZE, SIZE), np.uint8)
    cv2.circle(inside, (SIZE // 2, SIZE // 2), SIZE // 3 - 2, 1, -1)
    return lines, inside.astype(bool)


COLOURS = np.array([(230, 30, 30), (30, 30, 230)])


def _train(steps: int = 250) -> UNetGenerator:
    """The figure inside the circle takes the palette's colour (red or blue); no palette: grey."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    lines, inside = _page()
    g = UNetGenerator(UNetConfig(in_channels=9, code_dim=CODE_DIM, base_width=8, depth=3, dropout=0.0,
                                 upsample="smooth"))
    film = [p for n, p in g.named_parameters() if n.startswith("film.")]
    rest = [p for n, p in g.named_parameters() if not n.startswith("film.")]
    opt = torch.optim.Adam([{"params": rest}, {"params": film, "lr": 3e-2}], 3e-3)  # the zero-started code layers learn faster
    x = torch.from_numpy(encode(ModelInput(lines), CHANNELS_V2))[None].repeat(8, 1, 1, 1)
    for _ in range(steps):
        codes, targets = [], []
        for _ in range(8):
            colour = COLOURS[rng.integers(len(COLOURS))]
            given = rng.random() > 0.2
            target = np.full((SIZE, SIZE, 3), 255.0, np.float32)
            target[inside] = colour if given else 128
            target[lines < 0.5] = 0
            codes.append(encode_palette(palette_from_colors([colour]) if given else None))
            targets.append(target.transpose(2, 0, 1) / 127.5 - 1)
        loss = (g(x, torch.from_numpy(np.stack(codes))) - torch.from_numpy(np.stack(targets))).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return g.eval()


@pytest.fixture(scope="module")
def guided(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("guided") / "guided.safetensors"
    return save_weights(path, _train(), working_size=SIZE, write_sha256=False)


def test_palette_and_reference_steer_the_colours(guided: Path, tmp_path: Path) -> None:
    col = Colorizer.load(guided, device="cpu", precision="fp32")
    lines, inside = _page()
    sketch = (lines * 255).astype(np.uint8)

    def mean_inside(**guide: object) -> np.ndarray:
        return col.colorize(sketch, lines="none", **guide).color[inside].mean(axis=0)

    red = mean_inside(palette=[(230, 30, 30)])
    blue = mean_inside(palette=[(30, 30, 230)])
    assert red[0] - red[2] > 60 and blue[2] - blue[0] > 60, (red, blue)
    ref = np.full((40, 40, 3), 255, np.uint8)
    ref[5:35, 5:35] = (210, 40, 50)  # a red figure on white paper
    from_ref = mean_inside(reference=ref)
    assert from_ref[0] - from_ref[2] > 60, from_ref
    gpl = tmp_path / "blue.gpl"
    gpl.write_text("GIMP Palette\nName: blue\n#\n 30  30 230\tBlue\n")
    np.testing.assert_allclose(mean_inside(palette=gpl), blue, atol=1)


def test_cli_palette_and_reference_folder(guided: Path, tmp_path: Path) -> None:
    from ganime_core.cli.commands import main
    from ganime_core.io.imageio import load_image, save_png

    lines, inside = _page()
    src = tmp_path / "in"
    for stem in ("a", "b"):
        save_png(src / f"{stem}.png", (lines * 255).astype(np.uint8))
    refs = tmp_path / "refs"
    save_png(refs / "a.jpg", np.full((30, 30, 3), (40, 30, 220), np.uint8))  # only a.png has one
    gpl = tmp_path / "blue.gpl"
    gpl.write_text("GIMP Palette\n 30  30 230\tBlue\n")
    args = ["colorize", str(src), "--weights", str(guided), "--lines", "none"]
    assert main([*args, "-o", str(tmp_path / "pal"), "--palette", str(gpl)]) == 0
    assert main([*args, "-o", str(tmp_path / "ref"), "--reference", str(refs)]) == 0

    def mean(path: Path) -> np.ndarray:
        return load_image(path).rgb[inside].mean(axis=0)

    for stem in ("a", "b"):
        blue = mean(tmp_path / "pal" / f"{stem}.png")
        assert blue[2] - blue[0] > 60, blue
    from_ref, without = mean(tmp_path / "ref" / "a.png"), mean(tmp_path / "ref" / "b.png")
    assert from_ref[2] - from_ref[0] > 60, from_ref
    assert np.abs(from_ref - without).max() > 60  # b.png had no reference: the model's own guess
    bad = tmp_path / "bad.gpl"
    bad.write_text("not a palette")
    assert main([*args, "-o", str(tmp_path / "x"), "--palette", str(bad)]) == 2
