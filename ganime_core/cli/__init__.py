"""The ``ganime`` command line (``commands``) and its batch runner (``batch``)."""

from .commands import main

__all__ = ["main"]
