"""Synthetic handwriting from hanzi-writer stroke medians.

:func:`synthesize_ink` turns one character's medians (screen coordinates, as
returned by :func:`trainer.strokedata.load_medians`) into an
:class:`hanzipad.ink.Ink` that looks like fast handwriting by one synthetic
writer.  A :class:`Writer` is the writer's style vector; it is applied
consistently across the character and sampled with :meth:`Writer.sample`
(one latent "cursiveness" drives most traits, each with its own noise, so
there are neat writers and very cursive ones).

What is modelled (the measured differences between the medians and real fast
handwriting): consecutive strokes joined by light connecting pen paths (about
half of all pairs, per writer from rarely to nearly always); straighter, more
angular strokes with sharp turns (Douglas-Peucker simplification, optional
corner cutting); per-stroke affine jitter and bending; shortened or
overshooting stroke ends and dropped hooks; for fast writers slant, horizontals
rising to the right and characters taller than wide (w/h about 0.89), while neat
writers (like the real Tegaki sample) stay upright, flatten the Kai-style rise of
the medians and keep their proportions; uneven, cramped,
overlapping, irregularly placed components (the radical from ``rad_strokes``,
the rest split by spatial clustering); per-component shorthand (口 as a loop,
氵 讠 扌 亻 纟 辶 艹 宀 and similar radicals as one zig-zag pen path, runs of
dots as one wavy line); smooth low-frequency wobble; pen width and pressure.

Pen width: the writer's pen width is ``ink.meta["width_scale"]`` (equal to
``writer.pen_scale``); the trainer renders with
``hanzipad.raster.rasterize(ink, width_scale=ink.meta["width_scale"])``.

Everything is deterministic given the state of the ``numpy.random.Generator``
passed in.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from hanzipad.ink import Ink, Point

#: Version of the writer-style distribution, recorded with every strokes source (model.json):
#: 1 until 2026-11-26 (all writers leaned, rose and narrowed on top of the Kai-style medians);
#: 2 neat writers upright with the medians' proportions (same seeds give other samples).
STYLE_VERSION = 2

#: Coordinates of the output ink: the 1024 box of the stroke data (screen, y down).
BOX = 1024.0


@dataclass(frozen=True)
class Writer:
    """One synthetic writer's style (all lengths are fractions of the character's size)."""

    cursive: float = 0.5  # latent 0 (neat) .. 1 (very cursive); the other traits follow it
    slant: float = 0.08  # x shear: tops lean right by slant * height
    rise: float = 0.06  # horizontal strokes rise to the right (y shear by x)
    rotation: float = 0.0  # whole-character rotation, radians
    aspect: float = 0.88  # width scale (medians have w/h ~ 1.0; real writing ~ 0.89)
    join: float = 0.5  # probability that two consecutive strokes are joined by a pen path
    shorthand: float = 0.5  # probability that a recognised component is written in shorthand
    simplify: float = 0.02  # Douglas-Peucker tolerance: higher = straighter, more angular
    rounding: float = 0.1  # corner cutting 0..1 (0 = sharp turns)
    wobble: float = 0.008  # amplitude of the smooth low-frequency wobble
    jitter: float = 0.5  # per-stroke affine (rotation, scale, shear) magnitude
    bend: float = 0.02  # per-stroke bending amplitude
    placement: float = 0.02  # per-stroke translation
    end_mean: float = -0.03  # mean change of each stroke end (<0 shortens, >0 overshoots)
    end_var: float = 0.06  # spread of the stroke-end change
    hook_drop: float = 0.3  # probability of dropping a final hook
    cramp: float = 0.5  # component displacement / resizing / overlap
    pen_scale: float = 1.0  # width_scale for hanzipad.raster.rasterize
    pressure: float = 0.5  # base pressure
    pressure_var: float = 0.15  # pressure variation along strokes
    taper: float = 0.3  # pressure falls off towards stroke ends
    ligature_pressure: float = 0.15  # pressure of the connecting pen paths
    ligature_curve: float = 0.1  # how much a connecting path bows
    speed: float = 1.0  # pen speed, box units per ms

    @classmethod
    def sample(cls, rng: np.random.Generator, cursive: float | None = None) -> Writer:
        """A random writer: one cursiveness drives most traits, each with its own noise.

        ``cursive`` fixes the latent cursiveness (0 neat .. 1 very cursive); by default it is
        drawn from Beta(1.4, 1.4)."""
        c = float(rng.beta(1.4, 1.4)) if cursive is None else float(min(max(cursive, 0.0), 1.0))
        r = rng.standard_normal(24)

        def clip(v, lo, hi):
            return float(min(max(v, lo), hi))

        return cls(
            cursive=c,
            # the medians are Kai-style: horizontals already rise ~0.12 and the box is a little
            # wide (w/h ~1.07); neat writers (the real Tegaki sample: rise 0.03, w/h 1.08, upright)
            # flatten the rise and keep the proportions, fast ones lean, rise and narrow (w/h ~0.89)
            slant=clip(0.0 + 0.10 * c + 0.06 * r[0], -0.12, 0.35),
            rise=clip(-0.09 + 0.10 * c + 0.04 * r[1], -0.16, 0.2),
            rotation=clip(0.04 * r[2], -0.12, 0.12),
            aspect=clip(1.0 - 0.16 * c + 0.08 * r[3], 0.68, 1.15),
            join=clip(-0.1 + 1.35 * c + 0.12 * r[4], 0.0, 1.0),
            shorthand=clip(-0.2 + 1.2 * c + 0.2 * r[5], 0.0, 1.0),
            simplify=clip(0.004 + 0.03 * c + 0.006 * r[6], 0.0, 0.05),
            rounding=clip(0.15 * c + 0.15 * r[7], 0.0, 0.6),
            wobble=clip(0.005 + 0.006 * c + 0.004 * r[8], 0.0, 0.02),
            jitter=clip(0.3 + 0.6 * c + 0.2 * r[9], 0.05, 1.3),
            bend=clip(0.01 + 0.025 * c + 0.01 * r[10], 0.0, 0.06),
            placement=clip(0.01 + 0.02 * c + 0.008 * r[11], 0.0, 0.05),
            end_mean=clip(-0.02 - 0.05 * c + 0.05 * r[12], -0.2, 0.12),
            end_var=clip(0.05 + 0.05 * c + 0.02 * r[13], 0.01, 0.15),
            hook_drop=clip(0.1 + 0.6 * c + 0.2 * r[14], 0.0, 1.0),
            cramp=clip(0.25 + 0.6 * c + 0.25 * r[15], 0.0, 1.2),
            pen_scale=clip(1.0 + 0.22 * r[16], 0.6, 1.6),
            pressure=clip(0.5 + 0.15 * r[17], 0.15, 0.9),
            pressure_var=clip(0.12 + 0.06 * r[18], 0.0, 0.3),
            taper=clip(0.3 + 0.2 * r[19], 0.0, 0.8),
            ligature_pressure=clip(0.2 + 0.12 * r[20], 0.0, 0.5),
            ligature_curve=clip(0.12 + 0.08 * r[21], 0.0, 0.35),
            speed=clip(0.6 + 0.8 * c + 0.2 * r[22], 0.2, 2.5),
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Writer:
        names = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in d.items() if k in names})


# --------------------------------------------------------------------------- geometry helpers


def _length(p: np.ndarray) -> float:
    if len(p) < 2:
        return 0.0
    return float(np.hypot(*np.diff(p, axis=0).T).sum())


def _dp(p: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker simplification (medians have few points; iterative stack)."""
    n = len(p)
    if n < 3 or tol <= 0:
        return p
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg = p[b] - p[a]
        d = p[a + 1 : b] - p[a]
        norm = math.hypot(seg[0], seg[1])
        if norm < 1e-9:
            dist = np.hypot(d[:, 0], d[:, 1])
        else:
            dist = np.abs(d[:, 0] * seg[1] - d[:, 1] * seg[0]) / norm
        i = int(np.argmax(dist))
        if dist[i] > tol:
            m = a + 1 + i
            keep[m] = True
            stack.append((a, m))
            stack.append((m, b))
    return p[keep]


