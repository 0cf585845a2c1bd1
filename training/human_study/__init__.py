"""A blind real-vs-generated study (the pix2pix perceptual study protocol) run on this machine.

``python -m training.human_study serve --real DIR --fake DIR [--fake DIR2 ...]`` serves a page
on 127.0.0.1 (a random token in its URL) that shows one picture at a time for a second and
asks "real or generated?", or two side by side ("which is real?"); answers go to SQLite.
``python -m training.human_study report --db FILE`` prints the fool rate per method with 95 %
Wilson intervals and draws a bar plot. See ``docs/human_study.md``.

``pictures``: the folders' images, served by key only; ``plan``: each participant's trials;
``store``: the SQLite file; ``server``: the aiohttp server; ``page``: the page itself;
``report``: rates, intervals, plot.
"""
