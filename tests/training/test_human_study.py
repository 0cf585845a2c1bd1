"""The blind study kit without a browser: token on every request, loopback only, no way to a
file outside the pictures, hostile folders, concurrent answers, the fool rates and their intervals."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from pathlib import Path

import pytest
from human_study_helpers import folders, request
from PIL import Image

from training.human_study.__main__ import main
from training.human_study.pictures import Library, scan
from training.human_study.plan import make_plan
from training.human_study.report import Rate, rates, table, wilson
from training.human_study.server import HOST, StudyOptions, StudyServer, token_ok
from training.human_study.store import AnswerError, Store


@pytest.fixture()
def study(tmp_path: Path):  # noqa: ANN201
    real, fakes = folders(tmp_path / "pics")
    library = Library(real, fakes, 64)
    store = Store(tmp_path / "answers.sqlite")
    with StudyServer(library, store, StudyOptions(practice=2, blind=4, seed=1)) as server:
        yield server


def _base(server: StudyServer) -> str:
    return f"http://{HOST}:{server.port}"


def _start(server: StudyServer, participant: str = "P01") -> dict:
    status, body, _ = request(f"{_base(server)}/api/start?t={server.token}", {"participant": participant})
    assert status == 200, body
    return json.loads(body)


def test_every_request_needs_the_token(study: StudyServer) -> None:
    base, tok = _base(study), study.token
    session = _start(study)["session"]
    routes = ["/", "/app.js", "/app.css", "/favicon.ico", "/api/info", f"/api/trial?s={session}",
              f"/img?s={session}&i=0&k=0"]
    for route in routes:
        sep = "&" if "?" in route else "?"
        for bad in ("", f"{sep}t=", f"{sep}t={tok[:-1]}", f"{sep}t={tok}x", f"{sep}t={tok.upper()}"):
            status, body, headers = request(base + route + bad)
            assert status == 403, (route, bad)
            assert tok.encode() not in body and headers.get("Referrer-Policy") == "no-referrer"
        status, _, headers = request(f"{base}{route}{sep}t={tok}")
        assert status in (200, 204), route
        assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert request(f"{base}/api/start", {"participant": "P02"})[0] == 403
    assert request(f"{base}/api/answer", {"session": session, "index": 0, "answer": "real", "ms": 5})[0] == 403
    assert token_ok(tok, tok) and not token_ok(None, tok) and not token_ok("é" * 4, tok)


def test_binds_loopback_only(study: StudyServer) -> None:
    assert HOST == "127.0.0.1" and study.url.startswith(f"http://127.0.0.1:{study.port}/?t=")
    with socket.create_connection((HOST, study.port), timeout=5):
        pass
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        own = probe.getsockname()[0]
    except OSError:
        own = None
    finally:
        probe.close()
    if own and not own.startswith("127."):
        with pytest.raises(OSError):
            socket.create_connection((own, study.port), timeout=5).close()


def test_no_path_reaches_the_file_system(study: StudyServer, tmp_path: Path) -> None:
    base, tok = _base(study), study.token
    session = _start(study)["session"]
    (tmp_path / "secret.txt").write_text("secret")
    for route in (f"/img?s={session}&i=0&k=../../secret.txt", f"/img?s={session}&i=0&k=-1",
                  f"/img?s={session}&i=0&k=%C2%B2", f"/img?s={session}&i=0&k=2", f"/img?s={session}&i=0&k=%2e%2e%2fsecret.txt",
                  "/img?s=..%2F..%2Fsecret.txt&i=0&k=0", f"/img?s={session}&i=1&k=0",
                  "/../secret.txt", "/%2e%2e/%2e%2e/secret.txt", "/app.js/../../secret.txt",
                  "/real/000.png", "/static/../../secret.txt"):
        sep = "&" if "?" in route else "?"
        status, body, _ = request(f"{base}{route}{sep}t={tok}")
        assert status in (400, 404), route
        assert b"secret" not in body and not body.startswith(b"\x89PNG"), route
    status, body, headers = request(f"{base}/img?s={session}&i=0&k=0&t={tok}")
    assert status == 200 and headers["Content-Type"] == "image/png" and body.startswith(b"\x89PNG")
    # the trial names no file and no method: the page cannot leak the answer
    status, body, _ = request(f"{base}/api/trial?s={session}&t={tok}")
    assert status == 200 and b"real" not in body and b"pix2pix" not in body and b".png" not in body


def test_a_picture_gone_since_the_start_is_a_404(study: StudyServer) -> None:
    session = _start(study)["session"]
    key = study.store.trial(session, 0).keys[0]
    study.library.by_key[key].path.unlink()
    status, body, _ = request(f"{_base(study)}/img?s={session}&i=0&k=0&t={study.token}")
    assert status == 404 and b"cannot be read" in body


def test_hostile_folder(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    d = tmp_path / "fake"
    d.mkdir()
    red = Image.new("RGB", (40, 30), (200, 20, 20))
    names = ["ok.png", "<img src=x onerror=alert(1)>.png", "line\nbreak.png", "quote'\".png", "..png"]
    for name in names:
        red.save(d / name, format="PNG")
    bad = os.fsencode(str(d)) + b"/caf\xe9.png"  # not valid UTF-8
    with open(bad, "wb") as f:
        red.save(f, format="PNG")
    (d / "notes.png").write_text("this is text, not a picture")
    (d / "empty.jpg").write_bytes(b"")
    (d / "readme.txt").write_text("hello")
    (d / ".hidden.png").write_bytes((d / "ok.png").read_bytes())
    (d / "sub").mkdir()
    red.save(d / "sub" / "inner.png")
    (d / "link.png").symlink_to(tmp_path / "elsewhere.png")
    red.save(tmp_path / "elsewhere.png")
    with caplog.at_level(logging.WARNING):
        pictures = scan(d, "fake")
    got = {p.name for p in pictures}
    assert got == (set(names) - {"line\nbreak.png", "..png"}) | {"line\\x0abreak.png", "caf\\xe9.png"}
    for skipped in ("notes.png", "empty.jpg", "readme.txt", ".hidden.png", "'..png'", "sub", "link.png"):
        assert any(skipped in r.getMessage() for r in caplog.records), skipped
    assert all(p.path.parent == d and p.key == f"fake/{p.name}" and p.name.isprintable() for p in pictures)
    # every printable name goes into SQLite and back unchanged
    real, _ = folders(tmp_path / "pics")
    library = Library(real, [d], 32)
    store = Store(tmp_path / "h.sqlite")
    plan = make_plan(library, "single", 0, 14, seed=0)
    s = store.start("P01", "single", 1.0, plan)
    for t in plan:
        store.answer(s.session, t.index, "real", 10)
    assert {r["picture"] for r in store.rows()} >= {f"fake/{n}" for n in got}


def test_folder_errors_are_clear(tmp_path: Path) -> None:
    real, fakes = folders(tmp_path / "pics")
    with pytest.raises(FileNotFoundError, match="no such folder"):
        Library(tmp_path / "nope", fakes)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        Library(real, [tmp_path / "empty"])
    with pytest.raises(ValueError, match="cannot be named 'real'"):
        Library(real, [real])
    (tmp_path / "other" / "pix2pix").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(tmp_path / "other" / "pix2pix" / "a.png")
    with pytest.raises(ValueError, match="two generated folders are named 'pix2pix'"):
        Library(real, fakes + [tmp_path / "other" / "pix2pix"])


def test_plans_balance_methods_and_pair_the_same_sketch(tmp_path: Path) -> None:
    real, fakes = folders(tmp_path / "pics", n=12, fakes=("a", "b"))
    library = Library(real, fakes, 32)
    plan = make_plan(library, "single", 4, 20, seed=0)
    blind = [t for t in plan if t.phase == "blind"]
    assert [t.phase for t in plan[:4]] == ["practice"] * 4 and len(blind) == 20
    methods = [t.methods[0] for t in blind]
    assert methods.count("real") == 10 and methods.count("a") == 5 and methods.count("b") == 5
    stems = [k.split("/")[1] for t in plan for k in t.keys]
    assert len(set(stems)) == 12  # 24 trials over 12 names: each name exactly twice, ...
    assert len(set(stems[:12])) == 12  # ... and none repeated before all were used
    pairs = make_plan(library, "pair", 2, 10, seed=0)
    for t in pairs:
        assert sorted(m == "real" for m in t.methods) == [False, True]
        assert t.keys[0].split("/")[1] == t.keys[1].split("/")[1]  # the real version of that sketch
    assert {t.methods.index("real") for t in pairs} == {0, 1}  # both sides


def test_concurrent_answers_are_all_kept(tmp_path: Path) -> None:
    real, fakes = folders(tmp_path / "pics")
    library = Library(real, fakes, 32)
    store = Store(tmp_path / "c.sqlite")
    sessions = [store.start(f"P{i:02d}", "single", 1.0, make_plan(library, "single", 1, 8, seed=i))
                for i in range(8)]
    errors: list[BaseException] = []

    def run(key: str) -> None:
        try:
            for i in range(9):
                store.answer(key, i, "real" if i % 2 else "generated", 100 + i)
                with pytest.raises(AnswerError, match="not the next one"):
                    store.answer(key, i, "real", 5)  # a double click counts once
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s.session,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = store.rows(None)
    assert len(rows) == 72 and len({(r["session"], r["idx"]) for r in rows}) == 72
    assert all(store.session(s.session).done for s in sessions)
    assert store.unfinished("P00", "single") is None


def test_answers_are_checked_and_scored_by_the_server(study: StudyServer) -> None:
    base, tok = _base(study), study.token
    s = _start(study, "P09")
    assert s["n_practice"] == 2 and s["n_blind"] == 4 and s["answered"] == 0
    key = s["session"]
    url = f"{base}/api/answer?t={tok}"
    assert request(url, b"not json")[0] == 400
    assert request(url, {"session": key, "index": 0, "answer": "maybe", "ms": 5})[0] == 400
    assert request(url, {"session": key, "index": 0, "answer": "real", "ms": -1})[0] == 400
    assert request(url, {"session": key, "index": 0, "answer": "real", "ms": 1.5})[0] == 400
    assert request(url, {"session": key, "index": 3, "answer": "real", "ms": 5})[0] == 409
    assert request(url, {"session": "nope", "index": 0, "answer": "real", "ms": 5})[0] == 404
    for bad in ({"participant": "Jane Doe"}, {"participant": "../x"}, {"participant": 7}, ["P01"]):
        assert request(f"{base}/api/start?t={tok}", bad)[0] == 400
    for i in range(6):
        status, body, _ = request(url, {"session": key, "index": i, "answer": "real", "ms": 200})
        reply = json.loads(body)
        assert status == 200
        assert ("feedback" in reply) == (i < 2)  # feedback in practice only
    rows = study.store.rows(None)
    assert [r["phase"] for r in rows] == ["practice"] * 2 + ["blind"] * 4
    assert all(r["correct"] == (r["method"] == "real") for r in rows)  # answered "real" every time
    assert json.loads(request(f"{base}/api/trial?s={key}&t={tok}")[1]) == {"done": True, "answered": 6}
    assert _start(study, "P09")["session"] != key  # finished: a new session, not a resume


def test_wilson_interval_known_values() -> None:
    assert wilson(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-4)
    assert wilson(45, 50) == pytest.approx((0.78641, 0.95653), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def test_report_counts_blind_fools_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real, fakes = folders(tmp_path / "pics")
    library = Library(real, fakes, 32)
    store = Store(tmp_path / "r.sqlite")
    for p in range(3):
        plan = make_plan(library, "single", 2, 10, seed=p)
        s = store.start(f"P{p}", "single", 1.0, plan)
        for t in plan:  # P0 always says real, the others always generated
            store.answer(s.session, t.index, "real" if p == 0 else "generated", 300 + p)
    rs = {r.method: r for r in rates(store.rows())}
    assert rs["pix2pix"] == Rate("single", "pix2pix", 15, 5, 3, 301.0)  # fooled: P0's five fakes
    assert rs["real"].n == 15 and rs["real"].k == 5
    text = table(list(rs.values()))
    assert "33.3 %" in text and "[15.2 %, 58.3 %]" in text
    assert main(["report", "--db", str(tmp_path / "r.sqlite"), "--plot", str(tmp_path / "p.png")]) == 0
    out = capsys.readouterr().out
    assert "pix2pix" in out and "[15.2 %, 58.3 %]" in out
    with Image.open(tmp_path / "p.png") as im:
        assert im.format == "PNG" and im.width > 400 and im.height > 100
    assert main(["report", "--db", str(tmp_path / "missing.sqlite")]) == 2


def test_serve_refuses_bad_arguments(tmp_path: Path) -> None:
    real, fakes = folders(tmp_path / "pics")
    base = ["serve", "--real", str(real), "--fake", str(fakes[0]), "--db", str(tmp_path / "x.sqlite")]
    assert main(base + ["--seconds", "0"]) == 2
    assert main(base + ["--trials", "0"]) == 2
    assert main(["serve", "--real", str(tmp_path / "nope"), "--fake", str(fakes[0])]) == 2
