"""Train the part model's head (``ganime_core.parts.embed``): ``python -m training.parts_head``.

Every training picture is its own label: its line art (our extraction) is cut into closed
regions, the shipped colour network runs once without hints, and the head learns, from the
network's decoder activations, an embedding per region in which two regions of one colour in the
picture (one part) point the same way and two of clearly different colours do not: an
area-weighted logistic loss on the scaled cosine of every known pair of one picture, the two
classes balanced. The validation split's pictures (never ``../shared/data/samples``) choose the
epoch kept. Resumable: ``OUT/head.safetensors`` and ``OUT/head.json`` after every epoch.
``training.parts`` then reads the head (``--head``) for its ``emb_sim`` pair feature.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganime_core.parts.embed import HeadConfig, PartHead, cell_counts, head_inputs, pool_regions
from ganime_core.parts.features import region_shape
from ganime_core.regions.segment import Regions

from .layouts import Item, discover, split
from .parts_data import OTHER_DELTA_E, SAME_DELTA_E, canvases, truth_parts

log = logging.getLogger("training.parts_head")


@dataclass
class Canvas:
    """One training canvas: the head's inputs and the known region pairs."""

    inputs: tuple[torch.Tensor, ...]
    counts: tuple[np.ndarray, np.ndarray, np.ndarray]
    n: int
    a: torch.Tensor
    b: torch.Tensor
    same: torch.Tensor
    weight: torch.Tensor  # sqrt of the two areas, mean 1 over the canvas


def decoder_taps(colorizer, lines: np.ndarray) -> tuple[dict[int, torch.Tensor], torch.Tensor]:
    """The shipped network's decoder activations without hints, and its line-art input."""
    x, code = colorizer.model_input(lines, None, None)
    taps: dict[int, torch.Tensor] = {}
    colorizer.predict(x, code, taps=taps)
    plane = x[colorizer.channels.index("line")]  # in [-1, 1], the padding paper
    lines_t = torch.from_numpy(np.ascontiguousarray(plane))[None, None] * 0.5 + 0.5
    return {k: v.float() for k, v in taps.items()}, lines_t


