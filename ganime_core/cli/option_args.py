"""The colorize options as command-line flags, made from ``ganime_core.options.SPECS``.

The flags' choices and ranges come from the option specs, so the CLI offers and checks exactly
what the API accepts; :func:`options_from_args` turns the parsed flags into one
:class:`~ganime_core.options.ColorizeOptions` (a flag not given keeps the default).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Final

from ganime_core.options import SPEC_BY_NAME, ColorizeOptions, OptionsError, Spec

#: option -> (flag, metavar, help); options not listed here are for the API only.
FLAGS: Final = {
    "working_size": ("--size", "N", "working size: the long side the model sees, {minimum}..{maximum} px "
                                    "(default: the model's, 512)"),
    "lines": ("--lines", None, "lay the original lines over the colour (default) or not"),
    "mode": ("--mode", None, "plain: the network's colours; flats: one clean colour per closed region "
                             "of the line art; locked: flats with the network's shading (hints fill "
                             "their whole region and never leak past a line); default {default}"),
    "spread": ("--spread", None, "part: a hint colours its whole part (all of the hair, both sleeves); "
                                 "region: only the closed regions it touches; default {default}"),
    "gap": ("--gap", "PX", "close gaps in the line art up to PX pixels ({minimum}..{maximum}) when cutting "
                           "it into regions (flats/locked modes and dense hints; default {default})"),
}


def _parse(spec: Spec) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return spec.check(text)
        except OptionsError as exc:
            raise argparse.ArgumentTypeError(exc.reason) from None

    parse.__name__ = spec.name  # argparse names the type in its messages
    return parse


def add_option_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--size``, ``--lines``, ``--mode``, ``--spread`` and ``--gap`` to a sub-command's parser."""
    for name, (flag, metavar, text) in FLAGS.items():
        spec = SPEC_BY_NAME[name]
        kwargs: dict[str, Any] = {"default": None, "help": text.format(**spec.schema())}
        if spec.kind == "choice":
            kwargs["choices"] = spec.choices
        else:
            kwargs.update(type=_parse(spec), metavar=metavar)
        parser.add_argument(flag, **kwargs)


def options_from_args(args: argparse.Namespace, **more: Any) -> ColorizeOptions:
    """The :class:`ColorizeOptions` of parsed flags (``more``: options set by other flags)."""
    values = {name: getattr(args, flag.lstrip("-").replace("-", "_")) for name, (flag, _, _) in FLAGS.items()}
    return ColorizeOptions.from_mapping({**values, **more})
