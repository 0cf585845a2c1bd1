"""GANime desktop: the PySide6 painting app. Never imports torch; inference runs in ``workers``."""

from ganime_core import __version__

__all__ = ["__version__"]
