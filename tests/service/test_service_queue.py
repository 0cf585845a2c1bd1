"""One colorize at a time: concurrent clients, a full queue, newest-wins, shutdown, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

import numpy as np
import pytest
from service_helpers import ROOT, Gated, Http, png, sketch


def wait_for(cond, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_16_concurrent_clients_all_answered_correctly(service, colorizer):
    svc, http = service
    sizes = [(64 + 8 * i, 48 + 4 * (i % 5)) for i in range(16)]

    def one(i):
        w, h = sizes[i]
        return i, http.colorize({"image": png(sketch(w, h, seed=i)), "mode": ("plain", "flats", "locked")[i % 3]},
                                client=f"c{i}")

    with ThreadPoolExecutor(16) as pool:
        replies = dict(pool.map(one, range(16)))
    for i, r in replies.items():
        assert r.status == 200, (i, r.body[:200])
        w, h = sizes[i]
        got = r.image()
        assert got.shape == (h, w, 3)  # every client got its own picture back
        want = colorizer.colorize(sketch(w, h, seed=i), mode=("plain", "flats", "locked")[i % 3]).image
        assert np.array_equal(got, want)
    h = http.health()
    assert h["stats"]["done"] == 16 and h["queue"] == 0 and h["stats"]["failed"] == 0


def test_full_queue_answers_503_and_recovers(start_service, colorizer):
    gated = Gated(colorizer)
    svc, http = start_service(gated, max_queue=1)
    img = png(sketch())
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(http.colorize, {"image": img})
        assert gated.entered.wait(30)  # the first is running
        second = pool.submit(http.colorize, {"image": img})
        wait_for(lambda: http.health()["waiting"] == 1)
        third = http.colorize({"image": img})
        assert third.status == 503 and "queue is full" in third.json()["error"]
        assert third.headers["retry-after"] == "1"
        gated.gate.set()
        assert first.result().status == 200 and second.result().status == 200
    assert http.colorize({"image": img}).status == 200


def test_live_requests_newest_wins_per_client(start_service, colorizer):
    gated = Gated(colorizer)
    svc, http = start_service(gated)
    img = png(sketch())
    live = {"image": img, "live": "1"}
    with ThreadPoolExecutor(4) as pool:
        running = pool.submit(http.colorize, live, "artist")
        assert gated.entered.wait(30)
        older = pool.submit(http.colorize, live, "artist")
        other = pool.submit(http.colorize, live, "someone-else")
        wait_for(lambda: http.health()["waiting"] == 2)
        newer = pool.submit(http.colorize, live, "artist")
        r = older.result(30)
        assert r.status == 409 and "superseded" in r.json()["error"]
        gated.gate.set()
        assert running.result().status == 200
        assert newer.result().status == 200 and other.result().status == 200
    assert http.health()["stats"]["superseded"] == 1


def test_shutdown_finishes_the_running_job_and_refuses_the_rest(start_service, colorizer):
    gated = Gated(colorizer)
    svc, http = start_service(gated)
    img = png(sketch())
    with ThreadPoolExecutor(3) as pool:
        running = pool.submit(http.colorize, {"image": img})
        assert gated.entered.wait(30)
        waiting = pool.submit(http.colorize, {"image": img})
        wait_for(lambda: http.health()["waiting"] == 1)
        stopper = threading.Thread(target=svc.stop)
        stopper.start()
        r = waiting.result(30)
        assert r.status == 503 and "shutting down" in r.json()["error"]
        gated.gate.set()
        assert running.result(60).status == 200  # the running colorize still got its answer
        stopper.join(60)
    assert not stopper.is_alive()
    with pytest.raises(OSError):
        HTTPConnection("127.0.0.1", svc.port, timeout=5).request("GET", "/v1/health")


def test_cli_serve_runs_logs_and_stops_on_sigterm(tiny_weights, tmp_path):
    token_file = tmp_path / "cfg" / "token"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "ganime_core.cli", "serve", "--weights", str(tiny_weights),
                             "--device", "cpu", "--port", "0", "--token-file", str(token_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        port = int(line.split("127.0.0.1:")[1].split()[0])
        assert oct(token_file.stat().st_mode & 0o777) == "0o600"

        class Svc:
            token = token_file.read_text().strip()

        Svc.port = port
        http = Http(Svc)
        assert http.health()["status"] == "ok"
        assert http.colorize({"image": png(sketch())}).status == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    logs = [json.loads(x) for x in proc.stderr.read().splitlines() if x.startswith("{")]
    requests = [x for x in logs if x["msg"] == "request"]
    assert [x["status"] for x in requests] == [200, 200]
    assert requests[1]["path"] == "/v1/colorize" and requests[1]["job"] == "96x64 plain png"
    assert logs[-1]["msg"] == "stopped"


def test_cli_refuses_non_loopback_without_allow_remote(capsys):
    from ganime_core.cli.commands import main
    from ganime_core.service.server import check_host, is_loopback

    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    check_host("0.0.0.0", allow_remote=True)  # allowed when asked for (with a warning)
    assert main(["serve", "--port", "70000"]) == 2


def test_service_package_imports_no_qt():
    code = ("import sys, ganime_core.service.app, ganime_core.service.server, ganime_core.io.layer_files; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'qtpy', 'ganime_desktop')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert Path(ROOT / "ganime_core" / "service").is_dir()
