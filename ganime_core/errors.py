"""The error hierarchy of GANime. Every error carries a plain message for the user."""

from __future__ import annotations


class GanimeError(Exception):
    """Base class: anything GANime raises on purpose. ``str(err)`` is user-facing."""


class BadImageError(GanimeError):
    """An image file is missing, unreadable, corrupt, too large or of an unusable kind."""


class ImageTooLargeError(BadImageError):
    """An image exceeds the decompression-bomb guard."""


class BadHintsError(GanimeError):
    """A hint file (stroke JSON or RGBA hint PNG) is invalid."""


class BadBarriersError(BadHintsError):
    """Barrier data (a file or a project entry) is invalid; the message names its source."""


class WeightsError(GanimeError):
    """A weights file is missing, corrupt, tampered with or does not match the model."""


class NoDefaultModelError(WeightsError):
    """No default model is installed in ``ganime_core/resources/models``."""


class DeviceError(GanimeError):
    """A requested compute device is not available."""


class ExportError(GanimeError):
    """Nothing to export, an unknown export format, or the export could not be written."""


class ColourFamilyError(GanimeError):
    """A colour-family file (the colour suggestions, ``ganime_core.suggest``) is missing or invalid;
    the message names the file."""
