"""Torch-free facts about model files: where the default lives and what a file's metadata says.

The GUI thread uses this to describe a model without importing torch; ``weights.py`` builds on
it to load one.
"""

from __future__ import annotations

from pathlib import Path

from .errors import WeightsError

FORMAT = "ganime-weights"
FORMAT_VERSION = 1
RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "models"
DEFAULT_WEIGHTS = RESOURCES / "default.safetensors"


def read_metadata(path: str | Path) -> dict[str, str]:
    """The metadata of a GANime ``.safetensors`` file; :class:`WeightsError` for anything else."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
    except Exception as exc:  # safetensors raises several unrelated types for bad files
        raise WeightsError(f"{path.name}: not a valid .safetensors file ({str(exc)[:160]})") from None
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise WeightsError(f"{path.name}: the file's metadata is not text")
    if meta.get("format") != FORMAT:
        raise WeightsError(f"{path.name}: not a GANime model (no '{FORMAT}' metadata); "
                           "export checkpoints with `python -m training.export`")
    try:
        version = int(meta.get("format_version", "0"))
    except (TypeError, ValueError):
        version = 0
    if not 1 <= version <= FORMAT_VERSION:
        raise WeightsError(f"{path.name}: weights format version {meta.get('format_version', '')[:20]!r} "
                           f"is not supported by this GANime (supports 1..{FORMAT_VERSION})")
    return meta
