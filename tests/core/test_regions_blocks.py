"""The region engine's building blocks: CIEDE2000, per-label medians, the shading layer, the
per-picture memo."""

from __future__ import annotations

import numpy as np
import pytest

from ganime_core.color import delta_e2000, rgb_to_lab
from ganime_core.regions import segment


def test_delta_e2000_reference_values():
    # Sharma, Wu & Dalal (2005), CIEDE2000 test data, pairs 1, 7, 17, 25 and 33
    a = np.array([[50, 2.6772, -79.7751], [50, 0, 0], [50, 2.5, 0],
                  [60.2574, -34.0099, 36.2677], [2.0776, 0.0795, -1.1350]])
    b = np.array([[50, 0, -82.7485], [50, -1, 2], [73, 25, -18],
                  [60.4626, -34.1751, 39.4387], [0.9033, -0.0636, -0.5514]])
    expected = [2.0425, 2.3669, 27.1492, 1.2644, 0.9082]
    assert np.allclose(delta_e2000(a, b), expected, atol=1e-4)
    assert np.allclose(delta_e2000(b, a), expected, atol=1e-4)
    assert np.allclose(rgb_to_lab(np.array([255, 0, 0], np.uint8)), [53.24, 80.09, 67.20], atol=0.05)


def test_median_per_label_histogram_and_sort_paths():
    from ganime_core.regions import median_per_label

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 9001, 60000).astype(np.int32)
    values = rng.integers(0, 256, 60000).astype(np.uint8)
    few = labels < 100
    by_sort = median_per_label([values], labels, 9000)[:, 0]  # (n+1) x 256 too big: sorts
    by_hist = median_per_label([values[few]], labels[few], 99)[:, 0]
    for label in range(100):
        v = np.sort(values[labels == label])
        expected = v[(len(v) - 1) // 2] if len(v) else -1
        assert by_sort[label] == expected == by_hist[label], label


def test_shading_image_for_layers():
    from ganime_core.regions import shading_image

    s = np.array([[0.0, 0.5, 1.0, 1.5, 2.5]], np.float32)
    assert shading_image(s, "multiply").tolist() == [[0, 128, 255, 255, 255]]
    assert shading_image(s, "overlay").tolist() == [[0, 64, 128, 191, 255]]
    with pytest.raises(ValueError):
        shading_image(s, "screen")


def test_regions_memo_makes_once_and_hands_out_read_only_arrays() -> None:
    lines = np.ones((40, 40), np.float32)
    lines[:, 20] = 0.0
    regions = segment(lines)
    made = []

    def make() -> tuple[np.ndarray, int]:
        made.append(1)
        return np.take(np.arange(regions.n + 1), regions.labels), 7

    first = regions.memo("k", make)
    assert regions.memo("k", make) is first and len(made) == 1
    assert regions.memo(("k", 2), make) is not first and len(made) == 2  # another key, made anew
    with pytest.raises(ValueError):
        first[0][0, 0] = 5  # no caller can change what the next one gets
