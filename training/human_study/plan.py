"""One participant's trials: a few practice trials (with feedback), then the blind ones.

*single*: one picture per trial, half of them real and the other half shared evenly among
the generated folders, in random order. *pair*: a generated picture beside the real one
of the same name when there is one (the same sketch), else a random real one, on random
sides; the generated folders take turns. Within a session a picture comes back only when
its folder has run out, and while there are enough, no two trials show the same name (the
real and a generated version of one sketch), so a participant cannot compare them across
trials.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from .pictures import REAL, Library, Picture

log = logging.getLogger(__name__)
MODES = ("single", "pair")


@dataclass(frozen=True)
class Trial:
    index: int
    phase: str  # "practice" or "blind"
    keys: tuple[str, ...]  # the picture keys, left to right
    methods: tuple[str, ...]  # their methods ("real" or a generated folder's name)


class _Pool:
    """Pictures of one method drawn without replacement, preferring names not yet used."""

    def __init__(self, pictures: list[Picture], rng: random.Random) -> None:
        self.pictures, self.rng = list(pictures), rng
        self.left: list[Picture] = []

    def draw(self, used: set[str]) -> Picture:
        if not self.left:
            self.left = self.pictures[:]
            self.rng.shuffle(self.left)
        fresh = [i for i, p in enumerate(self.left) if p.stem not in used]
        return self.left.pop(fresh[0] if fresh else 0)


def _methods(n: int, fakes: list[str], single: bool, rng: random.Random) -> list[str]:
    """``n`` trial methods: half real in *single* mode, the generated folders in turn."""
    order = fakes[:]
    rng.shuffle(order)
    if single:
        out = [REAL if i % 2 == 0 else order[(i // 2) % len(order)] for i in range(n)]
    else:
        out = [order[i % len(order)] for i in range(n)]
    rng.shuffle(out)
    return out


def make_plan(library: Library, mode: str, practice: int, blind: int, seed: int | None = None) -> list[Trial]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if practice < 0 or blind < 1:
        raise ValueError("a study needs at least one blind trial (and no negative practice)")
    rng = random.Random(seed)
    pools = {REAL: _Pool(library.real, rng)} | {m: _Pool(ps, rng) for m, ps in library.fakes.items()}
    real_by_stem = {p.stem: p for p in library.real}
    used: set[str] = set()
    trials: list[Trial] = []
    for phase, n in (("practice", practice), ("blind", blind)):
        for method in _methods(n, library.methods, mode == "single", rng):
            picture = pools[method].draw(used)
            used.add(picture.stem)
            if mode == "single":
                pictures = [picture]
            else:
                real = real_by_stem.get(picture.stem) or pools[REAL].draw(used)
                used.add(real.stem)
                pictures = [picture, real]
                rng.shuffle(pictures)
            trials.append(Trial(len(trials), phase, tuple(p.key for p in pictures),
                                tuple(p.method for p in pictures)))
    return trials
