"""``ganime serve`` over real loopback HTTP: token, formats, hints, guides, bad inputs, limits."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from http.client import HTTPConnection

import numpy as np
import pytest
from service_helpers import png, sketch

from ganime_core.inputs.hints import HintRaster, HintSet, Stroke

RED = (220, 30, 40)


def hint_rgba(w=96, h=64) -> np.ndarray:
    a = np.zeros((h, w, 4), np.uint8)
    a[20:41, 10:31] = (*RED, 255)
    return a


def test_every_request_needs_the_token(service):
    svc, http = service
    for token in (None, "wrong-" + "x" * 40, svc.token + "x"):
        r = http.request("GET", "/v1/health", token=token)
        assert r.status == 401
        assert "token" in r.json()["error"]
        assert r.headers["www-authenticate"].startswith("Bearer")
    r = http.colorize({"image": png(sketch())}, token=None)
    assert r.status == 401 and "error" in r.json()
    r = http.request("GET", "/v1/health")
    assert r.status == 200
    h = r.json()
    assert h["service"] == "ganime" and h["status"] == "ok" and h["device"] == "cpu"
    assert h["queue"] == 0 and h["model"]["arch"] == "unet"
    assert "gap" in h["fields"]


def test_png_answer_is_the_api_result(service, colorizer):
    svc, http = service
    line = sketch()
    r = http.colorize({"image": png(line), "hints": png(hint_rgba()), "mode": "locked"})
    assert r.status == 200, r.body[:200]
    assert r.headers["content-type"] == "image/png"
    got = r.image()
    want = colorizer.colorize(line, HintRaster.from_rgba(hint_rgba()), mode="locked").image
    assert got.shape == (64, 96, 3)
    assert np.array_equal(got, want)
    assert float(r.headers["x-ganime-seconds"]) > 0


def test_ora_answer_has_the_layers(service):
    svc, http = service
    r = http.colorize({"image": png(sketch()), "hints": png(hint_rgba()), "mode": "flats",
                       "format": "ora"})
    assert r.status == 200 and r.headers["content-type"] == "image/openraster"
    zf = zipfile.ZipFile(io.BytesIO(r.body))
    first = zf.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert zf.read("mimetype") == b"image/openraster"
    xml = zf.read("stack.xml").decode()
    from xml.etree import ElementTree

    from PIL import Image

    top = ElementTree.fromstring(xml).find("stack")
    assert [el.get("name") for el in top] == ["Lines", "Shading", "Flats", "Flats by part", "Colour"]
    assert top[3].tag == "stack" and len(top[3]) >= 2  # one layer per flat colour
    assert 'composite-op="svg:multiply"' in xml and 'composite-op="svg:overlay"' in xml
    layers = {el.get("name"): np.asarray(Image.open(io.BytesIO(zf.read(el.get("src"))))) for el in top.iter("layer")}
    assert all(a.shape == (64, 96, 4) for a in layers.values())
    assert (layers["Flats"][22:40, 12:30, :3] == RED).all()  # the hinted region is the hint colour
    assert (layers["Lines"][:2, :, :3] == 0).all() and (layers["Lines"][30, 20, :3] == 255).all()
    merged = np.asarray(Image.open(io.BytesIO(zf.read("mergedimage.png"))))
    assert merged.shape[:2] == (64, 96)
    # colour only, without region layers
    r = http.colorize({"image": png(sketch()), "format": "ora", "layers": "0"})
    names = [s.split('"')[0] for s in zipfile.ZipFile(io.BytesIO(r.body)).read("stack.xml").decode().split('name="')[1:]]
    assert names == ["Lines", "Colour"]


def test_stroke_json_palette_and_reference_are_used(service, colorizer):
    svc, http = service
    strokes = HintSet((Stroke(((12.0, 30.0), (28.0, 30.0)), RED, 8.0),), (96, 64)).to_json()
    r = http.colorize({"image": png(sketch()), "hints": strokes.encode(), "mode": "flats"})
    assert r.status == 200
    assert tuple(r.image()[30, 20]) == RED  # the stroke's region took its colour
    gpl = "GIMP Palette\nName: hero\n220 30 40 red\n30 60 200 blue\n"
    assert http.colorize({"image": png(sketch()), "palette": gpl}).status == 200
    ref = np.zeros((32, 32, 3), np.uint8)
    ref[:, :16] = (200, 40, 40)
    assert http.colorize({"image": png(sketch()), "reference": png(ref)}).status == 200
    assert http.colorize({"image": png(sketch()), "gap": "12", "mode": "locked"}).status == 200


@pytest.mark.parametrize(("fields", "named"), [
    ({}, "image"),
    ({"image": b"not a picture"}, "image"),
    ({"image": b""}, "image"),
    ({"image": "SKETCH", "mode": "sepia"}, "mode"),
    ({"image": "SKETCH", "format": "psd"}, "format"),
    ({"image": "SKETCH", "size": "big"}, "size"),
    ({"image": "SKETCH", "size": "8"}, "size"),
    ({"image": "SKETCH", "layers": "maybe"}, "layers"),
    ({"image": "SKETCH", "gap": "wide"}, "gap"),
    ({"image": "SKETCH", "gap": "65"}, "gap"),
    ({"image": "SKETCH", "colour": "red"}, "colour"),
    ({"image": "SKETCH", "hints": b'{"strokes": [{"points": []}]}'}, "hints"),
    ({"image": "SKETCH", "hints": b"{not json"}, "hints"),
    ({"image": "SKETCH", "hints": "NOALPHA"}, "hints"),
    ({"image": "SKETCH", "palette": "not a palette"}, "palette"),
    ({"image": "SKETCH", "palette": "GIMP Palette\n300 0 0 x\n"}, "palette"),
    ({"image": "SKETCH", "reference": b"\x89PNG broken"}, "reference"),
])
def test_bad_inputs_get_400_naming_the_field(service, fields, named):
    svc, http = service
    subst = {"SKETCH": png(sketch()), "NOALPHA": png(np.full((64, 96, 3), 128, np.uint8))}
    fields = {k: subst.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
    r = http.colorize(fields)
    assert r.status == 400, r.body
    assert r.headers["content-type"].startswith("application/json")
    msg = r.json()["error"]
    assert named in msg and "Traceback" not in msg


def test_not_multipart_wrong_route_and_method(service):
    svc, http = service
    r = http.request("POST", "/v1/colorize", b'{"image": 1}', {"Content-Type": "application/json"})
    assert r.status == 400 and "multipart" in r.json()["error"]
    r = http.request("GET", "/v1/nothing")
    assert r.status == 404 and "/v1/nothing" in r.json()["error"]
    r = http.request("GET", "/v1/colorize")
    assert r.status == 405 and "POST" in r.json()["error"]


def test_body_over_the_limit_gets_413(start_service, colorizer):
    svc, http = start_service(colorizer, max_body=1024 * 1024)
    big = os.urandom(1024 * 1024 + 10)
    r = http.colorize({"image": big})
    assert r.status == 413 and "limit" in r.json()["error"]
    # without a Content-Length the limit still holds (chunked upload)
    conn = HTTPConnection("127.0.0.1", svc.port, timeout=60)
    from service_helpers import multipart

    body, ctype = multipart({"image": big})
    conn.request("POST", "/v1/colorize", body=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                 headers={"Authorization": f"Bearer {svc.token}", "Content-Type": ctype},
                 encode_chunked=True)
    r2 = conn.getresponse()
    assert r2.status == 413 and "limit" in json.loads(r2.read())["error"]
    conn.close()
    assert http.request("GET", "/v1/health").status == 200  # still up


def test_picture_over_the_pixel_limit_gets_413(start_service, colorizer):
    svc, http = start_service(colorizer, max_pixels=100_000)
    r = http.colorize({"image": png(np.full((400, 400), 255, np.uint8))})  # 160 kP, tiny file
    assert r.status == 413
    assert "megapixels" in r.json()["error"] and "image" in r.json()["error"]
    r = http.colorize({"image": png(sketch()), "reference": png(np.zeros((500, 500, 3), np.uint8))})
    assert r.status == 413 and "reference" in r.json()["error"]


def test_token_file_is_private_and_kept(tmp_path):
    from ganime_core.service.token import ensure_token, read_token, token_matches

    path = tmp_path / "cfg" / "ganime" / "token"
    token, p = ensure_token(path)
    assert p == path and len(token) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_token(path)[0] == token  # reused, not replaced
    os.chmod(path, 0o644)
    assert ensure_token(path)[0] == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened
    assert read_token(path) == token
    assert token_matches(f"Bearer {token}", token) and token_matches(f"bearer {token}", token)
    assert not token_matches(token, token) and not token_matches(None, token)
    path.write_text("short\n")
    from ganime_core.service.token import TokenError

    with pytest.raises(TokenError):
        read_token(path)


def test_plugin_client_talks_to_the_service(service, tmp_path):
    """The Krita plugin's stdlib client, outside Krita: health, ORA answer, plain errors."""
    from ganime_krita.client import Client, ServiceError
    from ganime_krita.ora import read_ora

    svc, http = service
    client = Client(svc.url, svc.token_path)
    assert client.health()["service"] == "ganime"
    body, headers = client.colorize(png(sketch()), png(hint_rgba()), mode="locked")
    size, layers = read_ora(body)
    assert size == (96, 64)
    assert [(x.name, x.blend, x.visible) for x in layers] == [
        ("Lines", "multiply", True), ("Shading", "overlay", False), ("Flats", "normal", False),
        ("Flats by part", "normal", False), ("Colour", "normal", True)]
    bad = tmp_path / "t"
    bad.write_text("y" * 43)
    with pytest.raises(ServiceError) as e:
        Client(svc.url, bad).health()
    assert e.value.kind == "token"
    with pytest.raises(ServiceError) as e:
        Client(svc.url, tmp_path / "missing").health()
    assert e.value.kind == "token" and "ganime serve" in e.value.message
    with pytest.raises(ServiceError) as e:
        client.colorize(b"nope")
    assert e.value.kind == "bad_input" and "image" in e.value.message


