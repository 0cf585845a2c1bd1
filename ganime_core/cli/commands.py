"""The ``ganime`` command: no arguments (or a file) opens the app; ``colorize`` and ``info`` for pipelines.

Exit codes: 0 all succeeded, 1 some input failed, 2 usage error (bad flags, no model, ...).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ganime_core import __version__
from ganime_core.constants import (
    DEVICES,
    MEMORY_FORMATS,
    PRECISIONS,
)
from ganime_core.errors import GanimeError
from ganime_core.io.jsonsafe import is_number

from . import krita_plugin
from .option_args import add_option_args, options_from_args

if TYPE_CHECKING:
    from ganime_core.api import Colorizer

log = logging.getLogger("ganime")

EPILOG = """examples:
  ganime                                  open the desktop app
  ganime sketch.png                       open a picture (or a .ganime project) in the app
  ganime colorize sketch.png -o out/      colorize one sketch with the bundled model
  ganime colorize sketches/ -o out/ --hints hints/ --size 768
  ganime colorize page.png -o out/ --hints page.png.hints.png --mode locked --layers out/layers
  ganime colorize sketches/ -o out/ --reference refs/      colours from refs/<stem>.* per sketch
  ganime colorize sketch.png -o out/ --palette hero.gpl   colours from a GIMP palette
  ganime colorize page.png -o out/ --mode locked --gap 12   close line gaps up to 12 px
  ganime colorize page.png -o out/ --mode flats --barriers page.barriers.json
  ganime colorize sketches/ -o out/ --precision fp32 --memory-format contiguous
  ganime info --weights my_model.safetensors      a short summary; --json for all metadata
  ganime colorize sketch.png -o out/ --variants 4   sketch-v1.png ... -v4.png in 4 colour families
  ganime serve                            the local service for the Krita plugin (127.0.0.1:7860)
  ganime krita-plugin --install           put the Krita plugin into Krita's resource folder
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
    add_option_args(c)
    c.add_argument("--layers", metavar="DIR",
                   help="also write DIR/<stem>/lines.png, flats.png, shading.png (overlay: 128 "
                        "is neutral), composite.png for compositing in Krita/GIMP/Photoshop")
    c.add_argument("--barriers", metavar="FILE",
                   help="invisible lines only the region cutting sees (they stop a fill or a hint "
                        "at a gap; never drawn): a barrier JSON saved by the app, or a PNG whose "
                        "opaque dark pixels are barriers; for a single input")
    c.add_argument("--palette", metavar="FILE.gpl",
                   help="a GIMP palette whose colours (the first 8) the network places on the figure")
    c.add_argument("--reference", metavar="IMAGE_OR_DIR",
                   help="a picture whose colours the network uses: one for all inputs, or a folder "
                        "with <stem>.* per input (inputs without one get none)")
    c.add_argument("--variants", type=int, default=0, metavar="N",
                   help="instead of one picture, write OUTDIR/<stem>-v1.png ... -vN.png at full "
                        "size, the i-th coloured with the i-th bundled colour family (the app's "
                        "colour suggestions: distinct palettes from the training pictures); "
                        "not with --palette or --reference")
    c.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    _speed_args(c)

    i = sub.add_parser("info", help="show version, device and a short model summary",
                       description="A few readable lines: version, device, the model, its training "
                                   "and its scores. --json prints everything, model card included.")
    _model_args(i)
    i.add_argument("--json", action="store_true",
                   help="print the full metadata (training provenance, metrics, model card) as JSON")

    _serve_args(sub)
    krita_plugin.add_parser(sub)

    a = sub.add_parser("app", help="open the desktop app (same as no command)")
    a.add_argument("file", nargs="?", help="a sketch or .ganime project to open")
    return p


COMMANDS = ("colorize", "info", "serve", "krita-plugin", "app")
PROJECT_SUFFIX = ".ganime"


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", metavar="FILE", help="a .safetensors model (default: bundled)")
    p.add_argument("--device", choices=DEVICES, default="auto",
                   help="compute device (auto: CUDA, else MPS, else CPU)")


