"""Parts: which closed regions of the line art belong together (the hair, both sleeves).

- ``features``: what the part model sees of each region and each pair of regions;
- ``model``: the part model (a small MLP run in numpy), its file;
- ``spread``: the part graph of a picture and a hint's claim carried over its part.
"""
