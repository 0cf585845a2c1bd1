"""Runs INSIDE Krita (kritarunner): the plugin's own code against a running ``ganime serve``.

Config comes from the JSON file named by ``GANIME_E2E_CONFIG``; the verdict (facts the test
checks) goes to ``cfg["verdict"]``. kritarunner's exit status ignores the script, so every
outcome, failures included, is written there.
"""

import json
import os
import traceback

W, H = 96, 64
RED = (220, 30, 40)


def line_art_bgra() -> bytes:
    """Black 2-px lines on a transparent layer: a frame and a divider at x = 48 (two regions)."""
    px = bytearray(W * H * 4)
    for y in range(H):
        for x in range(W):
            if x < 2 or x >= W - 2 or y < 2 or y >= H - 2 or 47 <= x <= 48:
                px[(y * W + x) * 4 + 3] = 255  # BGR stay 0: black ink
    return bytes(px)


def hint_bgra() -> bytes:
    px = bytearray(W * H * 4)
    for y in range(20, 41):
        for x in range(10, 31):
            i = (y * W + x) * 4
            px[i:i + 4] = bytes((RED[2], RED[1], RED[0], 255))
    return bytes(px)


def pixel(node, x, y):
    b, g, r, a = bytes(node.pixelData(x, y, 1, 1))
    return [r, g, b, a]


def describe(group):
    kids = group.childNodes()  # bottom first
    return [{"name": n.name(), "blend": n.blendingMode(), "visible": n.visible(),
             "type": n.type()} for n in reversed(kids)]


def dump(node, path):
    from PyQt5.QtGui import QImage

    data = bytes(node.pixelData(0, 0, W, H))
    QImage(data, W, H, W * 4, QImage.Format_ARGB32).copy().save(path, "PNG")


def run(cfg, v):
    from ganime_krita import bridge
    from ganime_krita.client import Client, ServiceError
    from krita import Krita

    app = Krita.instance()
    doc = app.createDocument(W, H, "e2e", "RGBA", "U8", "", 72.0)
    lines = doc.createNode("Ink", "paintlayer")
    doc.rootNode().addChildNode(lines, None)
    lines.setPixelData(line_art_bgra(), 0, 0, W, H)
    hints = bridge.ensure_hints(doc)
    hints.setPixelData(hint_bgra(), 0, 0, W, H)
    doc.refreshProjection()
    client = Client(cfg["url"], cfg["token_file"], timeout=120)
    v["health"] = client.health()

    # 1. locked mode with all layers, the line layer chosen by name
    group, timing = bridge.colorize_document(doc, client, bridge.Options(mode="locked"), "Ink")
    v["first"] = {"layers": describe(group), "parent": group.parentNode().name() or "root",
                  "root": [n.name() for n in doc.rootNode().childNodes()],
                  "timing": [timing.read, timing.service, timing.apply, timing.model]}
    for kid in group.childNodes():
        dump(kid, os.path.join(cfg["out"], f"locked_{kid.name()}.png"))

    # 2. flats mode, after the artist turned Flats on: replaced in place, visibility kept
    [n for n in group.childNodes() if n.name() == "Flats"][0].setVisible(True)
    group, _ = bridge.colorize_document(doc, client, bridge.Options(mode="flats"), "Ink")
    doc.refreshProjection()
    v["second"] = {"layers": describe(group),
                   "groups": sum(1 for n in bridge.walk(doc.rootNode()) if n.name() == "GANime"),
                   "root": [n.name() for n in doc.rootNode().childNodes()],
                   "flats_in_hint": pixel([n for n in group.childNodes() if n.name() == "Flats"][0], 20, 30),
                   "projection_in_hint": pixel(doc, 20, 30),
                   "projection_on_line": pixel(doc, 47, 30)}

    # 3. plain, colour only (headless Krita has no view, so no active layer: choose by name)
    group, _ = bridge.colorize_document(doc, client, bridge.Options(mode="plain", layers=False), "Ink")
    doc.refreshProjection()
    v["third"] = {"layers": describe(group), "projection": [pixel(doc, x, 30) for x in (20, 47, 70)]}
    for kid in group.childNodes():
        dump(kid, os.path.join(cfg["out"], f"plain_{kid.name()}.png"))

    # 4. what goes wrong is said plainly
    errors = {}
    try:
        bridge.colorize_document(doc, Client(cfg["url"], cfg["bad_token_file"]), bridge.Options(), "Ink")
    except ServiceError as exc:
        errors["token"] = [exc.kind, exc.message]
    try:
        bridge.colorize_document(doc, Client(cfg["dead_url"], cfg["token_file"], timeout=5),
                                 bridge.Options(), "Ink")
    except ServiceError as exc:
        errors["down"] = [exc.kind, exc.message]
    try:
        bridge.colorize_document(doc, client, bridge.Options(), "Ink", max_pixels=1000)
    except bridge.PluginError as exc:
        errors["large"] = ["plugin", str(exc)]
    try:
        bridge.colorize_document(doc, client, bridge.Options(mode="sepia"), "Ink")
    except ServiceError as exc:
        errors["bad_mode"] = [exc.kind, exc.message]
    try:
        bridge.colorize_document(doc, client, bridge.Options(), "GANime hints")
    except bridge.PluginError as exc:
        errors["hints_as_lines"] = ["plugin", str(exc)]
    v["errors"] = errors

    # 5. the docker itself builds, and tells a stopped service apart
    from ganime_krita import docker

    d = docker.GanimeDocker()
    v["docker"] = {"title": d.windowTitle(), "modes": [d.mode.itemData(i) for i in range(d.mode.count())],
                   "gap_enabled": d.gap.isEnabled(), "live": d.live.text(), "go": d.go.text()}
    doc.close()


def main(args):
    with open(os.environ["GANIME_E2E_CONFIG"]) as f:
        cfg = json.load(f)
    v = {"ok": False}
    try:
        run(cfg, v)
        v["ok"] = True
    except BaseException:
        v["traceback"] = traceback.format_exc()
    with open(cfg["verdict"], "w") as f:
        json.dump(v, f, indent=1, default=str)