def known_pairs(regions: Regions, truth_lab: np.ndarray, pure: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """(a, b, same, weight) of the pairs of big one-colour regions clearly the same or not."""
    shape = region_shape(regions)
    ids = truth_parts(truth_lab, pure, shape.keep)
    ok = np.flatnonzero(ids > 0)
    if ok.size < 4:
        return None
    i, j = np.triu_indices(ok.size, 1)
    a, b = ok[i], ok[j]
    d = np.linalg.norm(truth_lab[a] - truth_lab[b], axis=1)
    known = (d < SAME_DELTA_E) | (d > OTHER_DELTA_E)
    a, b, same = a[known], b[known], d[known] < SAME_DELTA_E
    if same.all() or not same.any():
        return None
    w = np.sqrt(regions.areas[a].astype(np.float64) * regions.areas[b])
    return a, b, same, w / w.mean()


def make_canvases(colorizer, items: list[Item], per_item: int, seed: int, desc: str) -> list[Canvas]:
    out: list[Canvas] = []
    for pic, _ in canvases(colorizer, items, per_item, seed, desc=desc):
        pairs = known_pairs(pic.regions, pic.truth_lab, pic.pure)
        if pairs is None:
            continue
        taps, lines = decoder_taps(colorizer, pic.lines)
        inputs = tuple(t.half() for t in head_inputs(taps, lines))
        grid = tuple(inputs[1].shape[2:])
        a, b, same, w = pairs
        out.append(Canvas(inputs, cell_counts(pic.regions, grid), pic.regions.n, torch.from_numpy(a),
                          torch.from_numpy(b), torch.from_numpy(same.astype(np.float32)),
                          torch.from_numpy(w.astype(np.float32))))
    return out


def similarity(head: PartHead, c: Canvas) -> torch.Tensor:
    emb = pool_regions(head(*(t.float() for t in c.inputs))[0], c.counts, c.n)
    return (emb[c.a] * emb[c.b]).sum(1)


def auc(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The (weighted) area under the ROC curve, ties counted half."""
    from scipy.stats import rankdata

    w = np.ones(len(scores)) if weights is None else weights
    pos, neg = labels > 0.5, labels <= 0.5
    if not pos.any() or not neg.any():
        return float("nan")
    if weights is None:
        r = rankdata(scores)
        return float((r[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * neg.sum()))
    order = np.argsort(scores, kind="mergesort")
    s, p, ww = scores[order], pos[order], w[order]
    neg_below = np.cumsum(np.where(~p, ww, 0.0))
    _, start, count = np.unique(s, return_index=True, return_counts=True)
    total = 0.0
    for st, ct in zip(start, count, strict=True):
        seg = slice(st, st + ct)
        below = neg_below[st - 1] if st > 0 else 0.0
        total += ww[seg][p[seg]].sum() * (below + 0.5 * ww[seg][~p[seg]].sum())
    return float(total / (ww[p].sum() * ww[~p].sum()))


def evaluate(head: PartHead, canvases: list[Canvas]) -> dict[str, float]:
    head.eval()
    with torch.no_grad():
        s = [similarity(head, c).numpy() for c in canvases]
    head.train()
    scores, labels = np.concatenate(s), np.concatenate([c.same.numpy() for c in canvases])
    weights = np.concatenate([c.weight.numpy() for c in canvases])
    return {"auc": round(auc(scores, labels), 4), "auc_area": round(auc(scores, labels, weights), 4),
            "pairs": int(len(scores))}


def train(train_set: list[Canvas], val_set: list[Canvas], *, epochs: int, lr: float, out: Path,
          seed: int, resume: bool) -> dict:
    from safetensors.torch import load_file, save_file

    torch.manual_seed(seed)
    config = HeadConfig(channels=(int(train_set[0].inputs[0].shape[1]), int(train_set[0].inputs[1].shape[1])))
    head = PartHead(config)
    scale = torch.nn.Parameter(torch.tensor(5.0))
    bias = torch.nn.Parameter(torch.tensor(0.0))
    opt = torch.optim.Adam([*head.parameters(), scale, bias], lr=lr)
    state = {"epoch": 0, "best": None}
    if resume and (out / "head.json").is_file():
        state = json.loads((out / "head.json").read_text())
        head.load_state_dict(load_file(str(out / "head-last.safetensors")))
        log.info("resumed after epoch %d", state["epoch"])
    pos = float(torch.cat([c.same for c in train_set]).mean())
    for epoch in range(state["epoch"], epochs):
        t0, total = time.time(), 0.0
        for k in np.random.default_rng([seed, epoch]).permutation(len(train_set)):
            c = train_set[k]
            logit = scale * similarity(head, c) + bias
            balance = torch.where(c.same > 0, (1 - pos) / pos, 1.0)
            loss = (F.binary_cross_entropy_with_logits(logit, c.same, reduction="none") * c.weight * balance).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach())
        metrics = {**evaluate(head, val_set), "epoch": epoch + 1, "loss": round(total / len(train_set), 4),
                   "seconds": round(time.time() - t0, 1)}
        log.info("epoch %d: %s", epoch + 1, metrics)
        weights = {k: v.detach().contiguous() for k, v in head.state_dict().items()}
        save_file(weights, str(out / "head-last.safetensors"))
        if state["best"] is None or metrics["auc_area"] > state["best"]["auc_area"]:
            state["best"] = metrics
            save_file(weights, str(out / "head.safetensors"), metadata={"config": json.dumps(config.as_dict())})
        state["epoch"] = epoch + 1
        (out / "head.json").write_text(json.dumps(state, indent=1))
    return state


def main(argv: list[str] | None = None) -> int:
    from ganime_core.api import Colorizer

    from .parts import FIGURES, choose

    p = argparse.ArgumentParser(prog="python -m training.parts_head", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/train_color", help="training colour pictures")
    p.add_argument("--out", type=Path, default=Path("runs/parts-head"), help="checkpoints and the kept head")
    p.add_argument("--figures", type=int, default=500, help=f"training pictures from {', '.join(FIGURES)}")
    p.add_argument("--faces", type=int, default=150, help="training pictures from the other folders")
    p.add_argument("--per-item", type=int, default=2, help="random canvases per training picture")
    p.add_argument("--val", type=int, default=100, help="validation pictures")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="go on from OUT/head.json")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    colorizer = Colorizer.load(device="cpu", precision="fp32", memory_format="contiguous")
    _, items = discover(args.data)
    train_items, val_items = split(items, 0.2, 0)
    val_set = make_canvases(colorizer, choose(val_items, args.val * 4 // 5, args.val // 5, 1), 1, -1, "validation")
    train_set = make_canvases(colorizer, choose(train_items, args.figures, args.faces, args.seed),
                              args.per_item, 11 + args.seed, "training")
    log.info("%d training and %d validation canvases", len(train_set), len(val_set))
    if not train_set or not val_set:
        raise SystemExit(f"no usable {'training' if not train_set else 'validation'} canvases in {args.data}")
    state = train(train_set, val_set, epochs=args.epochs, lr=args.lr, out=args.out, seed=args.seed, resume=args.resume)
    log.info("kept: %s", state["best"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
