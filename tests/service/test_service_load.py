"""A bounded load test on loopback: 16 clients hammer the service; nothing is lost, it stays up.

Bounded by request count and a wall-clock deadline; it stops by itself.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from service_helpers import png, sketch

CLIENTS = 16
PER_CLIENT = 4
DEADLINE_S = 120


def test_16_clients_load_nothing_lost(start_service, colorizer):
    svc, http = start_service(colorizer, max_queue=CLIENTS)
    stop_at = time.monotonic() + DEADLINE_S
    pictures = {i: sketch(80 + 4 * i, 64, seed=i) for i in range(CLIENTS)}
    payloads = {i: png(a) for i, a in pictures.items()}

    def client(i: int) -> list:
        out = []
        for k in range(PER_CLIENT):
            if time.monotonic() > stop_at:
                break
            t0 = time.perf_counter()
            if k == 1 and i % 4 == 0:  # some noise among the real work: bad token, bad input
                assert http.request("GET", "/v1/health", token="nope" * 10).status == 401
                assert http.colorize({"image": b"garbage"}).status == 400
            r = http.colorize({"image": payloads[i], "format": "ora" if k % 2 else "png"}, client=f"load{i}")
            out.append((k, r, time.perf_counter() - t0))
        return out

    t0 = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    wall = time.perf_counter() - t0
    latencies = []
    for i, rows in enumerate(results):
        assert len(rows) == PER_CLIENT, f"client {i} ran out of time"
        for k, r, dt in rows:
            assert r.status == 200, (i, k, r.body[:200])
            latencies.append(dt)
            if k % 2 == 0:
                assert r.image().shape == (*pictures[i].shape, 3)
            else:
                assert r.body[30:38] == b"mimetype" or b"image/openraster" in r.body[:100]
    h = http.health()
    assert h["status"] == "ok" and h["queue"] == 0
    assert h["stats"]["done"] == CLIENTS * PER_CLIENT and h["stats"]["failed"] == 0
    assert h["stats"]["rejected"] == 0
    lat = np.sort(latencies)
    print(f"\n{CLIENTS * PER_CLIENT} requests from {CLIENTS} clients in {wall:.1f} s: "
          f"p50 {lat[len(lat) // 2]:.2f} s, p95 {lat[int(len(lat) * 0.95)]:.2f} s")
