"""The plugin's options schema handling, outside Krita: parsing, the built-in fallback, what
is sent, and the client against real HTTP (a standard-library server, then the real service)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from ganime_krita import options as po
from ganime_krita.client import Client, ServiceError
from plugin_helpers import FIELDS_WITH_GAP, FakeService

from ganime_core.options import ColorizeOptions


def without_help(schema: dict) -> dict:
    """The schema without what may differ: the help texts and the service's ``field`` names."""
    return {**schema, "options": [{k: v for k, v in o.items() if k not in ("help", "field")}
                                  for o in schema["options"]]}


# -- the schema, no HTTP ----------------------------------------------------------------------


def test_fallback_is_the_core_schema():
    """The built-in schema is what ``ColorizeOptions.schema()`` publishes (help may be reworded)."""
    core = ColorizeOptions.schema()
    assert without_help(po.FALLBACK_SCHEMA) == without_help(core)
    assert all(o["help"] for o in po.FALLBACK_SCHEMA["options"])
    assert po.FALLBACK.published is False
    assert [s.name for s in po.FALLBACK.options] == [o["name"] for o in core["options"]]


def test_parse_reads_choices_ranges_defaults_and_skips_advanced():
    schema = po.parse_schema(ColorizeOptions.schema())
    assert schema.published
    assert [s.name for s in schema.offered()] == ["mode", "spread", "lines", "gap", "working_size", "layers"]
    assert [s.name for s in po.controls_of(schema)] == ["mode", "spread", "gap", "working_size", "layers"]
    mode = schema.get("mode")
    assert mode.choices == ("plain", "flats", "locked") and mode.default == "plain"
    assert [k for _, k in mode.choice_items()] == ["plain", "flats", "locked"]
    assert mode.choice_items()[1][0] == "Flats (one colour per region)"
    gap = schema.get("gap")
    assert (gap.minimum, gap.maximum, gap.default) == (0, 64, 6)
    assert gap.spin_range() == (0, 64) and gap.from_spin(0) == 0 and gap.to_spin(0) == 0
    assert gap.help == _gap_entry(ColorizeOptions.schema())["help"]
    size = schema.get("working_size")
    assert size.optional and size.default is None and size.form_field == "size"
    assert size.spin_range() == (15, 4096)  # 15 shows "model's own": None
    assert size.from_spin(15) is None and size.from_spin(16) == 16 and size.to_spin(None) == 15
    layers = schema.get("layers")
    assert layers.default is False and layers.docker_default() is True  # Krita keeps its layers
    assert schema.get("hint_scope").advanced and "hint_scope" not in schema.supported(None)


def test_a_newer_schema_is_read_and_its_unknowns_are_left_out(caplog):
    data = ColorizeOptions.schema()
    data["options"] = [dict(o) for o in data["options"]]
    _gap_entry(data).update(maximum=128, default=9)  # gap: a wider range, another default
    data["options"].append({"name": "strength", "type": "float", "default": 0.5, "help": "?"})
    data["options"].append({"name": "layers", "type": "choice", "default": "a", "choices": ["a"]})
    data["options"] = [o for o in data["options"] if o["name"] != "layers" or o["type"] != "bool"]
    with caplog.at_level(logging.WARNING, logger="ganime_krita.options"):
        schema = po.parse_schema(data)
    gap = schema.get("gap")
    assert (gap.minimum, gap.maximum, gap.default) == (0, 128, 9)
    assert schema.get("strength") is None and "unknown type 'float'" in caplog.text
    assert schema.get("layers") is None and "layers is now a choice" in caplog.text
    assert [s.name for s in po.controls_of(schema)] == ["mode", "spread", "gap", "working_size"]


@pytest.mark.parametrize("data", [[], {"version": 1}, {"options": "gap"}, None])
def test_not_a_schema_is_an_error(data):
    with pytest.raises(po.SchemaError):
        po.parse_schema(data)


@pytest.mark.parametrize(("entry", "why"), [
    ({"name": "gap", "type": "int", "default": 6, "minimum": 0}, "range"),
    ({"name": "gap", "type": "int", "default": 99, "minimum": 0, "maximum": 64}, "default"),
    ({"name": "mode", "type": "choice", "default": "plain", "choices": []}, "choices"),
    ({"name": "layers", "type": "bool", "default": "yes"}, "default"),
    ({"type": "bool", "default": True}, "name"),
])
def test_a_broken_option_is_refused(entry, why):
    with pytest.raises(po.SchemaError, match=why):
        po.OptionSpec.from_json(entry)


def test_fallback_supported_follows_the_health_fields():
    fb = po.FALLBACK
    assert fb.supported({"fields": FIELDS_WITH_GAP}) == {"mode", "lines", "gap", "working_size", "layers"}
    old = [f for f in FIELDS_WITH_GAP if f not in ("gap", "lines")]
    assert fb.supported({"fields": old}) == {"mode", "working_size", "layers"}
    assert fb.supported({}) == {"mode", "layers"} == fb.supported(None)
    # a published schema says itself what the service takes, whatever health lists
    assert po.parse_schema(ColorizeOptions.schema()).supported({"fields": []}) == {
        "mode", "spread", "lines", "gap", "working_size", "layers"}


