"""Train the character matcher: ``python -m training.memory_matcher``.

Rows are the candidate tables (``ganime_core.character.match.pair_table``) of augmented-self pairs
(``training.memory_augment``) of the figure pictures of ``--data``'s training split (never the
validation split, never ``memory_dev``): a candidate (target region, reference part) is right when
the part's colour is that of the region in the warped picture. A small MLP (one hidden ReLU layer),
binary cross-entropy weighted by the square root of the region's size; the validation split's
pairs choose the epoch kept (region accuracy of the best part, by area). Rows are cached
(``OUT/rows-*.npz``; ``--resume`` reuses them); ``--export`` writes the JSON the core reads
(default ``ganime_core/character/matcher.json``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ganime_core.character.match import MATCHER_FILE, PAIR_FEATURES, Matcher

from .memory_augment import pair_rows, validation_items

log = logging.getLogger("training.memory_matcher")


def build(colorizer, data: str, count: int, split_name: str, seed: int, path: Path, resume: bool) -> dict:
    """The rows of ``count`` pictures of one split (cached in ``path``)."""
    if resume and path.is_file():
        z = np.load(path)
        return {k: z[k] for k in z.files}
    from ganime_core.errors import GanimeError

    from .datasets import read_item

    xs, ys, ws, region_ids, areas, matchable = [], [], [], [], [], []
    offset = 0
    for i, item in enumerate(tqdm(validation_items(data, count, split_name, seed), desc=split_name, unit="pic",
                                  file=sys.stderr, disable=None)):
        try:
            rgb, _ = read_item(item)
        except (GanimeError, OSError, ValueError) as exc:
            log.warning("skipping %s: %s", item.name, exc)
            continue
        r = pair_rows(colorizer, rgb, np.random.default_rng([seed, i]))
        keep = r["figure"][r["rows"][:, 0]] if len(r["rows"]) else np.zeros(0, bool)
        a = r["area"] / max(float(r["area"][r["figure"]].sum()), 1.0)
        xs.append(r["x"][keep])
        ys.append(r["y"][keep])
        ws.append(np.sqrt(a[r["rows"][keep, 0]]))
        region_ids.append(r["rows"][keep, 0] + offset)
        areas.append(a)
        matchable.append(r["matchable"])
        offset += len(a)
    out = {"x": np.concatenate(xs), "y": np.concatenate(ys), "w": np.concatenate(ws),
           "region": np.concatenate(region_ids), "area": np.concatenate(areas),
           "matchable": np.concatenate(matchable)}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **out)
    return out


def region_accuracy(prob: np.ndarray, rows: dict) -> float:
    """Area share of the matchable figure regions whose highest-probability candidate is right."""
    region, y, area, ok = rows["region"], rows["y"], rows["area"], rows["matchable"]
    order = np.lexsort((prob, region))
    last = np.r_[region[order][1:] != region[order][:-1], True]
    best = order[last]
    right = np.zeros(len(area), bool)
    right[region[best]] = y[best] > 0.5
    return float(area[right & ok].sum() / max(area[ok].sum(), 1e-9))


def train(rows: dict, val: dict, hidden: int, epochs: int, seed: int = 0) -> tuple[Matcher, dict]:
    import torch

    torch.manual_seed(seed)
    x = rows["x"].astype(np.float64)
    mean, std = x.mean(0), x.std(0) + 1e-6
    t = lambda a: torch.from_numpy(np.asarray(a, np.float32))  # noqa: E731
    xt, yt, wt = t((x - mean) / std), t(rows["y"]), t(rows["w"])
    xv = t((val["x"] - mean) / std)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)
    best: tuple[float, dict, int] = (-1.0, {}, 0)
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 4096):
            idx = perm[i:i + 4096]
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(net(xt[idx])[:, 0], yt[idx],
                                                                         reduction="none") * wt[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 5 == 4 or epoch == epochs - 1:
            with torch.no_grad():
                pv = torch.sigmoid(net(xv)[:, 0]).numpy()
            acc = region_accuracy(pv, val)
            log.info("epoch %d: validation region accuracy %.4f", epoch + 1, acc)
            if acc > best[0]:
                best = (acc, {k: v.detach().clone() for k, v in net.state_dict().items()}, epoch + 1)
    state = best[1]
    matcher = Matcher(mean, std, state["0.weight"].numpy().T.astype(np.float64), state["0.bias"].numpy().astype(np.float64),
                      state["2.weight"].numpy().T.astype(np.float64), state["2.bias"].numpy().astype(np.float64),
                      PAIR_FEATURES)
    return matcher, {"validation_region_accuracy": best[0], "epoch": best[2]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.memory_matcher", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/train_color")
    p.add_argument("--train", type=int, default=240, help="training-split figure pictures")
    p.add_argument("--val", type=int, default=60, help="validation-split figure pictures")
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="runs/memory-matcher")
    p.add_argument("--resume", action="store_true", help="reuse the cached rows")
    p.add_argument("--export", default=str(MATCHER_FILE), help="the matcher JSON to write ('' = none)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import cv2
    import torch

    from ganime_core.api import Colorizer

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    colorizer = Colorizer.load(device="cpu")
    out = Path(args.out)
    t0 = time.time()
    rows = build(colorizer, args.data, args.train, "train", args.seed, out / "rows-train.npz", args.resume)
    val = build(colorizer, args.data, args.val, "val", args.seed + 1, out / "rows-val.npz", args.resume)
    log.info("rows: %d train, %d validation (%.0f s)", len(rows["y"]), len(val["y"]), time.time() - t0)
    from ganime_core.character.match import hand_matcher

    hand = region_accuracy(hand_matcher().probability(val["x"].astype(np.float64)), val)
    matcher, info = train(rows, val, args.hidden, args.epochs, args.seed)
    info.update({"hand_rule_region_accuracy": hand, "train_pictures": args.train, "val_pictures": args.val,
                 "rows": int(len(rows["y"])), "kind": f"MLP {len(PAIR_FEATURES)}-{args.hidden}-1",
                 "trained_by": "python -m training.memory_matcher"})
    matcher = Matcher(matcher.mean, matcher.std, matcher.w0, matcher.b0, matcher.w1, matcher.b1, matcher.features, info)
    log.info("validation region accuracy: hand rule %.4f, matcher %.4f", hand, info["validation_region_accuracy"])
    (out / "matcher.json").write_text(json.dumps(matcher.to_json(), indent=1))
    if args.export:
        from ganime_core.io.imageio import atomic_write_bytes

        atomic_write_bytes(args.export, json.dumps(matcher.to_json(), indent=1).encode())
        log.info("wrote %s", args.export)
    return 0


if __name__ == "__main__":
    sys.exit(main())
