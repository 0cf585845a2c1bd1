"""The colorize options the docker offers, read from the schema the service publishes.

``GET /v1/options`` answers ``{"version": 1, "options": [...]}``: for each option its name,
type (``choice``, ``int``, ``bool``), default, help text and, where it has them, choices, range,
``optional`` (None is a value), ``advanced`` (not offered in an app) and ``field`` (the form
field that carries it; else :data:`FORM_FIELDS` says). A service older than
that endpoint answers 404; then :data:`FALLBACK`, the same schema built in, stands in and the
service's health ``fields`` say which controls it takes.

Plain Python: no Krita, no Qt (``controls`` turns these specs into widgets), so it is
unit-tested outside Krita.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .client import Client, ServiceError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
KINDS = ("choice", "int", "bool")
# The service's form field for each option, where the schema names none.
FORM_FIELDS = {"mode": "mode", "spread": "spread", "lines": "lines", "gap": "gap",
               "working_size": "size", "layers": "layers"}
# The options the docker has a control for, in its order. ``lines`` has none: the answer's
# Lines layer is a layer of its own in Krita (hide it to leave the lines out).
CONTROLS = ("mode", "spread", "gap", "working_size", "layers")
# Fields every service took, even one whose health has no ``fields`` list.
ALWAYS_ACCEPTED = frozenset({"mode", "layers"})
# The docker's own defaults where Krita wants another than the service's: there the Flats and
# Shading layers are the point of the OpenRaster answer.
DOCKER_DEFAULTS: dict[str, Any] = {"layers": True}
LABELS = {"mode": "Mode", "spread": "Spread", "lines": "Line art", "gap": "Gap", "working_size": "Working size",
          "layers": ""}
CHECKBOX_TEXT = {"layers": "Flats and shading layers"}
CHOICE_LABELS = {"mode": {"plain": "Plain (network colours)", "flats": "Flats (one colour per region)",
                          "locked": "Locked (flats + shading)"},
                 "spread": {"part": "Part (the whole hair, both sleeves)", "region": "Region (what the stroke touches)"}}
UNITS = {"gap": " px", "working_size": " px"}
UNSET_TEXT = "model's own"  # the spin box's text for None (an optional int left unset)

# ``ColorizeOptions.schema()`` of ganime_core/options.py, version 1 (the test compares them).
FALLBACK_SCHEMA: dict[str, Any] = {"version": 1, "options": [
    {"name": "mode", "type": "choice", "default": "plain", "choices": ["plain", "flats", "locked"],
     "help": "plain: the network's colour; flats: one exact colour per closed region; "
             "locked: flats with the network's shading"},
    {"name": "spread", "type": "choice", "default": "part", "choices": ["part", "region"],
     "help": "part: a hint colours its whole part (all of the hair, both sleeves); "
             "region: only the closed regions it touches"},
    {"name": "lines", "type": "choice", "default": "multiply", "choices": ["multiply", "none"],
     "help": "multiply: the line art drawn over the colour; none: the colour alone"},
    {"name": "gap", "type": "int", "default": 6, "minimum": 0, "maximum": 64,
     "help": "close gaps in the lines up to this many px (at full size) when cutting regions"},
    {"name": "working_size", "type": "int", "default": None, "minimum": 16, "maximum": 4096,
     "optional": True, "help": "the long side the network sees, in px (default: the model's)"},
    {"name": "layers", "type": "bool", "default": False,
     "help": "also return the flats / shading / lines layers in plain mode"},
    {"name": "hint_scope", "type": "choice", "default": "regions", "choices": ["regions", "network"],
     "advanced": True,
     "help": "regions: a hint's effect stays in the regions it claims; network: the raw output"},
    {"name": "paper", "type": "bool", "default": True, "advanced": True,
     "help": "keep the unhinted page white and fill the white holes the network leaves"},
    {"name": "clean", "type": "bool", "default": True, "advanced": True,
     "help": "smooth the network's grain inside each closed region, never across a line"},
]}


class SchemaError(ValueError):
    """The service's ``/v1/options`` answer cannot be used; the message says why."""


