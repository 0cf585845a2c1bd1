"""The study page in a real headless Chromium: a participant answers a session with clicks, then
the SQLite rows and the report's numbers are checked against what was clicked.

Needs Debian's chromium and chromium-driver and the selenium package; without them the test
skips with the command to run, and fails instead when GANIME_REQUIRE_BROWSER=1 (as
``make test`` sets it for root, who can install them).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from human_study_helpers import folders

from training.human_study import browser
from training.human_study.pictures import Library
from training.human_study.report import rates, table
from training.human_study.server import StudyOptions, StudyServer
from training.human_study.store import Store

SECONDS = 0.6  # how long each picture is shown in the test


@pytest.fixture(scope="module")
def driver():  # noqa: ANN201
    why = browser.missing()
    if why:
        if os.environ.get("GANIME_REQUIRE_BROWSER") == "1":
            pytest.fail(f"GANIME_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    d = browser.chromium(1100, 760)
    yield d
    d.quit()


def _wait(driver, condition, timeout: float = 20.0):  # noqa: ANN001, ANN202
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.02).until(condition)


def _visible(driver, element_id: str) -> bool:  # noqa: ANN001
    return bool(driver.execute_script(f"const e = document.getElementById('{element_id}'); "
                                      "return !!e && !e.hidden && e.offsetParent !== null;"))


def _session(driver, server: StudyServer, participant: str, answers: list[str]) -> list[float]:  # noqa: ANN001
    """Answer one session through the page with ``answers`` (button values) -> seconds each picture showed."""
    from selenium.webdriver.common.by import By

    driver.get(server.url + f"&p={participant}")
    _wait(driver, lambda d: d.find_element(By.ID, "participant").get_attribute("value") == participant)
    start = driver.find_element(By.ID, "start")
    assert not start.is_enabled()  # consent first
    driver.find_element(By.ID, "consent").click()
    start.click()
    shown: list[float] = []
    n_practice = server.opts.practice
    for i, value in enumerate(answers):
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#stage img"))
        t_img = time.monotonic()
        assert not _visible(driver, "question")  # no answering while the picture is up
        n_img = len(driver.find_elements(By.CSS_SELECTOR, "#stage img"))
        assert n_img == (2 if server.opts.mode == "pair" else 1)
        for src in (e.get_attribute("src") for e in driver.find_elements(By.CSS_SELECTOR, "#stage img")):
            assert "real" not in src and "pix2pix" not in src and ".png" not in src  # no hint in the URL
        phase = "Practice" if i < n_practice else "Trial"
        assert driver.find_element(By.ID, "progress").text.startswith(phase)
        _wait(driver, lambda d: _visible(d, "question"))
        shown.append(time.monotonic() - t_img)
        assert not driver.find_elements(By.CSS_SELECTOR, "#stage img")  # the picture is gone
        time.sleep(0.25)  # "think": the recorded time must include this
        driver.find_element(By.ID, f"answer-{value}").click()
        if i < n_practice:
            _wait(driver, lambda d: d.find_element(By.ID, "feedback").text)
            text = driver.find_element(By.ID, "feedback").text
            assert text.startswith(("Correct", "Not quite"))
        else:
            assert not driver.find_element(By.ID, "feedback").text
    _wait(driver, lambda d: _visible(d, "done"))
    assert driver.find_element(By.ID, "n-done").text == str(len(answers))
    return shown


def test_a_session_through_the_page(driver, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    from training.human_study.__main__ import main

    real, fakes = folders(tmp_path / "pics", n=8)
    library = Library(real, fakes, 128)
    store = Store(tmp_path / "answers.sqlite")
    opts = StudyOptions(mode="single", seconds=SECONDS, practice=2, blind=6, seed=4)
    clicks = ["real", "generated", "real", "real", "generated", "real", "generated", "generated"]
    with StudyServer(library, store, opts) as server:
        shown = _session(driver, server, "P01", clicks)
    # each picture stayed about SECONDS (the page's timer; the test's polling adds a little)
    assert all(SECONDS * 0.9 <= s <= SECONDS + 1.5 for s in shown), shown
    rows = store.rows(None)
    assert [r["answer"] for r in rows] == clicks
    assert [r["phase"] for r in rows] == ["practice"] * 2 + ["blind"] * 6
    assert {r["participant"] for r in rows} == {"P01"} and [r["idx"] for r in rows] == list(range(8))
    for r in rows:
        assert r["mode"] == "single" and r["side"] == "centre" and r["method"] in ("real", "pix2pix")
        assert r["picture"].startswith(r["method"] + "/")
        assert r["correct"] == int((r["answer"] == "real") == (r["method"] == "real"))
        assert 250 <= r["ms"] <= 10_000 and r["server_ms"] >= r["ms"]
    blind = [r for r in rows if r["phase"] == "blind"]
    assert sum(r["method"] == "real" for r in blind) == 3  # half real
    fakes_judged_real = sum(r["method"] == "pix2pix" and r["answer"] == "real" for r in blind)
    reals_judged_real = sum(r["method"] == "real" and r["answer"] == "real" for r in blind)
    rs = {r.method: r for r in rates(store.rows())}
    assert (rs["pix2pix"].n, rs["pix2pix"].k) == (3, fakes_judged_real)
    assert (rs["real"].n, rs["real"].k) == (3, reals_judged_real)
    assert main(["report", "--db", str(tmp_path / "answers.sqlite")]) == 0
    out = capsys.readouterr().out
    assert out == table(list(rs.values()))
    line = next(ln for ln in out.splitlines() if ln.startswith("pix2pix"))
    assert line.split()[1:3] == ["3", str(fakes_judged_real)]


def test_a_pair_session_through_the_page(driver, tmp_path: Path) -> None:  # noqa: ANN001
    real, fakes = folders(tmp_path / "pics", n=6)
    store = Store(tmp_path / "pairs.sqlite")
    opts = StudyOptions(mode="pair", seconds=SECONDS, practice=1, blind=3, seed=2)
    clicks = ["left", "right", "left", "left"]
    with StudyServer(Library(real, fakes, 96), store, opts) as server:
        _session(driver, server, "P02", clicks)
    rows = store.rows(None)
    assert [r["answer"] for r in rows] == clicks
    for r in rows:
        assert r["method"] == "pix2pix" and r["other_picture"].startswith("real/")
        assert r["picture"].split("/")[1] == r["other_picture"].split("/")[1]  # the same sketch
        assert r["correct"] == int(r["answer"] != r["side"])  # right when the real side was picked
    rs = rates(store.rows())
    assert len(rs) == 1 and rs[0].n == 3 and rs[0].k == sum(not r["correct"] for r in rows[1:])