def _cut_corners(p: np.ndarray, r: float) -> np.ndarray:
    """Replace each interior vertex by two points a fraction ``r`` along its segments."""
    if len(p) < 3 or r <= 0:
        return p
    a, v, b = p[:-2], p[1:-1], p[2:]
    p1 = v + (a - v) * r
    p2 = v + (b - v) * r
    mid = np.empty((2 * len(v), 2))
    mid[0::2] = p1
    mid[1::2] = p2
    return np.concatenate([p[:1], mid, p[-1:]])


def _resample(p: np.ndarray, step: float, max_pts: int = 14) -> tuple[np.ndarray, np.ndarray]:
    """Insert points so no segment is longer than ``step``; keeps every vertex (sharp corners).

    Returns the points and their arc-length positions."""
    if len(p) < 2:
        return p, np.zeros(len(p))
    seg = np.hypot(*np.diff(p, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    total = s[-1]
    if total <= 0:
        return p[:1].repeat(2, axis=0), np.zeros(2)
    k = int(min(max_pts, max(2, math.ceil(total / step) + 1)))
    grid = np.linspace(0.0, total, k)
    ss = np.union1d(s, grid)
    x = np.interp(ss, s, p[:, 0])
    y = np.interp(ss, s, p[:, 1])
    return np.stack([x, y], axis=1), ss


def _change_end(p: np.ndarray, amount: float, at_start: bool) -> np.ndarray:
    """Extend (amount > 0) or shorten (amount < 0) one end by ``amount`` (absolute length)."""
    if len(p) < 2 or amount == 0:
        return p
    q = p[::-1] if at_start else p
    if amount > 0:
        d = q[-1] - q[-2]
        n = math.hypot(d[0], d[1])
        if n < 1e-9:
            return p
        q = np.concatenate([q[:-1], [q[-1] + d / n * amount]])
    else:
        cut = -amount
        seg = np.hypot(*np.diff(q, axis=0).T)
        total = seg.sum()
        if cut >= total * 0.6:
            cut = total * 0.6
        # walk back from the end
        rem = cut
        j = len(q) - 1
        while j > 0 and seg[j - 1] <= rem:
            rem -= seg[j - 1]
            j -= 1
        if j == 0:
            return p
        d = q[j] - q[j - 1]
        frac = 1.0 - rem / seg[j - 1] if seg[j - 1] > 0 else 1.0
        q = np.concatenate([q[:j], [q[j - 1] + d * frac]])
    return q[::-1] if at_start else q


def _turn(a: np.ndarray, b: np.ndarray) -> float:
    """Absolute turning angle between direction vectors a and b (radians)."""
    return abs(math.atan2(a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1]))


# --------------------------------------------------------------------------- components


def _bbox(pts: np.ndarray) -> tuple[float, float, float, float]:
    lo = pts.min(axis=0)
    hi = pts.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def _groups(strokes: list[np.ndarray], rad: list[int], size: float) -> np.ndarray:
    """Component id per stroke: the radical is group 0 (when known); the other strokes are
    split by the largest gap between stroke centres along x or y, when that gap is clear."""
    n = len(strokes)
    gid = np.zeros(n, int)
    rad_set = set(rad) if rad and len(rad) < n else set()
    rest = [i for i in range(n) if i not in rad_set]
    next_id = 1 if rad_set else 0
    for i in rest:
        gid[i] = next_id
    if len(rest) >= 4:
        cen = np.array([strokes[i].mean(axis=0) for i in rest])
        best = (0.0, None, None)
        for axis in (0, 1):
            order = np.argsort(cen[:, axis])
            gaps = np.diff(cen[order, axis])
            if len(gaps):
                j = int(np.argmax(gaps[1:-1])) + 1 if len(gaps) > 2 else int(np.argmax(gaps))
                if gaps[j] > best[0]:
                    best = (float(gaps[j]), axis, cen[order[j], axis] + gaps[j] / 2)
        gap, axis, cut = best
        if axis is not None and gap > 0.12 * size:
            for k, i in enumerate(rest):
                if cen[k, axis] > cut:
                    gid[i] = next_id + 1
    return gid


def _is_kou(s0: np.ndarray, s1: np.ndarray, s2: np.ndarray, size: float) -> bool:
    """口: left vertical, top-right 横折, bottom horizontal, in that order."""
    near = 0.2 * size
    d0 = s0[-1] - s0[0]
    if not (d0[1] > 0.06 * size and abs(d0[0]) < 0.6 * d0[1]):
        return False
    if np.hypot(*(s1[0] - s0[0])) > near:
        return False
    if not (s1[:, 0].max() - s1[0, 0] > 0.06 * size and s1[-1, 1] - s1[0, 1] > 0.3 * d0[1]):
        return False
    d2 = s2[-1] - s2[0]
    if not (d2[0] > 0.04 * size and abs(d2[1]) < 0.6 * d2[0]):
        return False
    return np.hypot(*(s2[0] - s0[-1])) < near and np.hypot(*(s2[-1] - s1[-1])) < near


def _loop(box: tuple[float, float, float, float], rng: np.random.Generator, roundness: float) -> np.ndarray:
    """口 in shorthand: one closed loop drawn from the top left, down, right, up and back."""
    x0, y0, x1, y1 = box
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    sx, sy = w / 2 * rng.uniform(0.75, 1.0), h / 2 * rng.uniform(0.75, 1.0)
    # a superellipse between a rounded square (p small) and an ellipse
    e = 0.25 + 0.75 * min(max(roundness + rng.uniform(-0.2, 0.4), 0.0), 1.0)
    k = 10
    # from the top left corner down the left side, along the bottom, up the right side and
    # back along the top (counter-clockwise on screen), closing with a small overlap
    start = 0.75 * math.pi + rng.uniform(-0.3, 0.3)
    t = start + np.linspace(0.0, 2 * math.pi * rng.uniform(1.0, 1.15), k)
    c, s = np.cos(t), np.sin(t)
    x = cx + sx * np.sign(c) * np.abs(c) ** e
    y = cy - sy * np.sign(s) * np.abs(s) ** e
    return np.stack([x, y], axis=1)


def _dot_run(parts: list[np.ndarray], rng: np.random.Generator, size: float) -> np.ndarray:
    """A run of dots (灬, 丷 …) as one wavy line through the dots' centres."""
    cen = np.array([p.mean(axis=0) for p in parts])
    out = [parts[0][0]]
    amp = 0.02 * size
    for i, c in enumerate(cen):
        out.append(c + np.array([0.0, amp * (1 if i % 2 else -1) * rng.uniform(0.3, 1.0)]))
    out.append(parts[-1][-1])
    return np.array(out)


def _zigzag(parts: list[np.ndarray], collapse: bool) -> np.ndarray:
    """Strokes of a component written as one pen path (pen stays down between them)."""
    if collapse and len(parts) >= 3:
        # e.g. 氵: the dots fall together into one line, ending in the rising tick
        return np.array([parts[0][0], parts[-1][0], parts[-1][-1]])
    return np.concatenate(parts)


def _shorthand_units(
    strokes: list[np.ndarray], rad: list[int], size: float, box, writer: Writer, rng: np.random.Generator
) -> list[tuple[list[int], np.ndarray | None, str]]:
    """Split the stroke sequence into units: ``(stroke indices, replacement path or None, kind)``.

    ``kind`` is "" for a plain stroke, else the shorthand form used ("loop", "zigzag", "dots")."""
    n = len(strokes)
    taken = np.zeros(n, bool)
    units: dict[int, tuple[list[int], np.ndarray, str]] = {}
    if writer.shorthand <= 0:
        return [([i], None, "") for i in range(n)]
    lengths = [_length(s) for s in strokes]
    # 口 anywhere, by pattern
    i = 0
    while i + 2 < n:
        if _is_kou(strokes[i], strokes[i + 1], strokes[i + 2], size):
            if rng.random() < writer.shorthand:
                pts = np.concatenate(strokes[i : i + 3])
                units[i] = ([i, i + 1, i + 2], _loop(_bbox(pts), rng, writer.rounding + writer.cursive * 0.5), "loop")
                taken[i : i + 3] = True
            i += 3
        else:
            i += 1
    # the radical, by its place and stroke count
    cx0, cy0, cx1, cy1 = box
    cw, ch = max(cx1 - cx0, 1.0), max(cy1 - cy0, 1.0)
    rad = sorted(rad) if rad and len(rad) < n else []
    if 2 <= len(rad) <= 4 and rad == list(range(rad[0], rad[0] + len(rad))) and not taken[rad].any():
        parts = [strokes[j] for j in rad]
        rx0, ry0, rx1, ry1 = _bbox(np.concatenate(parts))
        left = rx1 < cx0 + 0.5 * cw and ry1 - ry0 > 0.45 * ch
        top = ry1 < cy0 + 0.5 * ch and rx1 - rx0 > 0.45 * cw
        # 辶 廴: written last, wrapping the bottom left, ending in a long sweep to the right
        wrap = rad[-1] == n - 1 and rx1 - rx0 > 0.6 * cw and ry1 - ry0 > 0.5 * ch and (
            parts[-1][-1, 0] - parts[-1][0, 0] > 0.35 * cw
        )
        # 灬: a row of dots under the character
        bottom = ry0 > cy0 + 0.5 * ch and rx1 - rx0 > 0.45 * cw and ry1 - ry0 < 0.35 * ch
        if bottom and len(rad) >= 3 and all(lengths[j] < 0.4 * size for j in rad):
            if rng.random() < writer.shorthand:
                units[rad[0]] = (rad, _dot_run(parts, rng, size), "dots")
                taken[rad] = True
        elif (left or top or wrap) and rng.random() < writer.shorthand:
            dots = all(lengths[j] < 0.2 * size for j in rad[:-1])
            collapse = left and len(rad) == 3 and dots and rng.random() < 0.4
            if wrap:
                # the dot and the zig-zag become one small zig-zag; the sweep stays (maybe joined)
                head = _zigzag(parts[:-1], False)
                units[rad[0]] = (rad[:-1], head, "zigzag")
                taken[rad[:-1]] = True
            else:
                units[rad[0]] = (rad, _zigzag(parts, collapse), "zigzag")
                taken[rad] = True
    # runs of >= 3 short strokes in a row, laid out horizontally: a dot-run
    i = 0
    while i < n:
        j = i
        while j < n and not taken[j] and lengths[j] < 0.14 * size:
            j += 1
        if j - i >= 3:
            cen = np.array([strokes[k].mean(axis=0) for k in range(i, j)])
            span = cen.max(axis=0) - cen.min(axis=0)
            if span[0] > 1.5 * span[1] and rng.random() < writer.shorthand:
                idx = list(range(i, j))
                units[i] = (idx, _dot_run([strokes[k] for k in idx], rng, size), "dots")
                taken[i:j] = True
        i = max(j, i + 1)
    out = []
    i = 0
    while i < n:
        if i in units:
            out.append(units[i])
            i = max(units[i][0]) + 1
        elif taken[i]:
            i += 1
        else:
            out.append(([i], None, ""))
            i += 1
    return out


# --------------------------------------------------------------------------- synthesis


def synthesize_ink(
    medians,
    rng: np.random.Generator,
    writer: Writer | None = None,
    rad_strokes=None,
    spread: bool = False,
) -> Ink:
    """One handwritten sample of the character whose ``medians`` (screen coordinates) are given.

    ``writer`` None samples one from ``rng``.  ``rad_strokes`` (indices of the radical's
    strokes, from the data's ``radStrokes``) lets the radical be treated as a component.
    The ink's ``meta`` holds ``width_scale`` (pass it to ``rasterize``), ``pen_paths`` and
    ``shorthand`` (the shorthand forms used).

    ``spread`` widens component placement: besides being cramped towards the centre,
    components may also drift apart (a wide gap between a left radical and the rest) and come
    out much smaller or larger (a small, low 土 in 坊). Same random draws, so the same
    ``rng`` gives the same sample but for the component placement.
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    if writer is None:
        writer = Writer.sample(rng)
    strokes = [np.asarray(s, dtype=float).reshape(-1, 2) for s in medians if len(s)]
    if not strokes:
        return Ink([], BOX, BOX, {"width_scale": writer.pen_scale, "pen_paths": 0, "shorthand": []})
    allp = np.concatenate(strokes)
    box = _bbox(allp)
    size = max(box[2] - box[0], box[3] - box[1], 0.25 * BOX)
    centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    rad = [int(r) for r in (rad_strokes or []) if 0 <= int(r) < len(strokes)]

    units = _shorthand_units(strokes, rad, size, box, writer, rng)
    gid_stroke = _groups(strokes, rad, size)

    # component transforms: uneven sizes, cramped towards the centre (or, with ``spread``, also
    # apart), irregular placement
    ng = int(gid_stroke.max()) + 1
    if spread:
        g_scale = np.clip(1.0 + writer.cramp * 0.16 * rng.standard_normal((ng, 2)), 0.6, 1.4)
    else:
        g_scale = 1.0 + writer.cramp * 0.12 * rng.standard_normal((ng, 2))
    g_shift = writer.cramp * 0.05 * size * rng.standard_normal((ng, 2))
    g_pull = writer.cramp * rng.uniform(-0.15 if spread else 0.0, 0.25, ng)
    g_cen = np.array(
        [np.concatenate([strokes[i] for i in range(len(strokes)) if gid_stroke[i] == g]).mean(axis=0)
         if (gid_stroke == g).any() else centre for g in range(ng)]
    )

    nu = len(units)
    R = rng.standard_normal((nu, 10))
    U = rng.random((nu, 4))
    pieces: list[np.ndarray] = []
    kinds: list[str] = []
    step = 0.07 * size
    for k, (idx, repl, kind) in enumerate(units):
        p = repl if repl is not None else strokes[idx[0]]
        g = gid_stroke[idx[0]]
        if repl is None:
            p = _dp(p, writer.simplify * size)
            # drop a final hook: a short last segment with a sharp turn
            if len(p) >= 3 and U[k, 0] < writer.hook_drop:
                a, b = p[-2] - p[-3], p[-1] - p[-2]
                if math.hypot(*b) < 0.3 * _length(p) and _turn(a, b) > 1.6:
                    p = p[:-1]
            length = _length(p)
            p = _change_end(p, (writer.end_mean + writer.end_var * R[k, 0]) * max(length, 0.05 * size), True)
            p = _change_end(p, (writer.end_mean + writer.end_var * R[k, 1]) * max(length, 0.05 * size), False)
        else:
            p = _dp(p, writer.simplify * size * 1.5)
        p = _cut_corners(p, writer.rounding * 0.3)
        p, s = _resample(p, step)
        if len(p) < 2:
            p = np.concatenate([p, p + 1.0])
            s = np.array([0.0, 1.0])
        total = max(s[-1], 1e-6)
        u = s / total
        # bending: perpendicular bow along the stroke; wobble: smooth low-frequency displacement
        chord = p[-1] - p[0]
        cn = math.hypot(*chord)
        normal = np.array([-chord[1], chord[0]]) / cn if cn > 1e-6 else np.array([0.0, 0.0])
        bow = writer.bend * size * R[k, 2] * np.sin(np.pi * u)
        p = p + bow[:, None] * normal
        f = 1.0 / ((0.8 + 0.4 * U[k, 2]) * size)
        ph = U[k, 1] * 2 * math.pi
        amp = writer.wobble * size
        p = p + amp * np.stack(
            [np.sin(2 * math.pi * f * s * (1 + 0.3 * R[k, 3]) + ph), np.cos(2 * math.pi * f * s * (1 + 0.3 * R[k, 4]) + 1.7 * ph)],
            axis=1,
        )
        # per-stroke affine about the stroke's centre
        c = p.mean(axis=0)
        j = writer.jitter
        ang = 0.06 * j * R[k, 5]
        sx, sy = 1 + 0.08 * j * R[k, 6], 1 + 0.08 * j * R[k, 7]
        sh = 0.05 * j * R[k, 8]
        ca, sa = math.cos(ang), math.sin(ang)
        m = np.array([[ca * sx, -sa * sy + sh], [sa * sx, ca * sy]])
        shift = writer.placement * size * np.array([R[k, 9], rng.standard_normal()])
        p = (p - c) @ m.T + c + shift
        # component transform
        gc = g_cen[g]
        target = gc + (centre - gc) * g_pull[g]
        p = (p - gc) * g_scale[g] + target + g_shift[g]
        if kind:
            # shorthand forms come out a little smaller and narrower
            cc = p.mean(axis=0)
            p = (p - cc) * np.array([rng.uniform(0.75, 1.0), rng.uniform(0.85, 1.05)]) + cc
        pieces.append(p)
        kinds.append(kind)

    # join consecutive pieces into pen paths with light connecting paths
    paths: list[list[tuple[np.ndarray, np.ndarray]]] = []  # per path: (points, pressure)
    cur: list[tuple[np.ndarray, np.ndarray]] = []
    jr = rng.random(len(pieces))
    jc = rng.standard_normal(len(pieces))
    base_p = writer.pressure
    for k, p in enumerate(pieces):
        m = len(p)
        u = np.linspace(0.0, 1.0, m)
        pr = base_p + writer.pressure_var * math.sin(3.0 * jc[k]) - writer.taper * 0.5 * np.clip(u - 0.7, 0, None) / 0.3
        pr = np.clip(pr, 0.05, 1.0)
        if cur:
            prev = cur[-1][0]
            a, b = prev[-1], p[0]
            dist = math.hypot(*(b - a))
            prob = writer.join * min(1.0, max(0.1, 1.5 - 1.4 * dist / size))
            if jr[k] < prob:
                mid = (a + b) / 2 + writer.ligature_curve * jc[k] * np.array([-(b - a)[1], (b - a)[0]])
                lig = np.array([a, mid, b])
                lp = writer.ligature_pressure * max(0.3, 1.0 - dist / size)
                cur.append((lig, np.full(3, lp)))
            else:
                paths.append(cur)
                cur = []
        cur.append((p, pr))
    if cur:
        paths.append(cur)

    # whole-character transform: aspect, slant, rising horizontals, rotation
    ca, sa = math.cos(writer.rotation), math.sin(writer.rotation)
    a = np.array([[writer.aspect, 0.0], [0.0, 1.0]])
    a = np.array([[1.0, -writer.slant], [0.0, 1.0]]) @ a
    a = np.array([[1.0, 0.0], [-writer.rise, 1.0]]) @ a
    a = np.array([[ca, -sa], [sa, ca]]) @ a
    out = []
    t = 0.0
    speed = max(writer.speed, 0.05)
    for path in paths:
        pts = np.concatenate([q for q, _ in path])
        prs = np.concatenate([w for _, w in path])
        pts = (pts - centre) @ a.T + BOX / 2
        seg = np.hypot(*np.diff(pts, axis=0).T)
        ts = t + np.concatenate([[0.0], np.cumsum(seg)]) / speed
        t = float(ts[-1]) + 80.0 / speed
        if not np.isfinite(pts).all():
            continue
        out.append(tuple(Point(float(x), float(y), float(tt), float(pp)) for (x, y), tt, pp in zip(pts.tolist(), ts.tolist(), prs.tolist())))
    return Ink(out, BOX, BOX, {"width_scale": writer.pen_scale, "pen_paths": len(out), "shorthand": [k for k in kinds if k]})
