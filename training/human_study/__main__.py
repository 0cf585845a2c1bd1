"""``python -m training.human_study serve|report``: run a blind real-vs-generated study, then score it."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from .pictures import Library
from .plan import MODES
from .report import plot, rates, table
from .server import HOST, StudyOptions, StudyServer
from .store import Store

log = logging.getLogger("training.human_study")
DEFAULT_DB = "runs/human_study/answers.sqlite"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m training.human_study",
        description="A blind study of whether people take generated pictures for real ones (the pix2pix "
                    "perceptual study: a picture for about a second, then 'real or generated?'; a few "
                    "practice trials with feedback, then blind trials). 'serve' runs the page on this "
                    "machine; 'report' prints the fool rate per method with 95 % Wilson intervals.",
        epilog="See docs/human_study.md for running a study with artists (consent, how many trials).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                       help="serve the study page on 127.0.0.1",
                       description=f"Serve the study page on {HOST} only (participants use this machine, "
                                   "or an SSH tunnel to it). The URL printed at start carries a random token "
                                   "that every request needs. Pictures are the images directly inside each "
                                   "folder (other files are skipped with a warning); each is shown at the "
                                   "same size as PNG. Stop with Ctrl+C; answers are saved as they come.",
                       epilog="Example: python -m training.human_study serve --real data/real "
                              "--fake runs/out/pix2pix --fake runs/out/cyclegan --trials 40")
    s.add_argument("--real", required=True, type=Path, default=argparse.SUPPRESS, help="folder of real (artist-coloured) pictures")
    s.add_argument("--fake", required=True, type=Path, action="append", default=argparse.SUPPRESS,
                   help="folder of generated pictures, repeatable; the method is the folder's name "
                        "(in pair mode a generated picture meets the real one of the same file name when "
                        "there is one)")
    s.add_argument("--db", default=DEFAULT_DB, help="the SQLite file answers go to (created if missing)")
    s.add_argument("--mode", choices=MODES, default="single",
                   help="single: one picture, 'real or generated?'; pair: a real and a generated picture "
                        "side by side, 'which is real?' (pix2pix's own two-alternative version)")
    s.add_argument("--seconds", type=float, default=1.0, help="how long each picture is shown")
    s.add_argument("--practice", type=int, default=10, help="practice trials (with feedback) per participant")
    s.add_argument("--trials", type=int, default=40, help="blind trials (no feedback) per participant")
    s.add_argument("--size", type=int, default=512, help="long side every picture is shown at (pixels)")
    s.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    s.add_argument("--seed", type=int, default=None, help="seed the trial plans (default: fresh each time)")
    r = sub.add_parser("report", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                       help="fool rate per method with 95 %% intervals",
                       description="Print the fool rate of each method over the blind trials (practice "
                                   "trials are left out) with 95 % Wilson intervals, and optionally draw "
                                   "them as a bar plot (matplotlib when installed, else Pillow).")
    r.add_argument("--db", default=DEFAULT_DB, help="the study's SQLite file")
    r.add_argument("--plot", type=Path, default=None, help="write a bar plot here (PNG)")
    return p


def serve(args: argparse.Namespace) -> int:
    if not 0.05 <= args.seconds <= 60:
        log.error("--seconds %s: between 0.05 and 60", args.seconds)
        return 2
    if args.practice < 0 or args.trials < 1:
        log.error("--trials must be at least 1 and --practice not negative")
        return 2
    try:
        library = Library(args.real, args.fake, args.size)
    except (FileNotFoundError, ValueError) as exc:
        log.error("%s", exc)
        return 2
    log.info("%d real picture(s); generated: %s", len(library.real),
             ", ".join(f"{m} {len(ps)}" for m, ps in library.fakes.items()))
    store = Store(args.db)
    opts = StudyOptions(args.mode, args.seconds, args.practice, args.trials, args.port, args.seed)
    try:
        server = StudyServer(library, store, opts).start()
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", HOST, args.port, exc)
        return 2
    print(f"Study page ({args.mode} mode, answers in {args.db}):\n  {server.url}\n"
          "Open it in a browser on this machine; Ctrl+C stops.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def report(args: argparse.Namespace) -> int:
    if not Path(args.db).is_file():
        log.error("--db %s: no such file", args.db)
        return 2
    rs = rates(Store(args.db).rows("blind"))
    print(table(rs), end="")
    if args.plot and rs:
        print(f"plot: {plot(rs, args.plot)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return serve(args) if args.command == "serve" else report(args)


if __name__ == "__main__":
    sys.exit(main())
