"""The fill tool's hover highlight: which region the pointer asks for, and its picture.

The canvas asks for the region under the pointer (cheap: a key); the region worker draws its
picture off the GUI thread and hands it back with the same key. The picture is shown only
while the key still matches what the pointer asks for, so a late picture never flashes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

#: (x, y, fill colour) -> the key of the region the fill would take there (None: nothing to show)
HoverFn = Callable[[int, int, tuple[int, int, int]], tuple | None]


class FillHighlight:
    def __init__(self) -> None:
        self.want: tuple | None = None  # the region key under the pointer
        self.key: tuple | None = None  # the key of the last picture drawn
        self.image = QImage()
        self.pos = QPointF()

    def ask(self, hover: HoverFn, x: int, y: int, colour: tuple[int, int, int]) -> None:
        """Ask for the region at image point (x, y); a failure shows nothing, never raises."""
        want = None
        try:
            want = hover(x, y, colour)
        except Exception:  # highlighting is a nicety: never let it break painting
            log.exception("region highlight failed")
        self.want = want

    def arrived(self, key: tuple, image: QImage, x: int, y: int) -> bool:
        """A picture (RGBA, its box at x, y) was drawn; True when it is the one asked for."""
        self.key, self.image, self.pos = key, image, QPointF(x, y)
        return key == self.want

    def forget(self) -> None:
        """The region under the pointer may have changed: ask again on the next move."""
        self.want = None

    @property
    def ready(self) -> bool:
        return self.want is not None and self.want == self.key and not self.image.isNull()
