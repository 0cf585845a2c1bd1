"""``ganime serve``: a local HTTP service around one loaded Colorizer (for the Krita plugin).

- :mod:`.app`: the aiohttp routes and the parsing of their fields;
- :mod:`.guard`: the middleware: token, body size, JSON error answers, one log line a request;
- :mod:`.form`: reading a multipart body defensively (a broken one is a 400/413, not a 500);
- :mod:`.protocol`: JSON answers for requests too broken for aiohttp to parse (bad headers);
- :mod:`.jobs`: the queue (one colorize at a time, bounded, newest-wins per client);
- :mod:`.layers`: a result as editor layers and OpenRaster bytes (Qt-free, reusable);
- :mod:`.token`: the bearer token file (0600, made on first start);
- :mod:`.server`: ``serve()`` for the CLI and ``ServiceThread`` for tests and benchmarks.

Importing this package does not import aiohttp or torch; the submodules do.
"""
