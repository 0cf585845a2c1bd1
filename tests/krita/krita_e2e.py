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
    return [{"name": n.name(), "blend": n.blendingMode(), "visible": n.visible(), "type": n.type(),
             **({"children": describe(n)} if n.type() == "grouplayer" else {})} for n in reversed(kids)]


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

    # 5. the docker builds, connects (health + options) and sets its controls from the service
    from ganime_krita import docker

    app.writeSetting("ganime", "url", cfg["url"])
    app.writeSetting("ganime", "token_file", cfg["token_file"])
    d = docker.GanimeDocker()
    before = {"gap_enabled": d.gap.isEnabled(), "mode_enabled": d.mode.isEnabled()}
    wait_for(lambda: d.health is not None or d.status.text())
    schema = d.controls.schema
    v["docker"] = {"title": d.windowTitle(), "modes": [d.mode.itemData(i) for i in range(d.mode.count())],
                   "before": before, "status": d.status.text(), "published": schema.published,
                   "gap_enabled": d.gap.isEnabled(), "gap_range": [d.gap.minimum(), d.gap.maximum()],
                   "gap_value": d.gap.value(), "gap_tip": d.gap.toolTip(),
                   "gap_help": schema.get("gap").help, "mode_tip": d.mode.toolTip(),
                   "mode_help": schema.get("mode").help, "size_enabled": d.working_size.isEnabled(),
                   "size_text": d.working_size.text(), "layers_checked": d.layers.isChecked(),
                   "offered": sorted(d.controls.offered), "live": d.live.text(), "go": d.go.text()}
    # the whole gap range reaches the service: 0 is sent (not left to the service's default)
    sent = {}
    for gap in (0, 64):
        d.gap.setValue(gap)
        opts = d.options(live=False)
        group, _ = bridge.colorize_document(doc, client, opts, "Ink")
        sent[str(gap)] = {"extra": opts.extra, "mode": opts.mode, "size": opts.size,
                          "layers": [n.name() for n in group.childNodes()]}
    v["docker"]["sent"] = sent

    # a docker pointed at a stopped service says so
    app.writeSetting("ganime", "url", cfg["dead_url"])
    down = docker.GanimeDocker()
    wait_for(lambda: down.status.text())
    v["docker_down"] = {"status": down.status.text(), "gap_enabled": down.gap.isEnabled(),
                        "mode_enabled": down.mode.isEnabled()}

    # services older than /v1/options (404): the built-in schema, gap only if health lists it
    app.writeSetting("ganime", "token_file", cfg["fake_token_file"])
    for key in ("old", "older"):
        app.writeSetting("ganime", "url", cfg[key + "_url"])
        old = docker.GanimeDocker()
        wait_for(lambda old=old: old.health is not None or old.status.text())
        v["docker_" + key] = {
            "status": old.status.text(), "published": old.controls.schema.published,
            "gap_enabled": old.gap.isEnabled(), "gap_range": [old.gap.minimum(), old.gap.maximum()],
            "gap_value": old.gap.value(), "gap_tip": old.gap.toolTip(),
            "offered": sorted(old.controls.offered), "sent": old.options(live=False).extra}
    doc.close()


def wait_for(done, timeout=30.0):
    """Run Qt's event loop (the docker's answers arrive as queued signals) until ``done()``."""
    import time

    from PyQt5.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    if not done():
        raise TimeoutError("the docker got no answer from the service")


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
