"""``ganime serve``: a local HTTP service around one loaded Colorizer (for the Krita plugin).

- :mod:`.app`: the aiohttp routes, request parsing, errors, the token guard;
- :mod:`.jobs`: the queue (one colorize at a time, bounded, newest-wins per client);
- :mod:`.layers`: a result as editor layers and OpenRaster bytes (Qt-free, reusable);
- :mod:`.token`: the bearer token file (0600, made on first start);
- :mod:`.server`: ``serve()`` for the CLI and ``ServiceThread`` for tests and benchmarks.

Importing this package does not import aiohttp or torch; the submodules do.
"""
