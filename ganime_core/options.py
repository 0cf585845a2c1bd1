"""``ColorizeOptions``: how a picture is colorized, in one frozen, validated object.

Every entry point builds one: the CLI from its arguments, the service from the form fields, the
app from the document, the Krita docker from the schema the service publishes
(``GET /v1/options``). Validation lives here and nowhere else; an invalid value raises
:class:`OptionsError` naming the option.

    opts = ColorizeOptions(mode="locked", gap=12)
    opts = ColorizeOptions.from_mapping({"mode": "flats", "gap": "8"})   # form fields, strings
    colorizer.colorize(sketch, hints, opts)

The data a picture is colorized *with* (hints, a palette or reference picture, barriers) are not
options: they are arguments of :meth:`ganime_core.api.Colorizer.colorize`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .constants import (
    COLOR_MODES,
    DEFAULT_COLOR_MODE,
    DEFAULT_GAP,
    DEFAULT_LINE_MODE,
    DEFAULT_SPREAD,
    HINT_SCOPES,
    LINE_MODES,
    MAX_GAP,
    MAX_WORKING_SIZE,
    MIN_WORKING_SIZE,
    SPREADS,
)
from .errors import GanimeError

SCHEMA_VERSION: Final = 1
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class OptionsError(GanimeError):
    """An option has an invalid value; ``option`` names it."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option} {message}")
        self.option = option
        self.reason = message


@dataclass(frozen=True)
class Spec:
    """One option: its kind (``choice``, ``int``, ``bool``), default, range and help text."""

    name: str
    kind: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    optional: bool = False  # None is a value (``working_size``: the model's own)
    advanced: bool = False  # for research and comparison, not offered in the app

    def check(self, value: Any) -> Any:
        """``value`` as this option's type, or :class:`OptionsError`; strings are parsed."""
        if value is None and self.optional:
            return None
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise OptionsError(self.name, f"must be one of {', '.join(self.choices)}; got {_short(value)}")
            return value
        if self.kind == "bool":
            return self._bool(value)
        return self._int(value)

    def _bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise OptionsError(self.name, f"must be true or false; got {_short(value)}")

    def _int(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str | float):
            raise OptionsError(self.name, f"must be a whole number; got {_short(value)}")
        try:
            number = int(value.strip()) if isinstance(value, str) else int(value)
        except (ValueError, OverflowError):
            raise OptionsError(self.name, f"must be a whole number; got {_short(value)}") from None
        if isinstance(value, float) and number != value:
            raise OptionsError(self.name, f"must be a whole number; got {_short(value)}")
        lo, hi = self.minimum, self.maximum
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise OptionsError(self.name, f"must be between {lo} and {hi} px; got {number}")
        return number

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.kind, "default": self.default, "help": self.help}
        if self.choices:
            out["choices"] = list(self.choices)
        if self.minimum is not None:
            out["minimum"], out["maximum"] = self.minimum, self.maximum
        if self.optional:
            out["optional"] = True
        if self.advanced:
            out["advanced"] = True
        return out


SPECS: Final = (
    Spec("mode", "choice", DEFAULT_COLOR_MODE, choices=COLOR_MODES,
         help="plain: the network's colour; flats: one exact colour per closed region; "
              "locked: flats with the network's shading"),
    Spec("spread", "choice", DEFAULT_SPREAD, choices=SPREADS,
         help="part: a hint colours its whole part (all of the hair, both sleeves); "
              "region: only the closed regions it touches"),
    Spec("lines", "choice", DEFAULT_LINE_MODE, choices=LINE_MODES,
         help="multiply: the line art drawn over the colour; none: the colour alone"),
    Spec("gap", "int", DEFAULT_GAP, minimum=0, maximum=MAX_GAP,
         help="close gaps in the lines up to this many px (at full size) when cutting regions"),
    Spec("working_size", "int", None, minimum=MIN_WORKING_SIZE, maximum=MAX_WORKING_SIZE, optional=True,
         help="the long side the network sees, in px (default: the model's)"),
    Spec("layers", "bool", False,
         help="also return the flats / shading / lines layers in plain mode"),
    Spec("hint_scope", "choice", "regions", choices=HINT_SCOPES, advanced=True,
         help="regions: a hint's effect stays in the regions it claims; network: the raw output"),
    Spec("paper", "bool", True, advanced=True,
         help="keep the unhinted page white and fill the white holes the network leaves"),
    Spec("clean", "bool", True, advanced=True,
         help="smooth the network's grain inside each closed region, never across a line"),
)
SPEC_BY_NAME: Final = {spec.name: spec for spec in SPECS}


@dataclass(frozen=True)
class ColorizeOptions:
    """How to colorize; see :data:`SPECS` for each option's meaning and range."""

    mode: str = DEFAULT_COLOR_MODE
    spread: str = DEFAULT_SPREAD
    lines: str = DEFAULT_LINE_MODE
    gap: int = DEFAULT_GAP
    working_size: int | None = None
    layers: bool = False
    hint_scope: str = "regions"
    paper: bool = True
    clean: bool = True

    def __post_init__(self) -> None:
        for spec in SPECS:
            object.__setattr__(self, spec.name, spec.check(getattr(self, spec.name)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, base: ColorizeOptions | None = None) -> ColorizeOptions:
        """Options from names and values (strings are parsed); unknown names are an error.

        A value of None keeps ``base``'s (default: the defaults), except where None is a value.
        """
        unknown = sorted(set(data) - set(SPEC_BY_NAME))
        if unknown:
            raise OptionsError(repr(unknown[0]), f"is not an option; known: {', '.join(SPEC_BY_NAME)}")
        changes = {k: v for k, v in data.items() if v is not None or SPEC_BY_NAME[k].optional}
        return dataclasses.replace(base or cls(), **changes)

    def replace(self, **changes: Any) -> ColorizeOptions:
        """A copy with some options changed (validated; None keeps the current value)."""
        return ColorizeOptions.from_mapping(changes, base=self)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def schema() -> dict[str, Any]:
        """The options as JSON-ready data (``GET /v1/options``): clients build controls from it."""
        return {"version": SCHEMA_VERSION, "options": [spec.schema() for spec in SPECS]}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
