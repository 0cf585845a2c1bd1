"""A headless Chromium driven by selenium, for the study's browser test and its screenshot.

Debian's ``chromium`` and ``chromium-driver`` (the driver matches the browser's version) and
the ``selenium`` package; :func:`missing` says what to install when one is absent. Selenium
is told where the driver is, so it never tries to download one (Selenium Manager).
"""

from __future__ import annotations

import importlib.util
import shutil
from typing import Any

APT = "apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver"
PIP = ".venv/bin/pip install selenium"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver",)


def _which(names: tuple[str, ...]) -> str | None:
    return next((p for p in map(shutil.which, names) if p), None)


def missing() -> str | None:
    """None when a headless browser can run here; else what is missing and the command to install it."""
    absent = [what for what, ok in (("chromium", _which(BROWSERS)), ("chromium-driver", _which(DRIVERS)),
                                    ("selenium", importlib.util.find_spec("selenium"))) if not ok]
    if not absent:
        return None
    apt = [APT] if {"chromium", "chromium-driver"} & set(absent) else []
    pip = [PIP] if "selenium" in absent else []
    return f"no {', '.join(absent)}; run{' as root' if apt else ''}: {' && '.join(apt + pip)}"


def chromium(width: int = 1100, height: int = 760) -> Any:
    """A headless Chromium WebDriver with a ``width`` x ``height`` window (call ``quit()`` when done)."""
    why = missing()
    if why:
        raise RuntimeError(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = _which(BROWSERS) or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--lang=en-GB"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=_which(DRIVERS)))
    # the window size counts the (invisible) browser frame: fix the page's own viewport instead
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    return driver
