"""ColorizeOptions: one validated options object; its schema is what clients build controls from."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ganime_core.constants import DEFAULT_GAP, MAX_GAP
from ganime_core.errors import GanimeError
from ganime_core.options import SPECS, ColorizeOptions, OptionsError


def test_defaults_are_the_documented_ones_and_frozen() -> None:
    opts = ColorizeOptions()
    assert (opts.mode, opts.lines, opts.gap, opts.working_size) == ("plain", "multiply", DEFAULT_GAP, None)
    assert opts.paper and opts.clean and not opts.layers and opts.hint_scope == "regions"
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.gap = 3  # type: ignore[misc]


@pytest.mark.parametrize(("changes", "option", "words"), [
    ({"mode": "sepia"}, "mode", "one of plain, flats, locked"),
    ({"gap": MAX_GAP + 1}, "gap", f"between 0 and {MAX_GAP}"),
    ({"gap": -1}, "gap", "between 0"),
    ({"gap": "wide"}, "gap", "whole number"),
    ({"gap": 2.5}, "gap", "whole number"),
    ({"gap": True}, "gap", "whole number"),
    ({"working_size": 8}, "working_size", "between 16 and 4096"),
    ({"paper": "maybe"}, "paper", "true or false"),
    ({"lines": None}, "lines", "one of"),
])
def test_bad_values_name_the_option(changes: dict, option: str, words: str) -> None:
    with pytest.raises(OptionsError) as info:
        ColorizeOptions(**changes)
    assert info.value.option == option and words in str(info.value)
    assert str(info.value).startswith(f"{option} must be") and isinstance(info.value, GanimeError)


def test_from_mapping_parses_form_text_and_refuses_unknown_names() -> None:
    opts = ColorizeOptions.from_mapping({"mode": "locked", "gap": " 12 ", "working_size": "768",
                                         "layers": "yes", "clean": "0"})
    assert (opts.mode, opts.gap, opts.working_size, opts.layers, opts.clean) == ("locked", 12, 768, True, False)
    assert ColorizeOptions.from_mapping({"gap": "0"}).gap == 0  # 0 is a value, not "unset"
    assert ColorizeOptions.from_mapping({"gap": None}).gap == DEFAULT_GAP  # None keeps the default
    with pytest.raises(OptionsError, match="'sharpen' is not an option; known: mode, spread, lines"):
        ColorizeOptions.from_mapping({"sharpen": "yes"})


def test_replace_validates_and_keeps_the_rest() -> None:
    base = ColorizeOptions(mode="flats", gap=9)
    assert base.replace(gap=0) == ColorizeOptions(mode="flats", gap=0)
    assert base.replace(gap=None) == base
    with pytest.raises(OptionsError, match="gap must be between"):
        base.replace(gap=99)
    assert ColorizeOptions.from_mapping(base.to_dict()) == base


def test_the_schema_is_json_and_states_every_option_with_its_range() -> None:
    schema = json.loads(json.dumps(ColorizeOptions.schema()))
    assert schema["version"] == 1
    names = [o["name"] for o in schema["options"]]
    assert names == [f.name for f in dataclasses.fields(ColorizeOptions)] == [s.name for s in SPECS]
    by = {o["name"]: o for o in schema["options"]}
    assert by["gap"] | {"help": ""} == {"name": "gap", "type": "int", "default": DEFAULT_GAP, "help": "",
                                        "minimum": 0, "maximum": MAX_GAP}
    assert by["working_size"]["optional"] is True and by["clean"]["advanced"] is True
    for opt in schema["options"]:  # every stated default is accepted as it is stated
        assert getattr(ColorizeOptions.from_mapping({opt["name"]: opt["default"]}), opt["name"]) == opt["default"]
