"""One segmentation per picture, size and gap, shared by everything that asks.

The API segments the working-size line art (dense hints, the post-processing steps) and the
full-size one (flats, locked); the app's fill tool asks for the full-size one again on its own
thread. :data:`SHARED` keeps the few most recent segmentations, keyed by the content of the line
art the segmentation saw (barriers burnt in) and the gap, so each is cut once. A second thread
asking for a segmentation that is being cut waits for it instead of cutting it again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

from .segment import RegionConfig, Regions, segment

#: The working size, the full size and a preview size of the current picture, and one more.
DEFAULT_ENTRIES = 4


def content_key(*arrays: np.ndarray | None) -> str:
    """A content hash of some arrays (shapes included) for the caches: SHA-1, hardware-fast."""
    hsh = hashlib.sha1(usedforsecurity=False)
    for arr in arrays:
        if arr is not None:
            hsh.update(repr(arr.shape).encode())
            hsh.update(np.ascontiguousarray(arr).data)
    return hsh.hexdigest()


class SegmentationCache:
    """A thread-safe store of the most recent segmentations, keyed by (key, gap)."""

    def __init__(self, entries: int = DEFAULT_ENTRIES) -> None:
        self.entries = max(1, int(entries))
        self._done: OrderedDict[tuple[str, int], Regions] = OrderedDict()
        self._busy: dict[tuple[str, int], threading.Event] = {}
        self._lock = threading.Lock()
        self.segmented = 0  # how many segmentations were cut (for tests and the bench)

    def regions(self, lines: np.ndarray, gap: int, key: str | None = None) -> Regions:
        """The regions of ``lines`` (float HxW, barriers burnt in) at gap-closing size ``gap``.

        ``key`` identifies ``lines`` (default: a hash of them); equal keys must mean equal lines.
        """
        slot = (content_key(lines) if key is None else key, int(gap))
        while True:
            with self._lock:
                if slot in self._done:
                    self._done.move_to_end(slot)
                    return self._done[slot]
                event = self._busy.get(slot)
                if event is None:
                    event = self._busy[slot] = threading.Event()
                    break
            event.wait()  # another thread is cutting it; then look again
        try:
            found = segment(lines, RegionConfig(gap_close=int(gap)))
            with self._lock:
                self._done[slot] = found
                self.segmented += 1
                while len(self._done) > self.entries:
                    self._done.popitem(last=False)
            return found
        finally:
            with self._lock:
                self._busy.pop(slot, None)
            event.set()

    def clear(self) -> None:
        with self._lock:
            self._done.clear()


#: The one cache of this process: the API and the app's fill tool share it.
SHARED = SegmentationCache()
