"""Picture folders and HTTP helpers shared by the human-study tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REAL_RGB, FAKE_RGB = (200, 60, 60), (60, 60, 200)


def folders(root: Path, n: int = 6, fakes: tuple[str, ...] = ("pix2pix",)) -> tuple[Path, list[Path]]:
    """``real/`` and one folder per fake method, ``n`` flat-coloured 64x48 PNGs each (same names)."""
    real = root / "real"
    real.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(np.full((48, 64, 3), REAL_RGB, np.uint8)).save(real / f"{i:03d}.png")
    out = []
    for k, name in enumerate(fakes):
        d = root / name
        d.mkdir()
        for i in range(n):
            rgb = np.full((48, 64, 3), FAKE_RGB, np.uint8)
            rgb[..., 1] = 20 * k
            Image.fromarray(rgb).save(d / f"{i:03d}.png")
        out.append(d)
    return real, out


def request(url: str, body: Any = None, method: str | None = None) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, headers) of one request; HTTP errors are returned, not raised."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)
