"""The torch-free constants agree with the code that implements them."""

from __future__ import annotations

from ganime_core import constants
from ganime_core.regions.segment import RegionConfig


def test_default_gap_is_the_region_engines() -> None:
    assert RegionConfig().gap_close == constants.DEFAULT_GAP


def test_choices_start_with_their_default() -> None:
    assert constants.COLOR_MODES[0] == constants.DEFAULT_COLOR_MODE
    assert constants.LINE_MODES[0] == constants.DEFAULT_LINE_MODE
    for choices in (constants.DEVICES, constants.PRECISIONS, constants.MEMORY_FORMATS):
        assert choices[0] == "auto" and len(set(choices)) == len(choices)
    assert "mps" in constants.DEVICES
