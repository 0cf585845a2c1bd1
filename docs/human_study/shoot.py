"""docs/human_study/*.png: the study page in headless Chromium, with the real sample pairs.

The real pictures are the artists' colourings in ``../shared/data/samples``; the generated
ones are the shipped model's colourings of their sketches (``ganime_core.Colorizer``, no
hints). Run ``.venv/bin/python docs/human_study/shoot.py`` (needs chromium, chromium-driver
and selenium: see ``training.human_study.browser``). Writes ``page.png`` (a single-mode
trial while the picture is shown), ``question.png`` (the question after it) and
``intro.png`` (the consent page), and the pair-mode trial ``pair.png``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT.parent / "shared" / "data" / "samples"
OUT = Path(__file__).resolve().parent


def folders(tmp: Path) -> tuple[Path, Path]:
    """real/NNN.png (the samples' colourings) and ganime/NNN.png (the model's, from their sketches)."""
    import numpy as np

    from ganime_core.api import Colorizer

    real, fake = tmp / "real", tmp / "ganime"
    real.mkdir()
    fake.mkdir()
    colorizer = Colorizer.load(device="cpu")
    for sketch in sorted(SAMPLES.glob("*_sketch.png")):
        stem = sketch.name.split("_")[0]
        Image.open(SAMPLES / f"{stem}_color.png").convert("RGB").save(real / f"{stem}.png")
        lines = np.asarray(Image.open(sketch).convert("L"))
        Image.fromarray(colorizer.colorize(lines).image[..., :3]).save(fake / f"{stem}.png")
    return real, fake


def shoot(real: Path, fake: Path, mode: str, shots: dict[str, str], seconds: float = 60.0) -> None:
    """The named screenshots (intro, trial, question) of one study page; pictures stay ``seconds``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from training.human_study.browser import chromium
    from training.human_study.pictures import Library
    from training.human_study.server import StudyOptions, StudyServer
    from training.human_study.store import Store

    library = Library(real, [fake], 512 if mode == "single" else 440)
    store = Store(real.parent / f"{mode}.sqlite")
    opts = StudyOptions(mode=mode, seconds=seconds, practice=10, blind=40, seed=3)
    with StudyServer(library, store, opts) as server:
        driver = chromium(1100, 760 if mode == "single" else 700)
        try:
            wait = WebDriverWait(driver, 30)
            driver.get(server.url + "&p=P07")
            wait.until(ec.text_to_be_present_in_element((By.ID, "n-blind"), "40"))
            driver.find_element(By.ID, "consent").click()
            if "intro" in shots:
                driver.save_screenshot(str(OUT / shots["intro"]))
            if "trial" not in shots:
                return
            driver.find_element(By.ID, "start").click()
            wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#stage img")))
            time.sleep(0.3)
            driver.save_screenshot(str(OUT / shots["trial"]))
            if "question" in shots:  # the question, as it looks after the picture has gone
                driver.execute_script("document.querySelectorAll('#stage .frame').forEach(f => f.replaceChildren());"
                                      "document.getElementById('question').hidden = false;")
                driver.save_screenshot(str(OUT / shots["question"]))
        finally:
            driver.quit()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ganime-study-shot-") as tmp:
        real, fake = folders(Path(tmp))
        shoot(real, fake, "single", {"intro": "intro.png"}, seconds=1.0)
        shoot(real, fake, "single", {"trial": "page.png", "question": "question.png"})
        shoot(real, fake, "pair", {"trial": "pair.png"})
    for name in ("intro.png", "page.png", "question.png", "pair.png"):
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
