"""``make bench``: every benchmark section, written to docs/benchmarks.md with the machine.

``python -m bench.run bench.bench_suggest ...`` runs only the sections named and replaces just
those in docs/benchmarks.md (matched by their ``## `` heading), keeping the others as they are.
"""

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

SECTIONS = ("bench.bench_core", "bench.bench_regions", "bench.bench_desktop", "bench.bench_krita",
            "bench.bench_suggest")
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


def _section(name: str) -> str:
    print(f"running {name} ...", file=sys.stderr)
    try:
        return importlib.import_module(name).run()
    except ModuleNotFoundError as exc:
        return "\n".join([f"## {name}", "", f"not run: {exc}"])
    except Exception:
        return "\n".join([f"## {name}", "", "failed:", "```", traceback.format_exc(), "```"])


def replace_sections(doc: str, new: list[str]) -> str:
    """``doc`` with each section of ``new`` in place of the section with its heading (the
    first line), or appended when there is none."""
    blocks: list[list[str]] = [[]]
    for line in doc.rstrip("\n").split("\n"):
        if line.startswith("## "):
            blocks.append([])
        blocks[-1].append(line)
    for section in new:
        heading = section.split("\n", 1)[0]
        body = section.rstrip("\n").split("\n") + [""]
        at = next((i for i, b in enumerate(blocks) if b and b[0] == heading), None)
        if at is None:
            if blocks[-1] and blocks[-1][-1] != "":
                blocks[-1].append("")
            blocks.append(body)
        else:
            blocks[at] = body
    return "\n".join(line for b in blocks for line in b).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    only = list(sys.argv[1:] if argv is None else argv)
    unknown = [name for name in only if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s) {', '.join(unknown)}; one of {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    DOC.parent.mkdir(exist_ok=True)
    if only and DOC.is_file():
        DOC.write_text(replace_sections(DOC.read_text(encoding="utf-8"), [_section(n) for n in only]),
                       encoding="utf-8")
    else:
        parts = ["# Benchmarks", "", "Written by `make bench` (`python -m bench.run`). Ratios compare "
                 "against a plain eager fp32 baseline measured in the same run.", "", machine(), ""]
        for name in only or SECTIONS:
            parts += [_section(name), ""]
        DOC.write_text("\n".join(parts), encoding="utf-8")
    print(DOC.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