def test_options_schema_is_published_and_the_form_obeys_it(service, colorizer):
    svc, http = service
    assert http.request("GET", "/v1/options", token=None).status == 401
    r = http.request("GET", "/v1/options")
    assert r.status == 200
    schema = r.json()
    assert schema["version"] == 1
    by_name = {o["name"]: o for o in schema["options"]}
    gap = by_name["gap"]
    assert (gap["field"], gap["minimum"], gap["maximum"], gap["default"]) == ("gap", 0, 64, 6)
    assert by_name["mode"]["choices"] == ["plain", "flats", "locked"] and by_name["mode"]["field"] == "mode"
    assert by_name["working_size"]["field"] == "size" and by_name["clean"].get("advanced") is True
    # the range the schema states is the range the form accepts, both ends included
    for value, status in ((gap["minimum"], 200), (gap["maximum"], 200), (gap["maximum"] + 1, 400)):
        assert http.colorize({"image": png(sketch()), "gap": str(value)}).status == status, value
    # gap 0 is a real value, not "the default": the result is the API's at gap 0, not at 6
    art = np.full((64, 96), 255, np.uint8)
    art[10:54, 20] = art[10:54, 70] = art[10, 20:71] = art[53, 20:71] = 0
    art[30:33, 20] = 255  # a 3-px gap in the outline
    got = http.colorize({"image": png(art), "gap": "0", "mode": "flats"}).image()
    assert np.array_equal(got, colorizer.colorize(art, mode="flats", gap=0).image)
    assert not np.array_equal(got, colorizer.colorize(art, mode="flats", gap=6).image)
