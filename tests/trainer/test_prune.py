"""Pruning a wider compact network into a narrower one (``--init-from … --prune``)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from trainer import model as M  # noqa: E402
from trainer.prune import CONV_LAYERS, prune_into, recalibrate_batch_norm  # noqa: E402
from trainer.sources.base import SourceError  # noqa: E402

CLASSES = 5


def _images(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 64, 64, 1), np.float32)
    for i in range(n):  # a few bright bars: strokes of a sort
        for _ in range(3):
            r, c = rng.integers(8, 56, 2)
            x[i, r - 2:r + 2, c - 12:c + 12, 0] = rng.uniform(120, 255)
    return x


def _with_dead_channels(src, alive: dict[str, np.ndarray]):
    """Make every channel of each conv layer outside ``alive[layer]`` dead: zero kernel and a
    negative batch-norm shift, so it is never on and contributes nothing downstream."""
    for n in CONV_LAYERS:
        conv, bn = src.get_layer(f"{n}_conv"), src.get_layer(f"{n}_bn")
        (k,) = conv.get_weights()
        dead = np.setdiff1d(np.arange(k.shape[-1]), alive[n])
        k[..., dead] = 0.0
        conv.set_weights([k])
        gamma, beta, mean, var = bn.get_weights()
        beta[dead] = -1.0
        bn.set_weights([gamma, beta, mean, var])


def test_pruning_away_dead_channels_keeps_the_network_s_answers():
    src = M.build_model("compact", CLASSES, 0.5, 0.0)  # 16, 32, 32, 64, 64, 128 channels
    core = M.build_model("compact", CLASSES, 0.25, 0.0)  # 8, 16, 16, 32, 32, 64
    rng = np.random.default_rng(3)
    alive = {}
    for n in CONV_LAYERS:
        total = int(src.get_layer(f"{n}_conv").kernel.shape[-1])
        keep = int(core.get_layer(f"{n}_conv").kernel.shape[-1])
        alive[n] = np.sort(rng.choice(total, keep, replace=False))  # scattered, not the first ones
    _with_dead_channels(src, alive)
    x = _images()
    recalibrate_batch_norm(src, x)  # src's statistics as training would leave them
    before = src.predict(x, verbose=0)
    pairs = prune_into(src, core, x)
    assert pairs == [(16, 8), (32, 16), (32, 16), (64, 32), (64, 32), (128, 64)]
    for n in CONV_LAYERS:  # exactly the live channels were kept, in order
        np.testing.assert_array_equal(
            core.get_layer(f"{n}_bn").get_weights()[1],
            src.get_layer(f"{n}_bn").get_weights()[1][alive[n]])
    np.testing.assert_allclose(core.predict(x, verbose=0), before, atol=1e-4)
    assert M.multiply_adds(core) < M.multiply_adds(src) / 3


def test_pruning_a_live_channel_changes_the_answers_and_batch_norm_is_measured_again():
    src = M.build_model("compact", CLASSES, 0.5, 0.0)
    core = M.build_model("compact", CLASSES, 0.25, 0.0)
    x = _images()
    recalibrate_batch_norm(src, x)
    prune_into(src, core, x)
    # each batch norm's moving statistics are those of its input in the pruned network
    import keras
    for n in CONV_LAYERS:
        a = keras.Model(core.input, core.get_layer(f"{n}_conv").output).predict(x, verbose=0)
        _, _, mean, var = core.get_layer(f"{n}_bn").get_weights()
        np.testing.assert_allclose(mean, a.reshape(-1, a.shape[-1]).mean(0), rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(var, a.reshape(-1, a.shape[-1]).var(0), rtol=1e-3, atol=1e-4)
    assert not np.allclose(core.predict(x, verbose=0), src.predict(x, verbose=0), atol=1e-4)


def test_pruning_refuses_to_widen_or_change_the_classes():
    narrow = M.build_model("compact", CLASSES, 0.25, 0.0)
    wide = M.build_model("compact", CLASSES, 0.5, 0.0)
    with pytest.raises(SourceError, match="cannot add"):
        prune_into(narrow, wide, _images(8))
    with pytest.raises(SourceError, match="classes"):
        prune_into(wide, M.build_model("compact", CLASSES + 1, 0.25, 0.0), _images(8))
    with pytest.raises(SourceError, match="compact"):
        prune_into(M.build_model("residual", CLASSES, 0.25, 0.0), narrow, _images(8))
