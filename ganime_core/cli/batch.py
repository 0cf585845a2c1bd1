"""Batch colorization for the CLI: inputs -> OUTDIR/<stem>.png, one line per failure."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ganime_core.errors import GanimeError
from ganime_core.io.imageio import is_image_path, load_image, readable_kinds_text, save_png
from ganime_core.options import ColorizeOptions

log = logging.getLogger(__name__)


def skipped_text(n: int) -> str:
    """``"2 files skipped (not PNG, JPEG, ...)"``: the folder entries that are no picture."""
    return (f"{n} file{'s' if n != 1 else ''} skipped "
            f"(not a picture kind GANime reads: {readable_kinds_text()})")


def glob_escape(text: str) -> str:
    """``text`` with glob wildcards escaped."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


@dataclass
class BatchJob:
    """One ``ganime colorize`` run: every input colorized with the same ``options``."""

    output: Path
    options: ColorizeOptions = field(default_factory=ColorizeOptions)
    hints: str | None = None
    overwrite: bool = False
    layers: Path | None = None  # also write the layers into this folder (``options.layers``)
    palette: str | None = None
    reference: str | None = None
    barriers: np.ndarray | Path | None = None  # invisible lines for the segmentation (one input)
    variants: int = 0  # write <stem>-v1.png ... -vN.png, one per colour family (``suggest``)
    guide_palette: np.ndarray | None = field(default=None, init=False, repr=False)
    family_palettes: list[np.ndarray] = field(default_factory=list, init=False, repr=False)

    def check(self, inputs: list[Path]) -> None:
        """Usage errors (raised before any work): hints form, colliding names, outputs = inputs."""
        if self.hints and not Path(self.hints).exists():
            raise GanimeError(f"--hints {self.hints}: not found")
        if self.hints and Path(self.hints).is_file() and len(inputs) > 1:
            raise GanimeError("--hints FILE applies to a single input; for several inputs pass "
                              "a folder of <stem>.png / <stem>.json hint files")
        if self.palette:
            from ganime_core.inputs.palettes import palette_from_gpl

            self.guide_palette = palette_from_gpl(self.palette)  # a bad palette is a usage error
        if self.variants:
            self._check_variants()
        if self.reference and not Path(self.reference).exists():
            raise GanimeError(f"--reference {self.reference}: not found")
        if self.output.exists() and not self.output.is_dir():
            raise GanimeError(f"-o {self.output}: exists and is not a folder")
        stems: dict[str, Path] = {}
        for p in inputs:
            if p.stem in stems and stems[p.stem] != p:
                raise GanimeError(f"two inputs would both write {p.stem}.png: {stems[p.stem]} and {p}")
            stems[p.stem] = p

    def _check_variants(self) -> None:
        from ganime_core.suggest import colour_families

        families = colour_families()  # a broken family file is a usage error
        if not 1 <= self.variants <= len(families):
            raise GanimeError(f"--variants must be 1..{len(families)} (the bundled colour families), "
                              f"got {self.variants}")
        if self.palette or self.reference:
            raise GanimeError("--variants colours each picture with the colour families; it does "
                              "not combine with --palette or --reference")
        self.family_palettes = [f.palette() for f in families[: self.variants]]

    def outputs(self, src: Path) -> list[Path]:
        """The files one input writes: ``<stem>.png``, or ``<stem>-v1.png`` ... with variants."""
        if not self.variants:
            return [self.output / f"{src.stem}.png"]
        return [self.output / f"{src.stem}-v{i}.png" for i in range(1, self.variants + 1)]

    def hints_for(self, src: Path) -> Path | None:
        if not self.hints:
            return None
        h = Path(self.hints)
        if h.is_file():
            return h
        for suffix in (".json", ".png"):
            if (h / f"{src.stem}{suffix}").is_file():
                return h / f"{src.stem}{suffix}"
        return None

    def reference_for(self, src: Path) -> Path | None:
        """The reference picture for one input: the file given, or ``<stem>.*`` in the folder."""
        if not self.reference:
            return None
        ref = Path(self.reference)
        if ref.is_file():
            return ref
        found = sorted(p for p in ref.glob(f"{glob_escape(src.stem)}.*") if p.is_file() and is_image_path(p))
        return found[0] if found else None

    def run(self, colorizer, inputs: list[Path], skipped: int = 0) -> int:
        """Colorize each input; return the number that failed. ``skipped``: folder entries left
        out as no readable picture, counted in the summary line."""
        failures = 0
        bar = tqdm(inputs, unit="img", desc="colorize", disable=None, file=sys.stderr)
        for src in bar:
            reason = self._one(colorizer, src)
            if reason:
                failures += 1
                tqdm.write(f"{src}: {reason}", file=sys.stderr)
        done = len(inputs) - failures
        summary = f"{done} of {len(inputs)} colorized into {self.output}"
        if skipped:
            summary += f"; {skipped_text(skipped)}"
        tqdm.write(summary, file=sys.stderr)
        return failures

    def _one(self, colorizer, src: Path) -> str | None:
        outs = self.outputs(src)
        try:
            if any(out.exists() and out.resolve() == src.resolve() for out in outs):
                return "skipped: output would overwrite the input"
            if not self.overwrite and (there := next((o for o in outs if o.exists()), None)):
                return f"skipped: {there} exists (use --overwrite)"
            if not is_image_path(src) and src.exists():
                return f"skipped: not a picture kind GANime reads ({readable_kinds_text()})"
            reference = self.reference_for(src)
            try:
                guides = [dict(palette=self.guide_palette,
                               reference=None if reference is None else load_image(reference))]
            except GanimeError as exc:
                return f"reference {reference}: {exc}"
            if self.variants:
                guides = [dict(palette=pal, reference=None) for pal in self.family_palettes]
            image = load_image(src) if len(outs) > 1 else src  # read once for all the variants
            for out, guide in zip(outs, guides, strict=True):
                result = colorizer.colorize(image, self.hints_for(src), self.options,
                                            barriers=self.barriers, **guide)
                save_png(out, result.image)
                if self.layers is not None and result.layers is not None:
                    self._write_layers(self.layers / out.stem, result)
        except GanimeError as exc:
            return str(exc)
        except MemoryError:
            return "out of memory"
        except Exception as exc:  # one bad input must never stop the batch
            log.debug("unexpected failure on %s", src, exc_info=True)
            return f"failed: {type(exc).__name__}: {exc}"
        return None

    @staticmethod
    def _write_layers(folder: Path, result) -> None:
        """The app's layer stack (``ganime_core.io.layer_files``), one PNG a layer, plus the composite."""
        from ganime_core.io.layer_files import result_stack, write_layer_folder

        write_layer_folder(folder, result_stack(result), result.image)
