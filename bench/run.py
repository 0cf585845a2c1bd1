"""``make bench``: every benchmark section, written to docs/benchmarks.md with the machine."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import platform
import sys
import traceback
from pathlib import Path

import torch

from ganime_core import __version__

SECTIONS = ("bench.bench_core", "bench.bench_regions", "bench.bench_desktop", "bench.bench_krita")
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    import numpy
    import PySide6

    return (f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
            f"- machine: {cpu}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, "
            f"{platform.system()} {platform.release()}\n"
            f"- versions: GANime {__version__}, Python {platform.python_version()}, torch {torch.__version__}, "
            f"numpy {numpy.__version__}, PySide6 {PySide6.__version__}")


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    parts = ["# Benchmarks", "", "Written by `make bench` (`python -m bench.run`). Ratios compare "
             "against a plain eager fp32 baseline measured in the same run.", "", machine(), ""]
    for name in SECTIONS:
        print(f"running {name} ...", file=sys.stderr)
        try:
            parts += [importlib.import_module(name).run(), ""]
        except ModuleNotFoundError as exc:
            parts += [f"## {name}", "", f"not run: {exc}", ""]
        except Exception:
            parts += [f"## {name}", "", "failed:", "```", traceback.format_exc(), "```", ""]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(parts), encoding="utf-8")
    print(DOC.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
