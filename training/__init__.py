"""GANime training: datasets, line extraction, hint simulation, losses, trainer, evaluation, export.

Run ``python -m training.train --help``, ``python -m training.evaluate --help`` and
``python -m training.export --help``.
"""
