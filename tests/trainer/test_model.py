"""trainer.model: the loss is the same objective on every Keras backend."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")


def _reference(y, p, smoothing):
    """Cross-entropy with label smoothing on probabilities clipped to [1e-7, 1 - 1e-7]."""
    t = y * (1 - smoothing) + smoothing / y.shape[-1]
    return float(np.mean(-(t * np.log(np.clip(p, 1e-7, 1 - 1e-7))).sum(-1)))


def _as_if_trained(model):
    """Give ``model`` random weights as a trained network has them (no zero biases, real
    batch-norm statistics); returns 16 images to compare predictions on."""
    rng = np.random.default_rng(0)
    for w in model.weights:
        value = rng.normal(0, 0.2, w.shape).astype("float32")
        w.assign(np.abs(value) + 0.5 if "variance" in w.path else value)
    return rng.integers(0, 256, (16, 64, 64, 1)).astype("float32")


def test_compiled_loss_is_the_clipped_probability_objective():
    from trainer.model import SmoothedCrossentropy

    rng = np.random.default_rng(0)
    classes = 50
    inp = keras.Input((8,))
    model = keras.Model(inp, keras.layers.Dense(classes, activation="softmax")(inp))
    w, b = model.layers[-1].get_weights()
    model.layers[-1].set_weights([rng.normal(0, 8, w.shape).astype("float32"), b])  # confident
    x = rng.normal(size=(64, 8)).astype("float32")
    y = np.eye(classes, dtype="float32")[rng.integers(0, classes, 64)]
    model.compile(loss=SmoothedCrossentropy(label_smoothing=0.1))
    p = model.predict(x, verbose=0)
    assert (p < 1e-7).mean() > 0.2  # the case where backends used to disagree
    # evaluate() runs the loss on the graph's softmax output, where TensorFlow's own
    # CategoricalCrossentropy would switch to the logits and give a much larger value
    got = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    assert got == pytest.approx(_reference(y, p, 0.1), rel=1e-3)


def test_loss_serializes_with_its_smoothing(tmp_path):
    from trainer.model import SmoothedCrossentropy

    inp = keras.Input((4,))
    model = keras.Model(inp, keras.layers.Dense(3, activation="softmax")(inp))
    model.compile(loss=SmoothedCrossentropy(label_smoothing=0.2))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.loss, SmoothedCrossentropy) and loaded.loss.label_smoothing == 0.2


def test_multiply_adds_counts_every_convolution_and_dense_layer():
    from trainer.model import build_model, multiply_adds

    expected = (64 * 64 * 9 * 1 * 32 + 32 * 32 * 9 * 32 * 64 + 32 * 32 * 9 * 64 * 64
                + 16 * 16 * 9 * 64 * 128 + 16 * 16 * 9 * 128 * 128 + 8 * 8 * 9 * 128 * 256
                + 256 * 10)
    assert multiply_adds(build_model("compact", 10, width=1.0)) == expected
    # the shipped width: about 300 M a character for all 3755 classes
    assert 295e6 < multiply_adds(build_model("compact", 3755, width=1.5)) < 305e6
    # the article's net: two convolutions and one large dense layer
    art = build_model("article", 10, width=1.0)
    assert multiply_adds(art) == 64 * 64 * 9 * 32 + 32 * 32 * 9 * 32 * 64 + 16 * 16 * 64 * 10


def test_every_shipped_recipe_builds_a_network_within_the_cpu_budget():
    """The default model's recipes (from scratch, CPU fine-tune, GPU) must give a network of at
    most 150 M multiply-adds a character: what ordinary laptops without AVX-512 VNNI run in a
    few milliseconds (the real-writers issue's budget)."""
    from pathlib import Path

    from trainer.config import resolve
    from trainer.model import build_model, multiply_adds

    folder = Path(__file__).resolve().parents[2] / "resources" / "train"
    for name in ("default-model.toml", "finetune-real.toml", "gpu.toml"):
        cfg = resolve(folder / name)
        cost = multiply_adds(build_model(cfg.arch, 3755, cfg.width, cfg.dropout))
        assert cost <= 150e6, f"{name}: {cfg.arch} width {cfg.width} costs {cost / 1e6:.0f} M"


def test_layout_network_costs_its_grid_head_and_a_compact_one_grows_into_it_unchanged():
    """``layout`` = ``compact`` + a 4x4 grid head; a trained compact network of the same width
    grows into it with the same predictions (the classifier's grid rows start at zero)."""
    import numpy as np
    import pytest

    from trainer.model import build_model, grow_into, multiply_adds

    compact, layout = build_model("compact", 10, width=0.5), build_model("layout", 10, width=0.5)
    grid = 4 * 4 * 128 * 128 + 128 * 10  # flattened 4x4x128 -> 128 units, 128 more features
    assert multiply_adds(layout) == multiply_adds(compact) + grid
    assert 136e6 < multiply_adds(build_model("layout", 3755, width=1.0)) < 137e6
    x = _as_if_trained(compact)
    before = layout.predict(x, verbose=0)
    copied = grow_into(compact, layout)
    assert "b4a_conv" in copied and "probs" in copied and "grid_fc" not in copied
    np.testing.assert_allclose(layout.predict(x, verbose=0), compact.predict(x, verbose=0),
                               atol=1e-6)
    assert not np.allclose(before, layout.predict(x, verbose=0))
    kernel = np.asarray(layout.get_layer("probs").kernel)
    assert kernel.shape == (256, 10) and not kernel[128:].any()
    with pytest.raises(ValueError, match="b1_conv"):
        grow_into(build_model("compact", 10, width=1.0), build_model("layout", 10, width=0.5))


def test_residual_network_costs_its_block_and_a_compact_one_grows_into_it_unchanged():
    """``residual`` = ``compact`` + a bottleneck block at 8x8 whose last batch norm starts at
    zero; a trained compact network of the same width grows into it with the same predictions,
    and a network of another width is refused naming the layer."""
    import numpy as np
    import pytest

    from trainer.model import build_model, grow_into, grows, is_residual, multiply_adds

    compact, residual = build_model("compact", 10, width=0.5), build_model("residual", 10, width=0.5)
    block = 8 * 8 * (128 * 64 + 3 * 3 * 64 * 64 + 64 * 128)  # 1x1 down, 3x3, 1x1 up at 8x8
    assert multiply_adds(residual) == multiply_adds(compact) + block
    full = multiply_adds(build_model("residual", 3755, width=1.0))
    assert 147e6 < full <= 150e6  # within the CPU budget
    assert is_residual(residual) and not is_residual(compact)
    assert grows(compact, residual) and not grows(residual, compact)
    assert not np.asarray(residual.get_layer("r1c_bn").gamma).any()
    x = _as_if_trained(compact)
    before = residual.predict(x, verbose=0)
    copied = grow_into(compact, residual)
    assert "b4a_conv" in copied and "probs" in copied and "r1b_conv" not in copied
    np.testing.assert_allclose(residual.predict(x, verbose=0), compact.predict(x, verbose=0),
                               atol=1e-6)
    assert not np.allclose(before, residual.predict(x, verbose=0))
    residual.get_layer("r1c_bn").gamma.assign(np.ones(128, "float32"))  # the block now adds
    assert not np.allclose(residual.predict(x, verbose=0), compact.predict(x, verbose=0), atol=1e-4)
    # growing into a trained block (average does it): the block's last batch norm is set to
    # zero, scale and shift, so the answers are the compact network's again
    residual.get_layer("r1c_bn").beta.assign(np.full(128, 0.3, "float32"))
    grow_into(compact, residual)
    np.testing.assert_allclose(residual.predict(x, verbose=0), compact.predict(x, verbose=0),
                               atol=1e-6)
    with pytest.raises(ValueError, match="b1_conv"):
        grow_into(build_model("compact", 10, width=1.0), build_model("residual", 10, width=0.5))
