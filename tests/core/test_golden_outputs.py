"""Behaviour pinned: the shipped model's outputs for the 8 sample sketches in every mode.

Recorded before the pipeline was restructured (issue 21) and checked after every change since:
a refactor of ``ganime_core`` must not change one pixel. ``golden/outputs.json`` holds, per case,
the SHA-256 of ``Result.image``, with the CPU and torch version it was recorded on;
``golden/thumbs.npz`` a 32-px thumbnail of each. On that machine the checksums must match exactly; elsewhere the network's
float arithmetic may round differently (another instruction set), so the full-size pictures must
match the thumbnails closely instead. Re-record (only for an intended change of behaviour) with
``python -m tests.core.test_golden_outputs``; ``--add`` records new cases and checks that the
recorded ones did not change; ``--change TEXT`` re-records only the cases whose name contains
TEXT (an intended change of one behaviour) and checks that every other case did not change.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pytest

if TYPE_CHECKING:
    from ganime_core.api import Colorizer

GOLDEN = Path(__file__).resolve().parent / "golden" / "outputs.json"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "samples"
SKETCHES = ("001_sketch", "002_sketch", "003_sketch", "004_sketch",
            "lineart_1", "lineart_2", "lineart_3", "lineart_4")
THUMB = 32
THUMBS = GOLDEN.with_name("thumbs.npz")


def _hints(width: int, height: int) -> list:
    """Three strokes at fixed fractions of the picture: red, blue and skin."""
    from ganime_core.inputs.hints import Stroke

    def at(points: list[tuple[float, float]], colour: tuple[int, int, int]) -> Stroke:
        return Stroke(points=tuple((x * width, y * height) for x, y in points), color=colour,
                      width=max(3.0, width / 60))

    return [at([(0.45, 0.2), (0.55, 0.22)], (40, 70, 200)),
            at([(0.3, 0.7), (0.35, 0.75)], (200, 40, 50)),
            at([(0.5, 0.45)], (245, 205, 180))]


def _barrier(width: int, height: int) -> np.ndarray:
    wall = np.zeros((height, width), bool)
    wall[:, width // 2 - 1: width // 2 + 1] = True
    return wall


#: (case name, colorize keywords; "hints" / "barriers" / "reference" filled in per sketch)
#: The hinted cases recorded before the restructuring colour a hint's regions only
#: (``spread="region"``, the behaviour of that time; likewise the unhinted ones, which parts now
#: even out); the ``-part`` cases were added with parts.
CASES: tuple[tuple[str, dict], ...] = (
    ("plain", {"spread": "region"}),
    ("flats", {"mode": "flats", "spread": "region"}),
    ("locked", {"mode": "locked", "spread": "region"}),
    ("plain-hints", {"hints": True, "spread": "region"}),
    ("flats-hints", {"mode": "flats", "hints": True, "spread": "region"}),
    ("locked-hints", {"mode": "locked", "hints": True, "spread": "region"}),
    ("plain-guide", {"reference": True, "spread": "region"}),
    ("locked-guide-hints", {"mode": "locked", "reference": True, "hints": True, "spread": "region"}),
    ("plain-hints-network-scope", {"hints": True, "hint_scope": "network", "spread": "region"}),
    ("plain-barrier-gap0-nolines", {"barriers": True, "gap": 0, "lines": "none", "hints": True,
                                    "spread": "region"}),
    ("plain-working-192", {"working_size": 192, "hints": True, "spread": "region"}),
    ("plain-hints-part", {"hints": True, "spread": "part"}),
    ("locked-hints-part", {"mode": "locked", "hints": True, "spread": "part"}),
    ("plain-part", {}),  # without hints, one colour family per part (the hint-free parts)
    ("flats-part", {"mode": "flats"}),
    ("locked-part", {"mode": "locked"}),
)


def _fingerprint() -> str:
    import torch

    from ganime_core.runtime.calibration import cpu_name

    return f"{cpu_name()} | torch {torch.__version__}"


def _run_all(samples: Path) -> tuple[dict[str, dict[str, str]], dict[str, np.ndarray]]:
    import torch

    from ganime_core.api import Colorizer

    threads = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(1)  # the sums' order, and so the last bits, depend on the threads
    cv2.setNumThreads(1)
    try:
        return _run_cases(samples, Colorizer.load(device="cpu", precision="fp32", memory_format="contiguous"))
    finally:
        torch.set_num_threads(threads[0])
        cv2.setNumThreads(threads[1])


def _run_cases(samples: Path, colorizer: Colorizer) -> tuple[dict[str, dict[str, str]], dict[str, np.ndarray]]:
    from ganime_core.io.imageio import load_image

    reference = load_image(samples / "003_color.png")
    out: dict[str, dict[str, str]] = {}
    thumbs: dict[str, np.ndarray] = {}
    for stem in SKETCHES:
        img = load_image(samples / f"{stem}.png")
        h, w = img.rgb.shape[:2]
        for name, spec in CASES:
            kw = dict(spec)
            if kw.pop("hints", False):
                kw["hints"] = _hints(w, h)
            if kw.pop("barriers", False):
                kw["barriers"] = _barrier(w, h)
            if kw.pop("reference", False):
                kw["reference"] = reference
            image = colorizer.colorize(img, **kw).image
            scale = THUMB / max(image.shape[:2])
            thumb = cv2.resize(image, (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))),
                               interpolation=cv2.INTER_AREA)
            out[f"{stem}/{name}"] = {
                "sha256": hashlib.sha256(np.ascontiguousarray(image).data).hexdigest(),
                "shape": "x".join(map(str, image.shape)),
            }
            thumbs[f"{stem}/{name}"] = thumb
    return out, thumbs


@pytest.mark.slow
def test_outputs_match_the_recorded_ones(samples_dir: Path) -> None:
    pytest.importorskip("torch")
    if not GOLDEN.is_file():
        pytest.fail(f"{GOLDEN} is missing: record it with python -m tests.core.test_golden_outputs")
    golden = json.loads(GOLDEN.read_text())
    with np.load(THUMBS, allow_pickle=False) as npz:
        want_thumbs = {key.replace("|", "/"): npz[key] for key in npz.files}
    now, thumbs = _run_all(samples_dir)
    assert sorted(now) == sorted(golden["cases"])
    exact = golden["machine"] == _fingerprint()
    for key, want in golden["cases"].items():
        got = now[key]
        assert got["shape"] == want["shape"], key
        if exact:
            assert got["sha256"] == want["sha256"], f"{key} changed on the machine it was recorded on"
        else:  # other rounding in the network's arithmetic: the pictures must still agree closely
            diff = np.abs(thumbs[key].astype(np.int16) - want_thumbs[key].astype(np.int16))
            assert diff.mean() < 1.5 and np.percentile(diff, 99) < 24, (key, diff.mean())


def record(only_new: bool = False, change: str | None = None) -> None:
    """Write ``golden/outputs.json`` from the current code (an intended change of behaviour
    only); ``only_new``: keep every recorded case as it is and add the cases not recorded yet;
    ``change``: as ``only_new``, and re-record the recorded cases whose name contains it."""
    if not SAMPLES.is_dir():
        sys.exit(f"no samples at {SAMPLES}")
    GOLDEN.parent.mkdir(exist_ok=True)
    cases, thumbs = _run_all(SAMPLES)
    if (only_new or change) and GOLDEN.is_file():
        old = json.loads(GOLDEN.read_text())
        if old["machine"] != _fingerprint():
            sys.exit(f"recorded on {old['machine']}; adding cases needs that machine")
        mine = (lambda key: change in key) if change else (lambda key: False)  # noqa: E731
        changed = [k for k, v in old["cases"].items()
                   if k in cases and not mine(k) and cases[k]["sha256"] != v["sha256"]]
        if changed:
            sys.exit(f"recorded cases changed: {', '.join(changed)}")
        with np.load(THUMBS, allow_pickle=False) as npz:
            old_thumbs = {key.replace("|", "/"): npz[key] for key in npz.files}
        keep = {k: v for k, v in old["cases"].items() if not mine(k)}
        cases = {**cases, **keep}
        thumbs = {**thumbs, **{k: v for k, v in old_thumbs.items() if not mine(k)}}
    data = {"machine": _fingerprint(), "cases": cases}
    GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    np.savez_compressed(THUMBS, **{key.replace("/", "|"): value for key, value in thumbs.items()})
    print(f"{GOLDEN}: {len(data['cases'])} cases on {data['machine']}")


if __name__ == "__main__":
    args = sys.argv[1:]
    record(only_new="--add" in args, change=args[args.index("--change") + 1] if "--change" in args else None)