def _speed_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="arithmetic of the network on the CPU (auto: measured once per CPU and "
                        "cached; fp32 or bf16 to choose)")
    p.add_argument("--memory-format", choices=MEMORY_FORMATS, default="auto",
                   help="tensor layout of the network (auto: measured once per CPU and cached)")


def load_colorizer(args: argparse.Namespace) -> Colorizer:
    """The model ``args`` name, on their device, precision and memory format."""
    from ganime_core.api import Colorizer

    return Colorizer.load(args.weights, device=args.device, precision=args.precision,
                          memory_format=args.memory_format)


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
    _speed_args(s)


def _serve(args: argparse.Namespace) -> int:
    from ganime_core.service.server import ServeOptions, check_host, serve, setup_logging

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
    return serve(load_colorizer(args), opts)


def _file_as_app(argv: list[str]) -> list[str]:
    """``ganime FILE`` is ``ganime app FILE``: a first argument that is no command but a file."""
    first = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if first is None or argv[first] in COMMANDS or any(a in ("-h", "--help", "--version") for a in argv):
        return argv
    from ganime_core.io.imageio import is_image_path

    path = Path(argv[first])
    if path.is_file() or path.suffix.lower() == PROJECT_SUFFIX or is_image_path(path):
        return [*argv[:first], "app", *argv[first:]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_file_as_app(list(sys.argv[1:] if argv is None else argv)))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    if args.command in (None, "app"):
        file = getattr(args, "file", None)
        if file and not Path(file).is_file():
            print(f"ganime: error: {file}: file not found", file=sys.stderr)
            return 2
        return _run_app(file)
    try:
        if args.command == "info":
            return _info(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "krita-plugin":
            return krita_plugin.run(args)
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

    from ganime_core.runtime.calibration import cpu_name
    from ganime_core.runtime.devices import resolve_device
    from ganime_core.runtime.weights import load_weights

    device = str(resolve_device(args.device))
    _, info = load_weights(args.weights)
    if args.json:
        doc = {"ganime": __version__, "torch": torch.__version__, "device": device,
               "cpu": cpu_name(), "cuda": torch.cuda.is_available(), "model": info_dict(info)}
        print(json.dumps(doc, indent=1, default=str))
        return 0
    print(f"GANime {__version__}; torch {torch.__version__}; device {device} "
          f"(CUDA {'yes' if torch.cuda.is_available() else 'no'}, CPU {cpu_name()}, "
          f"threads {torch.get_num_threads()})")
    print(info_summary(info))
    print("(the model card and all metadata: ganime info --json)")
    return 0


def info_dict(info) -> dict:
    """Everything a model file says about itself, for ``ganime info --json``."""
    return {"file": info.path, "sha256": info.sha256, "arch": info.arch,
            "config": dataclasses.asdict(info.config), "parameters": info.n_params,
            "working_size": info.working_size, "inputs": list(info.inputs),
            "created": info.created, "training": info.training, "metrics": info.metrics,
            "model_card": info.model_card}


def _num(value: object) -> float | None:
    return float(value) if is_number(value) else None  # type: ignore[arg-type]


def info_summary(info) -> str:
    """A model in a few readable lines: what it is, how it was trained, how it scores."""
    cfg = dataclasses.asdict(info.config)
    shape = ", ".join(f"{k.replace('_', ' ')} {cfg[k]}" for k in ("base_width", "depth", "n_blocks")
                      if k in cfg)
    rows = [f"model: {info.arch} ({shape}), {info.n_params / 1e6:.2f} M parameters, "
            f"{len(info.inputs)} inputs, working size {info.working_size} px",
            f"file: {info.path}" + (f" (sha256 {info.sha256[:12]}…)" if info.sha256 else "")]
    t = info.training if isinstance(info.training, dict) else {}
    facts = []
    if (steps := _num(t.get("steps"))) is not None:
        facts.append(f"{steps:,.0f} steps")
    if (seen := _num(t.get("images_seen"))) is not None:
        facts.append(f"{seen:,.0f} images seen")
    if (epochs := _num(t.get("epochs"))) is not None:
        facts.append(f"{epochs:.1f} epochs")
    if (secs := _num(t.get("train_seconds"))) is not None:
        facts.append(f"{secs / 3600:.1f} h of training")
    if facts:
        rows.append("training: " + ", ".join(facts))
    scores = _scores(info.metrics if isinstance(info.metrics, dict) else {})
    if scores:
        rows.append("scores: " + scores)
    return "\n".join(rows)


def _scores(metrics: dict) -> str:
    methods = metrics.get("methods")
    if not isinstance(methods, dict):
        return ""
    names = {"model": "model", "sketch": "bare sketch", "mean_color": "mean-colour fill"}
    parts = []
    for name, m in sorted(methods.items(), key=lambda kv: kv[0] != "model"):
        if not isinstance(m, dict):
            continue
        vals = [f"{key} {v:.4g}" for key, label in (("FID", "fid"), ("SSIM", "ssim"))
                if (v := _num(m.get(label))) is not None]
        if vals:
            parts.append(f"{names.get(name, str(name)[:40])} " + " / ".join(vals))
    model = methods.get("model")
    if not isinstance(model, dict):
        model = {}
    with_h, without = _num(model.get("hint_de_with")), _num(model.get("hint_de_without"))
    text = "; ".join(parts)
    if with_h is not None and without is not None:
        text += f"; hint colour error ΔE2000 {with_h:.1f} with hints, {without:.1f} without"
    n = _num(metrics.get("n_images"))
    return text + (f" ({n:.0f} validation images)" if n is not None and text else "")


def collect_inputs(inputs: Sequence[str]) -> tuple[list[Path], list[Path]]:
    """(pictures to colorize, files skipped): files as given, folders expanded (sorted, not
    recursive). Both go by :data:`ganime_core.io.imageio.READABLE_KINDS`; a file of another kind
    named on its own is kept, so it fails with a one-line reason."""
    from ganime_core.io.imageio import is_image_path

    found: list[Path] = []
    skipped: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for p in sorted(q for q in path.iterdir() if q.is_file()):
                (found if is_image_path(p) else skipped).append(p)
        else:
            found.append(path)
    return found, skipped


def _colorize(args: argparse.Namespace) -> int:
    from .batch import BatchJob, skipped_text

    job = BatchJob(output=Path(args.output), options=options_from_args(args, layers=bool(args.layers)),
                   hints=args.hints, overwrite=args.overwrite,
                   layers=Path(args.layers) if args.layers else None,
                   palette=args.palette, reference=args.reference, variants=args.variants)
    inputs, skipped = collect_inputs(args.inputs)
    if not inputs:
        extra = f" ({skipped_text(len(skipped))})" if skipped else ""
        print(f"ganime: error: no input images found{extra}", file=sys.stderr)
        return 2
    job.check(inputs)
    barriers = barriers_for(args.barriers, inputs)  # a usage error before the model loads
    job.barriers = barriers
    failures = job.run(load_colorizer(args), inputs, skipped=len(skipped))
    return 1 if failures else 0


def barriers_for(path: str | None, inputs: list[Path]) -> np.ndarray | Path | None:
    """``--barriers FILE`` for the one input: a barrier JSON drawn at the input's size (a bool
    mask), or a barrier PNG (its path: the API reads its opaque dark pixels)."""
    if path is None:
        return None
    file = Path(path)
    if len(inputs) != 1:
        raise GanimeError("--barriers FILE applies to a single input")
    if not file.is_file():
        raise GanimeError(f"--barriers {path}: not found")
    if file.suffix.lower() != ".json":
        return file
    from ganime_core.inputs import barriers
    from ganime_core.io.imageio import load_image

    strokes = barriers.load(file)
    width, height = load_image(inputs[0]).size
    return barriers.rasterize(strokes, width, height)


if __name__ == "__main__":
    sys.exit(main())
