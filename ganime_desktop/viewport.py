"""Zoom and pan as plain arithmetic (widget <-> image coordinates). Qt-free."""

from __future__ import annotations

from dataclasses import dataclass

MIN_ZOOM, MAX_ZOOM = 0.02, 64.0
ZOOM_STEP = 1.25


@dataclass
class Viewport:
    zoom: float = 1.0
    ox: float = 0.0  # widget position of image pixel (0, 0)
    oy: float = 0.0

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.ox) / self.zoom, (y - self.oy) / self.zoom

    def to_widget(self, x: float, y: float) -> tuple[float, float]:
        return x * self.zoom + self.ox, y * self.zoom + self.oy

    def zoom_at(self, factor: float, wx: float, wy: float) -> None:
        """Zoom by ``factor`` keeping the image point under widget point (wx, wy) still."""
        ix, iy = self.to_image(wx, wy)
        self.zoom = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        self.ox, self.oy = wx - ix * self.zoom, wy - iy * self.zoom

    def pan(self, dx: float, dy: float) -> None:
        self.ox += dx
        self.oy += dy

    def fit(self, view_w: int, view_h: int, content_w: int, content_h: int,
            margin: int = 16) -> None:
        if content_w <= 0 or content_h <= 0:
            return
        z = min((view_w - 2 * margin) / content_w, (view_h - 2 * margin) / content_h)
        self.zoom = min(MAX_ZOOM, max(MIN_ZOOM, z))
        self.center(view_w, view_h, content_w, content_h)

    def actual(self, view_w: int, view_h: int, content_w: int, content_h: int) -> None:
        self.zoom = 1.0
        self.center(view_w, view_h, content_w, content_h)

    def center(self, view_w: int, view_h: int, content_w: int, content_h: int) -> None:
        self.ox = (view_w - content_w * self.zoom) / 2
        self.oy = (view_h - content_h * self.zoom) / 2
