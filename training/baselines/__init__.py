"""The paper's baselines and the study's method list.

``nst``: neural style transfer (Gatys); ``cyclegan``: unpaired CycleGAN; ``variants``: every
method the study trains (the pix2pix ones are ``training.trainer.Trainer`` configurations);
``report``: the contact sheet and ``docs/results.md``. Run the study with
``python -m training.study --help``.
"""
