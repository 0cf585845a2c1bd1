"""Train the part model: ``python -m training.parts`` (``make train-parts``).

1. Pair rows (``training.parts_data``) from the training split of ``--data`` (never the
   validation files, never ``../shared/data/samples``), cached in ``OUT/rows.npz`` so a second run
   (``--resume``) goes straight to training.
2. A small MLP on the standardised pair features, binary cross-entropy with the classes
   balanced, Adam; the validation pairs (from the validation split) choose the epoch kept.
   Checkpoint ``OUT/checkpoint.safetensors`` after every epoch (resumable).
3. With the part head of ``training.parts_head`` (``--head``), its region embeddings give the
   ``emb_sim`` feature and the head is stored in the exported model.
4. ``--export PATH`` writes the kept model (default ``ganime_core/resources/models/parts.safetensors``).

Uses the GPU when there is one (``--device``); the rows are made on the CPU.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ganime_core.parts.embed import PartHead
from ganime_core.parts.features import MODEL_FEATURES
from ganime_core.parts.model import DEFAULT_PARTS, PartModel

from .layouts import Item, discover, split
from .parts_data import iter_rows

log = logging.getLogger("training.parts")
FIGURES = ("fullbody", "fullbody2", "illustrations")


def choose(items: list[Item], figures: int, faces: int, seed: int) -> list[Item]:
    """All figure pictures up to ``figures`` and ``faces`` of the rest, by a fixed seed."""
    rng = np.random.default_rng(seed)
    fig = [it for it in items if it.group in FIGURES]
    other = [it for it in items if it.group not in FIGURES]
    pick = lambda pool, k: [pool[i] for i in sorted(rng.permutation(len(pool))[:k])]  # noqa: E731
    return pick(fig, figures) + pick(other, faces)


def build_rows(colorizer, items: list[Item], per_item: int, seed: int, desc: str,
               head: PartHead | None = None) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for x, y in tqdm(iter_rows(colorizer, items, per_item, seed, head), total=len(items) * per_item,
                     desc=desc, unit="pic", file=sys.stderr, disable=None):
        if len(y):
            xs.append(x)
            ys.append(y)
    if not xs:
        raise SystemExit(f"no pair rows from {len(items)} pictures")
    return np.concatenate(xs), np.concatenate(ys)


def train_mlp(x: np.ndarray, y: np.ndarray, xv: np.ndarray, yv: np.ndarray, *, hidden: int, epochs: int,
              lr: float, device: str, out: Path, seed: int, features: tuple[str, ...] = MODEL_FEATURES,
              checkpoint: str = "checkpoint.safetensors") -> tuple[PartModel, dict]:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    mean, std = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
    net = nn.Sequential(nn.Linear(x.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                        nn.Linear(hidden, 1)).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-5)
    pos = float(y.mean())
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - pos) / max(pos, 1e-6), device=device),
                                   reduction="none")
    xt = torch.from_numpy((x - mean) / std).float().to(device)
    yt = torch.from_numpy(y).float().to(device)
    # pairs of big regions count more: what a hint misses or leaks is measured in pixels
    area = np.sqrt(np.exp(x[:, MODEL_FEATURES.index("log_area_min")]))
    wt = torch.from_numpy(area / area.mean()).float().to(device)
    best: tuple[float, PartModel | None, dict] = (-1.0, None, {})
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(xt), device=device)
        for i in range(0, len(order), 4096):
            idx = order[i:i + 4096]
            opt.zero_grad()
            loss = (loss_fn(net(xt[idx])[:, 0], yt[idx]) * wt[idx]).mean()
            loss.backward()
            opt.step()
        model = _as_model(net, mean, std, features)
        stats = pair_stats(model.same_part(xv), yv)
        stats["epoch"] = epoch + 1
        log.info("epoch %d: loss %.4f, validation %s", epoch + 1, float(loss.detach()), stats)
        score = float(np.nan_to_num(stats["balanced_accuracy"], nan=0.0))  # NaN: one class only
        if best[1] is None or score > best[0]:
            best = (score, model, stats)
            model.save(out / checkpoint, {"validation": stats})
    assert best[1] is not None
    return best[1], best[2]


def load_head(path: Path) -> PartHead:
    """A head saved by ``training.parts_head`` (safetensors, its config in the metadata)."""
    from safetensors import safe_open

    from ganime_core.parts.embed import HeadConfig

    if not path.is_file():
        raise SystemExit(f"{path}: no part head there (train one: python -m training.parts_head; or --head none)")
    with safe_open(str(path), framework="pt") as f:
        cfg = json.loads((f.metadata() or {}).get("config", "{}"))
        state = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    head = PartHead(HeadConfig(tuple(cfg.get("channels", (128, 64))), cfg.get("hidden", 48), cfg.get("dim", 32)))
    head.load_state_dict(state)
    return head.eval()


def _as_model(net, mean: np.ndarray, std: np.ndarray, features: tuple[str, ...] = MODEL_FEATURES) -> PartModel:
    layers = [m for m in net if hasattr(m, "weight")]
    weights: list[np.ndarray] = []
    for layer in layers:
        weights += [layer.weight.detach().cpu().numpy().T.copy(), layer.bias.detach().cpu().numpy().copy()]
    return PartModel(mean.astype(np.float32), std.astype(np.float32), tuple(weights), features)


def pair_stats(p: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy on same-part and other-part pairs, their mean, and the ROC AUC."""
    same, other = p[y > 0.5], p[y <= 0.5]
    tpr = float((same >= 0.5).mean()) if len(same) else float("nan")
    tnr = float((other < 0.5).mean()) if len(other) else float("nan")
    if not len(same) or not len(other):
        return {"same_part_recall": tpr, "other_part_recall": tnr, "balanced_accuracy": float("nan"),
                "auc": float("nan"), "pairs": int(len(p))}
    order = np.argsort(p)
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    auc = float((ranks[y > 0.5].sum() - len(same) * (len(same) + 1) / 2) / max(len(same) * len(other), 1))
    return {"same_part_recall": round(tpr, 4), "other_part_recall": round(tnr, 4),
            "balanced_accuracy": round((tpr + tnr) / 2, 4), "auc": round(auc, 4), "pairs": int(len(p))}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.parts", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/train_color", help="colour pictures (default: %(default)s)")
    p.add_argument("--out", default="runs/parts", help="run folder: rows cache, checkpoint, log (default: %(default)s)")
    p.add_argument("--figures", type=int, default=320, help="figure pictures to use (default: %(default)s)")
    p.add_argument("--faces", type=int, default=240, help="face pictures to use (default: %(default)s)")
    p.add_argument("--val-figures", type=int, default=60, help="validation figure pictures (default: %(default)s)")
    p.add_argument("--val-faces", type=int, default=40, help="validation face pictures (default: %(default)s)")
    p.add_argument("--per-item", type=int, default=2, help="random canvases per picture (default: %(default)s)")
    p.add_argument("--hidden", type=int, default=64, help="MLP width (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=30, help="(default: %(default)s)")
    p.add_argument("--lr", type=float, default=2e-3, help="(default: %(default)s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default: %(default)s)")
    p.add_argument("--resume", action="store_true", help="reuse OUT/rows.npz instead of making the rows again")
    p.add_argument("--head", default="none",
                   help="the part head from training.parts_head (e.g. runs/parts-head/head.safetensors), for "
                        "the emb_sim feature and the exported model (default: none)")
    p.add_argument("--export", nargs="?", const=str(DEFAULT_PARTS), default=None, metavar="PATH",
                   help=f"write the kept model here (no PATH: {DEFAULT_PARTS})")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / "rows.npz"
    t0 = time.perf_counter()
    from ganime_core.api import Colorizer

    head = None if args.head == "none" else load_head(Path(args.head))
    colorizer = Colorizer.load(device="cpu") if head is not None or not args.resume else None
    cached = None
    if args.resume and cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            cached = z["x"], z["y"], z["xv"], z["yv"]
        if cached[0].shape[1] != len(MODEL_FEATURES):
            log.warning("%s holds %d features, not %d: making the rows again", cache, cached[0].shape[1],
                        len(MODEL_FEATURES))
            cached = None
    if cached is not None:
        x, y, xv, yv = cached
    else:
        colorizer = colorizer or Colorizer.load(device="cpu")
        _, items = discover(args.data)
        train_items, val_items = split(items, 0.2, 0)
        x, y = build_rows(colorizer, choose(train_items, args.figures, args.faces, args.seed),
                          args.per_item, args.seed, "training pictures", head)
        xv, yv = build_rows(colorizer, choose(val_items, args.val_figures, args.val_faces, args.seed),
                            1, args.seed + 1, "validation pictures", head)
        np.savez_compressed(cache, x=x, y=y, xv=xv, yv=yv)
    log.info("%d training pairs (%.1f %% same part), %d validation pairs, %.0f s",
             len(y), 100 * y.mean(), len(yv), time.perf_counter() - t0)
    import torch

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    model, stats = train_mlp(x, y, xv, yv, hidden=args.hidden, epochs=args.epochs, lr=args.lr,
                             device=device, out=out, seed=args.seed)
    if head is not None and colorizer is not None:
        model = dataclasses.replace(model, head=head, generator=colorizer.info.sha256)
    info = {"validation": stats, "training_pairs": int(len(y)), "features": list(MODEL_FEATURES),
            "data": str(args.data), "pictures": {"figures": args.figures, "faces": args.faces,
                                                 "per_item": args.per_item}}
    (out / "result.json").write_text(json.dumps(info, indent=1))
    model.save(out / "model.safetensors", info)  # with the head: what --export writes, for training.parts_eval
    log.info("kept: %s", stats)
    if args.export:
        path = model.save(args.export, info)
        log.info("exported %s (%d bytes)", path, path.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
