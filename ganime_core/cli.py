"""The ``ganime`` command: no arguments opens the app; ``colorize`` and ``info`` for pipelines.

Exit codes: 0 all succeeded, 1 some input failed, 2 usage error (bad flags, no model, ...).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import __version__
from .errors import GanimeError

log = logging.getLogger("ganime")

EPILOG = """examples:
  ganime                                  open the desktop app
  ganime colorize sketch.png -o out/      colorize one sketch with the bundled model
  ganime colorize sketches/ -o out/ --hints hints/ --size 768
  ganime colorize page.png -o out/ --hints page.png.hints.png --mode locked --layers out/layers
  ganime colorize sketches/ -o out/ --reference refs/      colours from refs/<stem>.* per sketch
  ganime colorize sketch.png -o out/ --palette hero.gpl   colours from a GIMP palette
  ganime info --weights my_model.safetensors
  ganime serve                            the local service for the Krita plugin (127.0.0.1:7860)
hints: an RGBA PNG (painted pixels = hint colours, same size as the sketch) or a stroke
JSON saved by the app; for several inputs, a folder with <stem>.png / <stem>.json."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ganime", description="GANime: colorize anime and manga line art on your own machine.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"GANime {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("colorize", help="colorize sketches into PNGs",
                       description="Colorize line-art files or folders into OUTDIR/<stem>.png at "
                                   "each input's full resolution.")
    c.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    c.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="output folder")
    c.add_argument("--hints", metavar="FILE_OR_DIR",
                   help="hint PNG/JSON for a single input, or a folder of <stem>.png/.json")
    _model_args(c)
    c.add_argument("--size", type=int, default=None, metavar="N",
                   help="working size: long side the model sees (default: the model's, 512)")
    c.add_argument("--lines", choices=("multiply", "none"), default="multiply",
                   help="lay the original lines over the colour (default) or not")
    c.add_argument("--mode", choices=("plain", "flats", "locked"), default="plain",
                   help="plain: the network's colours; flats: one clean colour per closed region "
                        "of the line art; locked: flats with the network's shading (hints fill "
                        "their whole region and never leak past a line)")
    c.add_argument("--layers", metavar="DIR",
                   help="also write DIR/<stem>/lines.png, flats.png, shading.png (overlay: 128 "
                        "is neutral), composite.png for compositing in Krita/GIMP/Photoshop")
    c.add_argument("--palette", metavar="FILE.gpl",
                   help="a GIMP palette whose colours (the first 8) the network places on the figure")
    c.add_argument("--reference", metavar="IMAGE_OR_DIR",
                   help="a picture whose colours the network uses: one for all inputs, or a folder "
                        "with <stem>.* per input (inputs without one get none)")
    c.add_argument("--overwrite", action="store_true", help="replace existing outputs")

    i = sub.add_parser("info", help="show version, device and the model card")
    _model_args(i)

    _serve_args(sub)

    a = sub.add_parser("app", help="open the desktop app (same as no command)")
    a.add_argument("file", nargs="?", help="a sketch or .ganime project to open")
    return p


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", metavar="FILE", help="a .safetensors model (default: bundled)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto",
                   help="compute device (auto: CUDA, else MPS, else CPU)")


def _serve_args(sub) -> None:
    s = sub.add_parser("serve", help="run the local colorize service (for the Krita plugin)",
                       description="Serve POST /v1/colorize and GET /v1/health over HTTP with one "
                                   "loaded model. Loopback only unless --allow-remote; every "
                                   "request needs 'Authorization: Bearer <token>' from the token "
                                   "file. Stop with Ctrl+C or SIGTERM.")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=7860, help="port (default 7860; 0 picks a free one)")
    s.add_argument("--token-file", metavar="PATH",
                   help="bearer token file, created (mode 0600) when absent "
                        "(default: ~/.config/ganime/service-token)")
    s.add_argument("--allow-remote", action="store_true",
                   help="allow a --host other than loopback (the token is then the only guard)")
    s.add_argument("--max-queue", type=int, default=16, metavar="N",
                   help="requests that may wait; more get 503 (default 16)")
    s.add_argument("--max-body-mb", type=int, default=200, metavar="MB",
                   help="largest request body (default 200 MB; larger gets 413)")
    s.add_argument("--log-format", choices=("json", "text"), default="json",
                   help="log lines on stderr (default: one JSON object per line)")
    _model_args(s)


def _serve(args: argparse.Namespace) -> int:
    from .service.server import ServeOptions, check_host, serve, setup_logging

    if not 0 <= args.port <= 65535:
        raise GanimeError(f"--port must be 0..65535, got {args.port}")
    if args.max_queue < 1 or args.max_body_mb < 1:
        raise GanimeError("--max-queue and --max-body-mb must be at least 1")
    check_host(args.host, args.allow_remote)  # before the model loads: fail fast
    setup_logging(args.log_format, args.verbose)
    opts = ServeOptions(host=args.host, port=args.port,
                        token_file=Path(args.token_file) if args.token_file else None,
                        allow_remote=args.allow_remote, max_queue=args.max_queue,
                        max_body=args.max_body_mb * 1024 * 1024)
    from .api import Colorizer

    colorizer = Colorizer.load(args.weights, device=args.device)
    return serve(colorizer, opts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    if args.command in (None, "app"):
        return _run_app(getattr(args, "file", None))
    try:
        if args.command == "info":
            return _info(args)
        if args.command == "serve":
            return _serve(args)
        return _colorize(args)
    except GanimeError as exc:
        print(f"ganime: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ganime: interrupted", file=sys.stderr)
        return 130


def _run_app(file: str | None = None) -> int:
    try:
        from ganime_desktop.app import main as app_main
    except ImportError as exc:
        print(f"ganime: the desktop app cannot start ({exc}); "
              "install the GUI dependencies with `make run`", file=sys.stderr)
        return 2
    return int(app_main([file] if file else []) or 0)


def _info(args: argparse.Namespace) -> int:
    import torch

    from .api import bf16_fast_on_cpu
    from .devices import resolve_device

    print(f"GANime {__version__}")
    print(f"torch {torch.__version__}; device: {resolve_device(args.device)} "
          f"(CUDA {'yes' if torch.cuda.is_available() else 'no'}, "
          f"CPU bf16 {'yes' if bf16_fast_on_cpu() else 'no'}, threads {torch.get_num_threads()})")
    from .weights import load_weights

    _, info = load_weights(args.weights)
    print(info.summary())
    if info.model_card:
        print("\n" + info.model_card.strip())
    return 0


def iter_inputs(inputs: Sequence[str]) -> Iterator[Path]:
    """Files as given; folders expanded to their images (sorted, not recursive)."""
    from .imageio import is_image_path

    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.is_file() and is_image_path(p))
        else:
            yield path


def _colorize(args: argparse.Namespace) -> int:
    from .batch import BatchJob

    job = BatchJob(output=Path(args.output), hints=args.hints, size=args.size, lines=args.lines,
                   overwrite=args.overwrite, mode=args.mode,
                   layers=Path(args.layers) if args.layers else None,
                   palette=args.palette, reference=args.reference)
    inputs = list(iter_inputs(args.inputs))
    if not inputs:
        print("ganime: error: no input images found", file=sys.stderr)
        return 2
    job.check(inputs)
    from .api import Colorizer

    colorizer = Colorizer.load(args.weights, device=args.device)
    failures = job.run(colorizer, inputs)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
