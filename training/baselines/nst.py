"""Neural style transfer (Gatys et al. 2016), the paper's weakest baseline.

The output image starts as the sketch and is optimised so that its VGG-19 ``relu4_2``
features stay close to the sketch's (content) while the Gram matrices of ``relu1_1 ..
relu5_1`` approach those of a colour example (style). There is no training: every picture
is a fresh optimisation, so the cost is per image, not per dataset.

torchvision's VGG-19 weights cannot be downloaded on the machines this project was built on,
so the weights are a path (torchvision's ``vgg19-dcbb9e9d.pth`` or a ``.safetensors`` with the
same ``features.N.*`` keys); without one the network is random-initialised, which only the
tests use. :class:`NSTColorizer` offers the ``colorize()`` call ``training.evaluate`` expects.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

log = logging.getLogger(__name__)

# Indices of the ReLU outputs in torchvision's vgg19().features (configuration "E").
STYLE_LAYERS = {"relu1_1": 1, "relu2_1": 6, "relu3_1": 11, "relu4_1": 20, "relu5_1": 29}
CONTENT_LAYER = ("relu4_2", 22)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class NSTConfig:
    steps: int = 200  # optimiser iterations per picture
    content_weight: float = 1.0
    style_weight: float = 1e6  # Gram matrices are normalised by c*h*w, as in the PyTorch tutorial
    tv_weight: float = 0.0
    lr: float = 0.02  # Adam on pixels in [0, 1]
    optimizer: str = "adam"  # or "lbfgs" (then ``steps`` counts loss evaluations)
    size: int = 256  # the optimisation runs at most at this long side


def vgg19_features(weights: str | Path | None = None) -> nn.Sequential:
    """torchvision's VGG-19 feature stack up to ``relu5_1``, frozen, in eval mode.

    ``weights``: a torchvision VGG-19 state dict (``.pth``, loaded with ``weights_only=True``)
    or a ``.safetensors`` file; ``None`` keeps the random initialisation (tests only).
    """
    from torchvision.models.vgg import cfgs, make_layers

    features = make_layers(cfgs["E"])[: STYLE_LAYERS["relu5_1"] + 1]
    if weights is None:
        log.warning("VGG-19 without pretrained weights: style transfer output is meaningless")
    else:
        path = Path(weights)
        if not path.is_file():
            raise FileNotFoundError(f"VGG-19 weights not found: {path}")
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state: Any = load_file(str(path))
        else:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        own = {k.removeprefix("features."): v for k, v in state.items() if k.startswith("features.")}
        wanted = features.state_dict().keys()
        missing = [k for k in wanted if k not in own]
        if missing:
            raise ValueError(f"{path}: not VGG-19 weights (missing {', '.join(missing[:4])} ...)")
        features.load_state_dict({k: own[k] for k in wanted})
    for p in features.parameters():
        p.requires_grad_(False)
    return features.eval()


def gram(f: torch.Tensor) -> torch.Tensor:
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


class FeatureNet(Protocol):
    """What style transfer needs of a network: named activations of an image in [0, 1]."""

    @property
    def name(self) -> str: ...

    @property
    def style_layers(self) -> tuple[Hashable, ...]: ...

    @property
    def content_layer(self) -> Hashable: ...

    @property
    def min_size(self) -> int: ...  # the smallest side the network takes

    def taps(self, img: torch.Tensor) -> dict[Any, torch.Tensor]: ...

    def to(self, device: torch.device) -> Any: ...


class VGGFeatures(nn.Module):
    """:func:`vgg19_features` as a :class:`FeatureNet` (ImageNet normalisation; keys = layer indices)."""

    name = "VGG-19"
    style_layers: tuple[Hashable, ...] = tuple(STYLE_LAYERS.values())
    content_layer: Hashable = CONTENT_LAYER[1]
    min_size = 16
    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, features: nn.Sequential) -> None:
        super().__init__()
        self.features = features
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def taps(self, img: torch.Tensor) -> dict[Any, torch.Tensor]:
        wanted = set(self.style_layers) | {self.content_layer}
        out: dict[Any, torch.Tensor] = {}
        h = (img - self.mean) / self.std
        for i, layer in enumerate(self.features):
            h = layer(h)
            if i in wanted:
                out[i] = h
        return out


class StyleTransfer:
    """Gatys style transfer with a fixed feature network (VGG-19 as the paper, or any :class:`FeatureNet`)."""

    def __init__(self, features: nn.Sequential | FeatureNet, config: NSTConfig = NSTConfig(),
                 device: str | torch.device = "cpu") -> None:
        self.device = torch.device(device)
        net: FeatureNet = VGGFeatures(features) if isinstance(features, nn.Sequential) else features
        net.to(self.device)
        self.net = net
        self.config = config

    def _taps(self, img: torch.Tensor) -> dict[Any, torch.Tensor]:
        return self.net.taps(img)

    def losses(self, img: torch.Tensor, content: dict[Any, torch.Tensor],
               style_grams: dict[Any, torch.Tensor]) -> dict[str, torch.Tensor]:
        taps = self._taps(img)
        c, net = self.config, self.net
        content_loss = F.mse_loss(taps[net.content_layer], content[net.content_layer])
        style_loss = sum(F.mse_loss(gram(taps[i]), style_grams[i]) for i in net.style_layers)
        tv = (img[..., 1:, :] - img[..., :-1, :]).abs().mean() + (img[..., 1:] - img[..., :-1]).abs().mean()
        total = c.content_weight * content_loss + c.style_weight * style_loss + c.tv_weight * tv
        return {"total": total, "content": content_loss, "style": style_loss}  # type: ignore[dict-item]

    def run(self, sketch: np.ndarray, style: np.ndarray, steps: int | None = None) -> np.ndarray:
        """``sketch`` float HxW in [0, 1] (or uint8 RGB), ``style`` uint8 HxWx3 -> uint8 HxWx3.

        Runs at most at ``config.size`` on the long side, and at least at the network's
        ``min_size`` on the short side (smaller pictures are enlarged for it and scaled back).
        """
        c = self.config
        h0, w0 = sketch.shape[:2]
        s = min(1.0, c.size / max(h0, w0))
        s = max(s, self.net.min_size / min(h0, w0))
        h, w = max(self.net.min_size, round(h0 * s)), max(self.net.min_size, round(w0 * s))
        content_img = self._tensor(sketch, (w, h))
        style_img = self._tensor(style, (w, h))
        with torch.no_grad():
            content = {k: v.detach() for k, v in self._taps(content_img).items()}
            style_grams = {i: gram(f).detach() for i, f in self._taps(style_img).items()
                           if i in self.net.style_layers}
        img = content_img.clone().requires_grad_(True)
        n = c.steps if steps is None else steps
        if c.optimizer == "lbfgs":
            self._lbfgs(img, content, style_grams, n)
        else:
            opt = torch.optim.Adam([img], lr=c.lr)
            for _ in range(n):
                opt.zero_grad(set_to_none=True)
                self.losses(img, content, style_grams)["total"].backward()
                opt.step()
                with torch.no_grad():
                    img.clamp_(0.0, 1.0)
        out: np.ndarray = (img.detach()[0].permute(1, 2, 0).cpu().numpy() * 255 + 0.5).astype(np.uint8)
        if (w, h) != (w0, h0):
            out = cv2.resize(out, (w0, h0), interpolation=cv2.INTER_CUBIC if s < 1 else cv2.INTER_AREA)
        return out

    def _lbfgs(self, img: torch.Tensor, content: dict[Any, torch.Tensor],
               style_grams: dict[Any, torch.Tensor], evaluations: int) -> None:
        """L-BFGS (as Gatys et al.) with ``evaluations`` loss/gradient evaluations in all."""
        if evaluations <= 0:
            return
        opt = torch.optim.LBFGS([img], lr=1.0, max_iter=evaluations, max_eval=evaluations,
                                history_size=20, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad(set_to_none=True)
            with torch.no_grad():
                img.clamp_(0.0, 1.0)
            loss = self.losses(img, content, style_grams)["total"]
            loss.backward()
            return loss

        opt.step(closure)
        with torch.no_grad():
            img.clamp_(0.0, 1.0)

    def _tensor(self, img: np.ndarray, size: tuple[int, int]) -> torch.Tensor:
        a: np.ndarray = img.astype(np.float32) / (255.0 if img.dtype == np.uint8 else 1.0)
        if a.ndim == 2:
            a = np.repeat(a[..., None], 3, axis=2)
        a = cv2.resize(a[..., :3], size, interpolation=cv2.INTER_AREA)
        return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None].to(self.device)


class NSTColorizer:
    """The ``colorize()`` call of ``ganime_core.Colorizer`` for style transfer.

    Each new sketch takes the next style image (in order), so a run is deterministic.
    Hints are ignored (the method has no way to take them); the result is cached per sketch
    because ``training.evaluate`` asks once without and once with hints. Like the app, the
    line art is multiplied over the result (``lines="multiply"``).
    """

    def __init__(self, transfer: StyleTransfer, styles: Sequence[np.ndarray]) -> None:
        if not styles:
            raise ValueError("style transfer needs at least one style image")
        self.transfer, self.styles = transfer, list(styles)
        self._cache: dict[str, np.ndarray] = {}
        self.info = SimpleNamespace(training={}, path="", working_size=transfer.config.size)

    def colorize(self, line_art: np.ndarray, hints: object = None, *, working_size: int | None = None,
                 lines: str = "multiply", **_: object) -> SimpleNamespace:
        sketch = line_art.astype(np.float32) / 255.0 if line_art.dtype == np.uint8 else line_art
        if sketch.ndim == 3:
            sketch = sketch[..., :3].mean(axis=2)
        key = hashlib.blake2b(np.ascontiguousarray(sketch).tobytes(), digest_size=16).hexdigest()
        if key not in self._cache:
            style = self.styles[len(self._cache) % len(self.styles)]
            self._cache[key] = self.transfer.run(sketch, style)
        color = self._cache[key]
        image = color if lines == "none" else (color * sketch[..., None] + 0.5).astype(np.uint8)
        return SimpleNamespace(image=image, color=color, lines=sketch)
