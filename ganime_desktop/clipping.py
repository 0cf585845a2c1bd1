"""Strokes kept to the picture: a stroke's centre line clipped to the picture's rectangle. Qt-free.

A press outside the picture (on the grey around it) paints nothing; a stroke that leaves the
picture keeps only its pieces inside (a stroke that leaves and comes back becomes two pieces,
one undo step). The picture is the half-open rectangle ``0 <= x < width, 0 <= y < height`` of
image coordinates, the same test the canvas and the eyedropper use.
"""

from __future__ import annotations

Point = tuple[float, float]
EDGE = 0.01  # the far edge is open: clipped points stay inside it (also once rounded to 0.01)


def inside(x: float, y: float, width: int, height: int) -> bool:
    return 0 <= x < width and 0 <= y < height


def clip_segment(p0: Point, p1: Point, width: int, height: int
                 ) -> tuple[float, float] | None:
    """Liang-Barsky: the parameters ``(t0, t1)`` of the part of p0->p1 inside the picture,
    or None when none of it is."""
    x_max, y_max = width - EDGE, height - EDGE
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, p0[0]), (dx, x_max - p0[0]), (-dy, p0[1]), (dy, y_max - p0[1])):
        if p == 0:
            if q < 0:
                return None  # parallel to this edge and outside it
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return t0, t1


def _at(p0: Point, p1: Point, t: float) -> Point:
    return p0[0] + (p1[0] - p0[0]) * t, p0[1] + (p1[1] - p0[1]) * t


def clip_polyline(points: list[Point], pressures: list[float], width: int, height: int
                  ) -> list[tuple[list[Point], list[float]]]:
    """The pieces of a stroke inside the picture, each ``(points, pressures)``; pressures are
    interpolated where a piece starts or ends on the picture's edge. [] when none is inside."""
    if not points:
        return []
    if len(pressures) != len(points):
        pressures = [1.0] * len(points)
    if len(points) == 1:
        x, y = points[0]
        return [([points[0]], [pressures[0]])] if inside(x, y, width, height) else []
    pieces: list[tuple[list[Point], list[float]]] = []
    cur: list[Point] = []
    cur_p: list[float] = []
    for i in range(len(points) - 1):
        p0, p1 = points[i], points[i + 1]
        a, b = pressures[i], pressures[i + 1]
        span = clip_segment(p0, p1, width, height)
        if span is None:
            if cur:
                pieces.append((cur, cur_p))
                cur, cur_p = [], []
            continue
        t0, t1 = span
        start, end = _at(p0, p1, t0), _at(p0, p1, t1)
        if not cur or t0 > 0:  # a new piece: the stroke (re-)enters here
            if cur:
                pieces.append((cur, cur_p))
            cur, cur_p = [start], [a + (b - a) * t0]
        cur.append(end)
        cur_p.append(a + (b - a) * t1)
        if t1 < 1:  # it leaves the picture on this segment
            pieces.append((cur, cur_p))
            cur, cur_p = [], []
    if cur:
        pieces.append((cur, cur_p))
    return [_dedupe(pts, prs) for pts, prs in pieces]


def _dedupe(points: list[Point], pressures: list[float]) -> tuple[list[Point], list[float]]:
    """Drop repeated points (a segment that only touches the edge adds its end twice)."""
    out, out_p = [points[0]], [pressures[0]]
    for pt, pr in zip(points[1:], pressures[1:], strict=True):
        if pt != out[-1]:
            out.append(pt)
            out_p.append(pr)
    return out, out_p
