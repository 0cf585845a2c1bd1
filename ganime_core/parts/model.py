"""The part model: how likely a region is of the same part as a hinted region (the same colour
in the artist's colouring), from the pair's description and the network's answer to the hint
(``features``).

A small MLP (standardised features -> two hidden ReLU layers -> one logit), trained by
``training.parts`` on training pictures, every picture its own label (no annotation), in numpy
at inference (a few milliseconds for the pairs of a 512 px page); and the part head
(``embed.PartHead``, trained by ``training.parts_head``), whose region embeddings give the
``emb_sim`` feature, for the colour model it was trained on (``generator``: that model's
SHA-256). Stored as one safetensors file with its metadata (no pickle),
``ganime_core/resources/models/parts.safetensors``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganime_core.errors import WeightsError
from ganime_core.runtime.modelfile import RESOURCES

from .embed import HeadConfig, PartHead
from .features import MODEL_FEATURES, PAIR_FEATURES

log = logging.getLogger(__name__)

DEFAULT_PARTS = RESOURCES / "parts.safetensors"
FORMAT = "ganime-parts"
FORMAT_VERSION = 2
LAYERS = ("w0", "b0", "w1", "b1", "w2", "b2")
HEAD_PREFIX = "head."
FREE_PREFIX = "free."


@dataclass(frozen=True)
class PartModel:
    """Standardisation and MLP weights; :meth:`same_part` gives P(same part) per pair."""

    mean: np.ndarray
    std: np.ndarray
    weights: tuple[np.ndarray, ...]  # w0, b0, w1, b1, w2, b2 (w: in x out)
    features: tuple[str, ...] = MODEL_FEATURES
    info: dict | None = None
    head: PartHead | None = None  # the region embeddings' head, for the colour model ``generator``
    generator: str = ""  # SHA-256 of the colour model the head reads
    free: PartModel | None = None  # P(same part) of two regions without a hint (``groups``)

    def head_for(self, generator_sha256: str) -> PartHead | None:
        """The head, when it was trained on this colour model (else None: ``emb_sim`` is 0)."""
        return self.head if self.head is not None and generator_sha256 == self.generator else None

    def same_part(self, x: np.ndarray, columns: tuple[str, ...] = MODEL_FEATURES) -> np.ndarray:
        """(m,) float32 probabilities for (m, len(columns)) pair features named ``columns`` (a
        model made for some of them reads those)."""
        if x.shape[0] == 0:
            return np.zeros(0, np.float32)
        if self.features != columns:
            x = x[:, [columns.index(f) for f in self.features]]
        h = (np.asarray(x, np.float32) - self.mean) / self.std
        w0, b0, w1, b1, w2, b2 = self.weights
        h = np.maximum(h @ w0 + b0, 0.0)
        h = np.maximum(h @ w1 + b1, 0.0)
        logit = (h @ w2 + b2)[:, 0]
        return (1.0 / (1.0 + np.exp(-np.clip(logit, -30.0, 30.0)))).astype(np.float32)

    def _tensors(self) -> dict[str, np.ndarray]:
        tensors = {"mean": self.mean, "std": self.std}
        tensors.update({name: np.ascontiguousarray(w, np.float32) for name, w in zip(LAYERS, self.weights, strict=True)})
        return tensors

    def save(self, path: str | Path, info: dict | None = None) -> Path:
        from safetensors.numpy import save_file

        from ganime_core.io.imageio import atomic_write_bytes

        tensors = self._tensors()
        meta = {"format": FORMAT, "format_version": str(FORMAT_VERSION),
                "features": json.dumps(list(self.features)), "info": json.dumps(info or self.info or {})}
        if self.free is not None:
            tensors.update({FREE_PREFIX + k: v for k, v in self.free._tensors().items()})
            meta["free_features"] = json.dumps(list(self.free.features))
        if self.head is not None:
            tensors.update({HEAD_PREFIX + k: v.detach().cpu().numpy() for k, v in self.head.state_dict().items()})
            meta.update(head=json.dumps(self.head.config.as_dict()), generator=self.generator)
        path = Path(path)
        tmp = path.with_suffix(".tmp-save")
        save_file({k: np.ascontiguousarray(v, np.float32) for k, v in tensors.items()}, str(tmp), metadata=meta)
        data = tmp.read_bytes()
        tmp.unlink()
        return atomic_write_bytes(path, data)


def load_part_model(path: str | Path | None = None) -> PartModel:
    """Read a part model file (default: the bundled one); :class:`WeightsError` names the file."""
    from safetensors import SafetensorError
    from safetensors.numpy import safe_open

    path = Path(path) if path is not None else DEFAULT_PARTS
    if not path.is_file():
        raise WeightsError(f"{path}: no part model there")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open has no iteration)
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path}: not a readable part model ({exc})") from None
    if meta.get("format") != FORMAT:
        raise WeightsError(f"{path}: not a GANime part model (format {meta.get('format')!r})")
    try:
        features = tuple(json.loads(meta.get("features", "[]")))
        free_features = tuple(json.loads(meta["free_features"])) if "free_features" in meta else None
        info = json.loads(meta.get("info", "{}"))
    except (json.JSONDecodeError, TypeError):
        raise WeightsError(f"{path}: its metadata is not valid JSON") from None
    mean, std, weights = _mlp(path, tensors, features)
    free = None
    if free_features is not None:
        if not set(free_features) <= set(PAIR_FEATURES):
            raise WeightsError(f"{path}: its hint-free model reads a hint's features")
        sub = {k[len(FREE_PREFIX):]: v for k, v in tensors.items() if k.startswith(FREE_PREFIX)}
        free = PartModel(*_mlp(path, sub, free_features), features=free_features)
    head = _head(path, meta, {k[len(HEAD_PREFIX):]: v for k, v in tensors.items() if k.startswith(HEAD_PREFIX)})
    return PartModel(mean, std, weights, features, info, head, meta.get("generator", "") if head is not None else "",
                     free)


def _mlp(path: Path, tensors: dict[str, np.ndarray], features: tuple[str, ...]
         ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """(mean, std, weights) of one MLP in a part model file, checked against its features."""
    unknown = [f for f in features if f not in MODEL_FEATURES]
    if unknown or not features:
        raise WeightsError(f"{path}: made for other features ({', '.join(map(str, unknown)) or 'none'}); this "
                           f"GANime computes {len(MODEL_FEATURES)}")
    missing = [k for k in ("mean", "std", *LAYERS) if k not in tensors]
    if missing:
        raise WeightsError(f"{path}: missing tensors {', '.join(missing)}")
    weights = tuple(tensors[k].astype(np.float32) for k in LAYERS)
    f_in = len(features)
    if not _shapes_ok(weights, f_in) or tensors["mean"].shape != (f_in,) or tensors["std"].shape != (f_in,):
        raise WeightsError(f"{path}: tensor shapes do not fit together")
    return tensors["mean"].astype(np.float32), np.maximum(tensors["std"].astype(np.float32), 1e-6), weights


def _head(path: Path, meta: dict[str, str], tensors: dict[str, np.ndarray]) -> PartHead | None:
    """The part head stored in a part model file (None when it has none)."""
    if "head" not in meta and not tensors:
        return None
    import torch

    try:
        cfg = json.loads(meta.get("head", ""))
        config = HeadConfig(tuple(int(c) for c in cfg["channels"]), int(cfg["hidden"]), int(cfg["dim"]))  # type: ignore[arg-type]
        if len(config.channels) != 2 or min(*config.channels, config.hidden, config.dim) < 1 or config.hidden > 1024:
            raise ValueError("sizes out of range")
        head = PartHead(config)
        head.load_state_dict({k: torch.from_numpy(np.array(v, np.float32)) for k, v in tensors.items()})
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise WeightsError(f"{path}: its part head does not load ({exc})") from None
    return head.eval()


def _shapes_ok(weights: tuple[np.ndarray, ...], f_in: int) -> bool:
    w0, b0, w1, b1, w2, b2 = weights
    return (w0.ndim == w1.ndim == w2.ndim == 2 and w0.shape[0] == f_in and b0.shape == (w0.shape[1],)
            and w1.shape[0] == w0.shape[1] and b1.shape == (w1.shape[1],) and w2.shape == (w1.shape[1], 1)
            and b2.shape == (1,))
