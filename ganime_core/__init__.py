"""GANime core: Qt-free inference, image I/O, hints, regions and the CLI.

Importing this package is cheap: torch is imported lazily by the modules that need it
(``models``, ``weights``, ``api``), so image I/O and hints work without loading torch.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