@dataclass(frozen=True)
class OptionSpec:
    """One published option."""

    name: str
    kind: str
    default: Any
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    optional: bool = False
    advanced: bool = False
    field: str | None = None  # the form field, as published

    @classmethod
    def from_json(cls, data: Any) -> OptionSpec:
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            raise SchemaError(f"an option without a name: {str(data)[:60]}")
        name, kind = data["name"], data.get("type")
        if kind not in KINDS:
            raise SchemaError(f"option {name}: unknown type {kind!r}")
        field = data.get("field")
        spec = cls(name, kind, data.get("default"), str(data.get("help") or ""),
                   tuple(data.get("choices") or ()), data.get("minimum"), data.get("maximum"),
                   bool(data.get("optional")), bool(data.get("advanced")),
                   field if isinstance(field, str) and field else None)
        spec._validate()
        return spec

    def _validate(self) -> None:
        if self.kind == "choice" and not (self.choices and all(isinstance(c, str) for c in self.choices)):
            raise SchemaError(f"option {self.name}: no choices")
        if self.kind == "int" and not (_is_int(self.minimum) and _is_int(self.maximum)
                                       and self.minimum <= self.maximum):
            raise SchemaError(f"option {self.name}: no usable range "
                              f"({self.minimum!r} to {self.maximum!r})")
        try:
            self.check(self.default)
        except SchemaError:
            raise SchemaError(f"option {self.name}: default {self.default!r} is not one of its "
                              "values") from None

    @property
    def form_field(self) -> str:
        return self.field or FORM_FIELDS.get(self.name, self.name)

    def spin_range(self) -> tuple[int, int]:
        """An int's range as a spin box shows it: one below the minimum stands for None."""
        assert self.minimum is not None and self.maximum is not None
        return (self.minimum - 1 if self.optional else self.minimum), self.maximum

    def from_spin(self, value: int) -> int | None:
        return None if self.optional and self.minimum is not None and value < self.minimum else value

    def to_spin(self, value: int | None) -> int:
        return self.spin_range()[0] if value is None else value

    def choice_items(self) -> list[tuple[str, str]]:
        """(label, value) for a combo box; a choice the plugin does not know shows as itself."""
        labels = CHOICE_LABELS.get(self.name, {})
        return [(labels.get(c, c), c) for c in self.choices]

    def docker_default(self) -> Any:
        """The value a control starts at: the docker's own where it has one that fits."""
        if self.name in DOCKER_DEFAULTS:
            try:
                return self.check(DOCKER_DEFAULTS[self.name])
            except SchemaError:
                pass
        return self.default

    def check(self, value: Any) -> Any:
        """``value`` if it is one of this option's values, else :class:`SchemaError`."""
        if value is None and self.optional:
            return None
        if self.kind == "choice" and value in self.choices:
            return value
        if self.kind == "bool" and isinstance(value, bool):
            return value
        if (self.kind == "int" and _is_int(value) and self.minimum is not None
                and self.maximum is not None and self.minimum <= value <= self.maximum):
            return value
        raise SchemaError(f"option {self.name}: {value!r} is not one of its values")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Schema:
    """The options a service takes; ``published``: False for the built-in :data:`FALLBACK`."""

    options: tuple[OptionSpec, ...]
    published: bool = True

    def get(self, name: str) -> OptionSpec | None:
        return next((s for s in self.options if s.name == name), None)

    def offered(self) -> list[OptionSpec]:
        """The options for an app's controls: not ``advanced``, in the published order."""
        return [s for s in self.options if not s.advanced]

    def supported(self, health: Mapping[str, Any] | None) -> set[str]:
        """The option names this service takes from the docker.

        A published schema says so itself; with the fallback, an option counts where its form
        field is in the health ``fields`` list (mode and layers always: every service took them).
        """
        if self.published:
            return {s.name for s in self.offered()}
        fields = (health or {}).get("fields")
        names = set(ALWAYS_ACCEPTED)
        if isinstance(fields, list | tuple):
            names |= {s.name for s in self.offered() if s.form_field in fields}
        return names


def parse_schema(data: Any, published: bool = True) -> Schema:
    """The answer of ``GET /v1/options`` as a :class:`Schema`; :class:`SchemaError` if unusable.

    An option the plugin cannot read (a newer type, say) is left out with a warning, so a newer
    service still works; a document that is not a schema at all is an error.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("options"), list):
        raise SchemaError("the answer has no options list")
    if data.get("version") != SCHEMA_VERSION:
        log.warning("GANime options schema version %r (the plugin reads %d); reading it anyway",
                    data.get("version"), SCHEMA_VERSION)
    specs: list[OptionSpec] = []
    for entry in data["options"]:
        try:
            specs.append(OptionSpec.from_json(entry))
        except SchemaError as exc:
            log.warning("GANime option skipped: %s", exc)
    expected = {o["name"]: o["type"] for o in FALLBACK_SCHEMA["options"]}
    for spec in specs:
        if spec.name in expected and spec.kind != expected[spec.name]:
            log.warning("GANime option %s is now a %s (the plugin knows a %s): no control for it",
                        spec.name, spec.kind, expected[spec.name])
    specs = [s for s in specs if expected.get(s.name, s.kind) == s.kind]
    return Schema(tuple(specs), published)


FALLBACK = parse_schema(FALLBACK_SCHEMA, published=False)


def fetch_schema(client: Client, timeout: float = 5.0) -> Schema:
    """The service's schema, or :data:`FALLBACK` when it has no ``/v1/options`` (404) or its
    answer is unusable; other errors (down, token, ...) are raised as :class:`ServiceError`."""
    try:
        return parse_schema(client.options(timeout=timeout))
    except ServiceError as exc:
        if exc.status != 404:
            raise
        log.info("the GANime service has no /v1/options (older than the plugin): built-in options")
    except ValueError as exc:  # not JSON, or not a schema
        log.warning("unusable /v1/options answer (%s): built-in options", exc)
    return FALLBACK


def probe(client: Client, health: dict | None = None) -> tuple[dict, Schema]:
    """Health (asked for unless given) and schema of the service: what the docker connects with."""
    info = client.health() if health is None else health
    return info, fetch_schema(client)


def request_fields(values: Mapping[str, Any], schema: Schema | None = None) -> dict[str, Any]:
    """Control values (option name -> value) as ``bridge.Options`` / ``Client.colorize``
    keywords: ``mode``, ``layers`` and the rest as ``extra`` form fields (each under the field
    ``schema`` names, default :data:`FALLBACK`'s).

    Every value given is sent, 0 included; only None (an optional option left unset) is not.
    """
    schema = schema or FALLBACK
    out: dict[str, Any] = {"extra": {}}
    for name, value in values.items():
        if name == "mode":
            out["mode"] = value
        elif name == "layers":
            out["layers"] = bool(value)
        elif value is not None:
            spec = schema.get(name)
            field = spec.form_field if spec is not None else FORM_FIELDS.get(name, name)
            out["extra"][field] = int(value) if isinstance(value, bool) else value
    return out


def controls_of(schema: Schema, names: Iterable[str] = CONTROLS) -> list[OptionSpec]:
    """The specs the docker builds controls for, in its order; those the schema lacks are left out."""
    return [spec for spec in (schema.get(n) for n in names) if spec is not None and not spec.advanced]
