"""Krita round trip and service load, for ``make bench``.

- Round trip: the Krita plugin's own code inside real (headless) Krita, against ``ganime serve``
  with the default model, on 1024x1024 line art with a hint layer: read the layers, send them,
  colorize, write the "GANime" group. Model warm (one call first). Goal: <= 1.5 s on 2 cores.
- Load: 16 concurrent clients, two 512x512 requests each, against the same service.

This file is also the module kritarunner runs inside Krita (``krita_main``), so at module level
it imports only the standard library.

    python -m bench.bench_krita
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "samples" / "lineart_1.png"
SIZE = 1024
RUNS = 5
GOAL_S = 1.5
CONFIGS = (("plain, colour only", {"mode": "plain", "layers": False}),
           ("plain + flats/shading layers", {"mode": "plain", "layers": True}),
           ("locked (all layers)", {"mode": "locked", "layers": True}))
LOAD_CLIENTS, LOAD_EACH, LOAD_SIZE = 16, 2, 512


# -- inside Krita --------------------------------------------------------------------------------


def krita_main(args) -> None:  # kritarunner calls FUNC(args)
    with open(os.environ["GANIME_BENCH_CONFIG"]) as f:
        cfg = json.load(f)
    out: dict = {"ok": False}
    try:
        out.update(_krita_rounds(cfg))
        out["ok"] = True
    except BaseException:
        import traceback

        out["traceback"] = traceback.format_exc()
    with open(cfg["verdict"], "w") as f:
        json.dump(out, f)


def _krita_rounds(cfg: dict) -> dict:
    from ganime_krita import bridge
    from ganime_krita.client import Client
    from krita import Krita
    from PyQt5.QtCore import Qt
    from PyQt5.QtGui import QColor, QImage, QPainter

    n = cfg["size"]
    src = QImage(cfg["sample"]).scaled(n, n, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    canvas = QImage(n, n, QImage.Format_ARGB32)
    canvas.fill(QColor(255, 255, 255))
    p = QPainter(canvas)
    p.drawImage((n - src.width()) // 2, (n - src.height()) // 2, src)
    p.end()
    doc = Krita.instance().createDocument(n, n, "bench", "RGBA", "U8", "", 72.0)
    lines = doc.createNode("Lines", "paintlayer")
    doc.rootNode().addChildNode(lines, None)
    ptr = canvas.constBits()
    ptr.setsize(canvas.sizeInBytes())
    lines.setPixelData(bytes(ptr), 0, 0, n, n)
    hints = QImage(n, n, QImage.Format_ARGB32)
    hints.fill(QColor(0, 0, 0, 0))
    p = QPainter(hints)
    for (x, y), rgb in (((0.45, 0.30), (240, 200, 60)), ((0.5, 0.6), (60, 90, 200)), ((0.4, 0.8), (200, 40, 60))):
        p.fillRect(int(x * n), int(y * n), n // 20, n // 40, QColor(*rgb))
    p.end()
    ptr = hints.constBits()
    ptr.setsize(hints.sizeInBytes())
    bridge.ensure_hints(doc).setPixelData(bytes(ptr), 0, 0, n, n)
    client = Client(cfg["url"], cfg["token_file"], timeout=600)
    bridge.colorize_document(doc, client, bridge.Options(mode="locked"), "Lines")  # warm-up
    results = {}
    for name, opts in cfg["configs"]:
        rows = []
        for _ in range(cfg["runs"]):
            t0 = time.perf_counter()
            _, t = bridge.colorize_document(doc, client, bridge.Options(**opts), "Lines")
            rows.append([time.perf_counter() - t0, t.read, t.service, t.apply, t.model])
        results[name] = rows
    return {"results": results, "size": [doc.width(), doc.height()]}


# -- the venv side ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_service(tmp: Path) -> tuple[subprocess.Popen, str, Path]:
    port, token_file = _free_port(), tmp / "token"
    proc = subprocess.Popen([sys.executable, "-m", "ganime_core.cli", "serve", "--port", str(port),
                             "--token-file", str(token_file), "--max-queue", "64"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    if "listening" not in line:
        proc.kill()
        raise RuntimeError(f"ganime serve did not start: {line!r}")
    return proc, f"http://127.0.0.1:{port}", token_file


def _load(url: str, token_file: Path) -> str:
    import io
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    from PIL import Image

    sys.path.insert(0, str(ROOT / "krita_plugin"))
    from ganime_krita.client import Client, ServiceError

    im = Image.open(SAMPLE).convert("L").resize((LOAD_SIZE, LOAD_SIZE))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    data = buf.getvalue()

    def one(i: int) -> list:
        c = Client(url, token_file, timeout=600)
        rows = []
        for _ in range(LOAD_EACH):
            t0 = time.perf_counter()
            try:
                body, _ = c.colorize(data, fmt="png")
                ok = body[:8] == b"\x89PNG\r\n\x1a\n"
            except ServiceError:
                ok = False
            rows.append((ok, time.perf_counter() - t0))
        return rows

    t0 = time.perf_counter()
    with ThreadPoolExecutor(LOAD_CLIENTS) as pool:
        rows = [r for rs in pool.map(one, range(LOAD_CLIENTS)) for r in rs]
    wall = time.perf_counter() - t0
    lat = np.sort([dt for _, dt in rows])
    ok = sum(1 for good, _ in rows if good)
    health = Client(url, token_file).health()
    return (f"| {LOAD_CLIENTS} clients x {LOAD_EACH} requests, {LOAD_SIZE}² PNG, plain | {ok} / {len(rows)} "
            f"| {wall:.1f} s | {len(rows) / wall:.2f} | {lat[len(lat) // 2]:.2f} s | "
            f"{lat[min(len(lat) - 1, int(len(lat) * 0.95))]:.2f} s | {health['status']}, queue {health['queue']} |")


def run() -> str:
    lines = ["## Krita round trip and service load (`bench/bench_krita.py`)", ""]
    kritarunner = shutil.which("kritarunner")
    if kritarunner is None:
        return "\n".join(lines + ["not run: kritarunner not found (apt-get install krita python3-pyqt5)"])
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        proc, url, token_file = _start_service(tmp)
        try:
            cfg = {"url": url, "token_file": str(token_file), "size": SIZE, "runs": RUNS,
                   "sample": str(SAMPLE), "configs": CONFIGS, "verdict": str(tmp / "verdict.json")}
            (tmp / "cfg.json").write_text(json.dumps(cfg))
            env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_API")}
            env.update(QT_QPA_PLATFORM="offscreen", GANIME_BENCH_CONFIG=str(tmp / "cfg.json"),
                       PYTHONPATH=os.pathsep.join([str(ROOT / "krita_plugin"), str(ROOT / "bench")]),
                       HOME=str(tmp), XDG_DATA_HOME=str(tmp / "share"), XDG_CONFIG_HOME=str(tmp / "cfg"))
            subprocess.run([kritarunner, "-s", "bench_krita", "-f", "krita_main"], env=env, cwd=tmp,
                           capture_output=True, timeout=900)
            verdict = json.loads((tmp / "verdict.json").read_text())
            if not verdict.get("ok"):
                raise RuntimeError(verdict.get("traceback", "no verdict"))
            load_row = _load(url, token_file)
        finally:
            proc.terminate()
            proc.wait(60)
    lines += [f"The plugin's own code in headless Krita 5 (`kritarunner`) against `ganime serve` with "
              f"the default model on the CPU; {SIZE}x{SIZE} line art with a hint layer, model warm, "
              f"median of {RUNS}. *Total* is the docker's click to the layers in Krita: read the "
              f"layers, send, colorize, answer as OpenRaster, write the GANime group. Goal <= {GOAL_S} s.",
              "", "| configuration | total | read layers | service (HTTP + colorize) | colorize call | "
              "write layers | goal |", "|---|---|---|---|---|---|---|"]
    for name, rows in verdict["results"].items():
        med = [statistics.median(r[i] for r in rows) for i in range(5)]
        lines.append(f"| {name} | {med[0]:.2f} s | {med[1] * 1000:.0f} ms | {med[2]:.2f} s | "
                     f"{med[4]:.2f} s | {med[3] * 1000:.0f} ms | {'met' if med[0] <= GOAL_S else 'missed'} |")
    lines += ["", f"Service under load: {LOAD_CLIENTS} concurrent clients on loopback, one colorize at "
              "a time; every request must come back.", "",
              "| load | answered 200 | wall | requests/s | p50 latency | p95 latency | after |",
              "|---|---|---|---|---|---|---|", load_row]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