def test_every_value_is_sent_zero_included():
    sent = po.request_fields({"mode": "flats", "gap": 0, "working_size": None, "layers": False})
    assert sent == {"mode": "flats", "layers": False, "extra": {"gap": 0}}
    sent = po.request_fields({"mode": "locked", "gap": 64, "working_size": 512, "layers": True,
                              "lines": "none"})
    assert sent == {"mode": "locked", "layers": True, "extra": {"gap": 64, "size": 512, "lines": "none"}}


def test_a_published_field_name_is_used():
    data = ColorizeOptions.schema()
    data["options"] = [{**o, "field": "close_gaps"} if o["name"] == "gap" else o for o in data["options"]]
    schema = po.parse_schema(data)
    assert schema.get("gap").form_field == "close_gaps" and schema.get("working_size").form_field == "size"
    assert po.request_fields({"gap": 0, "working_size": 64}, schema)["extra"] == {"close_gaps": 0, "size": 64}
    assert schema.supported(None) >= {"gap"}


# -- a real HTTP server from the standard library ------------------------------------------------


@pytest.fixture
def fake(tmp_path) -> Iterator[tuple[FakeService, Client]]:
    with FakeService() as svc:
        yield svc, Client(svc.url, svc.token_file(tmp_path), timeout=10)


def test_an_older_service_404_falls_back_to_the_built_in_options(fake):
    svc, client = fake
    health, schema = po.probe(client)
    assert schema is po.FALLBACK and not schema.published
    assert [p for m, p, _ in svc.seen] == ["/v1/health", "/v1/options"]
    assert schema.supported(health) >= {"mode", "gap", "layers"}  # health lists "gap"
    assert schema.get("gap").maximum == 64 and schema.get("gap").default == 6


def test_a_published_schema_is_used(fake):
    svc, client = fake
    svc.options = ColorizeOptions.schema()
    _gap_entry(svc.options).update(maximum=32, help="close gaps")
    health, schema = po.probe(client)
    assert schema.published and schema.get("gap").maximum == 32 and schema.get("gap").help == "close gaps"
    assert schema.supported(health) == {"mode", "spread", "lines", "gap", "working_size", "layers"}


@pytest.mark.parametrize("answer", [b"<html>not json</html>", {"version": 1}])
def test_an_unusable_answer_falls_back_with_a_warning(fake, answer, caplog):
    svc, client = fake
    svc.options = answer
    with caplog.at_level(logging.WARNING, logger="ganime_krita.options"):
        assert po.fetch_schema(client) is po.FALLBACK
    assert "unusable /v1/options answer" in caplog.text


def test_other_errors_are_not_hidden_by_the_fallback(fake, tmp_path):
    svc, client = fake
    bad = tmp_path / "bad"
    bad.write_text("x" * 43)
    with pytest.raises(ServiceError) as info:
        po.fetch_schema(Client(svc.url, bad))
    assert info.value.kind == "token" and info.value.status == 401
    svc.options = 500
    with pytest.raises(ServiceError) as info:
        po.fetch_schema(client)
    assert info.value.status == 500


def test_the_client_sends_a_gap_of_zero(fake):
    svc, client = fake
    sent = po.request_fields({"mode": "flats", "gap": 0, "working_size": None, "layers": False})
    body, headers = client.colorize(b"png", **sent)
    assert body == b"ora" and headers["content-type"] == "image/openraster"
    method, path, form = svc.seen[-1]
    assert (method, path) == ("POST", "/v1/colorize")
    assert form["gap"] == "0" and form["mode"] == "flats" and form["layers"] == "0"
    assert "size" not in form  # unset: the model's own working size
    client.colorize(b"png", **po.request_fields({"mode": "plain", "gap": 64, "working_size": 512,
                                                 "layers": True}))
    form = svc.seen[-1][2]
    assert (form["gap"], form["size"], form["layers"]) == ("64", "512", "1")


# -- the real service ------------------------------------------------------------------------


def test_against_the_real_service(krita_service):
    """Whether or not this service publishes /v1/options yet, the docker gets the same options."""
    client = Client(krita_service.url, krita_service.token_path)
    health, schema = po.probe(client)
    assert schema.supported(health) >= {"mode", "gap", "layers"}
    got = {s.name: (s.kind, s.default, s.choices, s.minimum, s.maximum) for s in schema.offered()}
    want = {s.name: (s.kind, s.default, s.choices, s.minimum, s.maximum) for s in po.FALLBACK.offered()}
    assert got == want
    if schema.published:
        published = client.options()
        assert without_help(published) == without_help(ColorizeOptions.schema())
        assert {o["name"]: o["field"] for o in published["options"] if "field" in o}.items() <= po.FORM_FIELDS.items()


def _gap_entry(schema: dict) -> dict:
    """The gap option's entry of a schema (a copy of each entry is made first, so it may change)."""
    schema["options"] = [dict(o) for o in schema["options"]]
    return next(o for o in schema["options"] if o["name"] == "gap")
