"""Fixtures for the service tests (the helpers they use live in ``service_helpers``)."""

from __future__ import annotations

import pytest
from service_helpers import ROOT, Http  # noqa: F401 - ROOT re-exported for older imports


@pytest.fixture(scope="session")
def colorizer(tiny_weights):
    from ganime_core.api import Colorizer

    return Colorizer.load(tiny_weights, device="cpu")


@pytest.fixture
def start_service(tmp_path):
    """``start_service(colorizer=..., **ServeOptions fields)`` -> (ServiceThread, Http); stopped after."""
    from ganime_core.service.server import ServeOptions, ServiceThread

    started = []

    def start(colorizer, **opts):
        opts.setdefault("token_file", tmp_path / f"token-{len(started)}")
        svc = ServiceThread(colorizer, ServeOptions(port=0, **opts)).start()
        started.append(svc)
        return svc, Http(svc)

    yield start
    for svc in started:
        svc.stop()


@pytest.fixture
def service(start_service, colorizer):
    return start_service(colorizer)
