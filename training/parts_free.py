"""Train the hint-free part model (``ganime_core.parts.groups``): ``python -m training.parts_free``.

The same pictures and labels as ``training.parts`` (every training picture its own label: two
regions of one colour in it are one part, two of clearly different colours are not), but no
hint: each row describes two regions of one canvas by the pair features alone (``PAIR_FEATURES``,
with ``emb_sim`` from the part head of ``training.parts_head``), up to ``--pairs`` rows a canvas.
The validation split's pictures choose the epoch kept. ``--into FILE`` stores the kept model in
an existing part model file (default: the bundled one), beside the hinted model and the head.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from pathlib import Path

import numpy as np

from ganime_core.parts.embed import PartHead
from ganime_core.parts.features import PAIR_FEATURES, pair_features, region_colours, region_shape
from ganime_core.parts.model import DEFAULT_PARTS, load_part_model

from .layouts import Item, discover, split
from .parts import choose, load_head, train_mlp
from .parts_data import canvases
from .parts_head import known_pairs

log = logging.getLogger("training.parts_free")


def free_rows(colorizer, items: list[Item], per_item: int, seed: int, head: PartHead | None, max_pairs: int,
              desc: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for pic, rng in canvases(colorizer, items, per_item, seed, head, desc):
        pairs = known_pairs(pic.regions, pic.truth_lab, pic.pure)
        if pairs is None:
            continue
        a, b, same, _ = pairs
        if len(a) > max_pairs:
            pick = rng.permutation(len(a))[:max_pairs]
            a, b, same = a[pick], b[pick], same[pick]
        lab, spread = region_colours(pic.regions, pic.unhinted)
        xs.append(pair_features(region_shape(pic.regions), lab, spread, np.stack([a, b], 1), pic.emb))
        ys.append(same.astype(np.float32))
    if not xs:
        raise SystemExit(f"no pair rows from {len(items)} pictures")
    return np.concatenate(xs), np.concatenate(ys)


def main(argv: list[str] | None = None) -> int:
    from ganime_core.api import Colorizer

    p = argparse.ArgumentParser(prog="python -m training.parts_free", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/train_color", help="colour pictures (default: %(default)s)")
    p.add_argument("--out", type=Path, default=Path("runs/parts-free"), help="rows cache, checkpoint, result")
    p.add_argument("--head", default="runs/parts-head/head.safetensors", help="the part head ('none': without)")
    p.add_argument("--figures", type=int, default=320)
    p.add_argument("--faces", type=int, default=120)
    p.add_argument("--val", type=int, default=100, help="validation pictures")
    p.add_argument("--per-item", type=int, default=2)
    p.add_argument("--pairs", type=int, default=600, help="rows per canvas at most")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="reuse OUT/rows.npz")
    p.add_argument("--into", nargs="?", const=str(DEFAULT_PARTS), default=None, metavar="FILE",
                   help=f"store the kept model in this part model file (no FILE: {DEFAULT_PARTS})")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    cache = args.out / "rows.npz"
    if args.resume and cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            x, y, xv, yv = z["x"], z["y"], z["xv"], z["yv"]
    else:
        colorizer = Colorizer.load(device="cpu")
        head = None if args.head == "none" else load_head(Path(args.head))
        _, items = discover(args.data)
        train_items, val_items = split(items, 0.2, 0)
        x, y = free_rows(colorizer, choose(train_items, args.figures, args.faces, args.seed), args.per_item,
                         31 + args.seed, head, args.pairs, "training pictures")
        xv, yv = free_rows(colorizer, choose(val_items, args.val * 4 // 5, args.val // 5, 1), 1, -1, head,
                           args.pairs, "validation pictures")
        np.savez_compressed(cache, x=x, y=y, xv=xv, yv=yv)
    log.info("%d training pairs (%.1f %% same part), %d validation pairs", len(y), 100 * y.mean(), len(yv))
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, stats = train_mlp(x, y, xv, yv, hidden=args.hidden, epochs=args.epochs, lr=args.lr, device=device,
                             out=args.out, seed=args.seed, features=PAIR_FEATURES, checkpoint="free.safetensors")
    (args.out / "result.json").write_text(json.dumps({"validation": stats, "training_pairs": int(len(y))}, indent=1))
    log.info("kept: %s", stats)
    if args.into:
        target = load_part_model(args.into)
        info = {**(target.info or {}), "free_validation": stats}
        path = dataclasses.replace(target, free=model).save(args.into, info)
        log.info("stored the hint-free model in %s", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
