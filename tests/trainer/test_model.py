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


def test_a_removed_architecture_is_named_as_removed():
    """``layout`` and ``article`` are gone: asking for one says so and names what there is."""
    from trainer.model import build_model

    for arch in ("layout", "article"):
        with pytest.raises(ValueError, match=f"arch '{arch}' was removed .*use compact or residual"):
            build_model(arch, 10)
    with pytest.raises(ValueError, match="unknown arch 'resnet' \\(use compact, residual\\)"):
        build_model("resnet", 10)


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


def _schedule_model(optimizer):
    inp = keras.Input((4,))
    model = keras.Model(inp, keras.layers.Dense(3, activation="softmax")(inp))
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    x = np.ones((8, 4), np.float32)
    model.fit(x, np.eye(3, dtype=np.float32)[np.arange(8) % 3], epochs=1, batch_size=4, verbose=0)
    return model


def _lrs(schedule, steps):
    return np.array([float(schedule(s)) for s in steps])


def test_new_runs_use_keras_cosine_decay_with_warmup_the_old_curve_after_the_warm_up():
    """make_schedule: CosineDecay with warmup_target; after the warm-up it is WarmupCosine's
    curve; during it, lower by lr * step / w**2 (both start at lr / w and reach lr at w)."""
    from trainer.config import Config
    from trainer.model import WarmupCosine, make_schedule

    cfg = Config(lr=2e-3, min_lr=1e-5, warmup_steps=10, max_steps=200)
    new = make_schedule(cfg)
    old = WarmupCosine(cfg.lr, cfg.min_lr, cfg.warmup_steps, cfg.max_steps)
    assert isinstance(new, keras.optimizers.schedules.CosineDecay)
    after = range(10, 260, 7)
    np.testing.assert_allclose(_lrs(new, after), _lrs(old, after), rtol=1e-5, atol=1e-9)
    assert float(new(300)) == pytest.approx(cfg.min_lr, rel=1e-4)
    warm = np.arange(10)
    np.testing.assert_allclose(_lrs(old, warm) - _lrs(new, warm), cfg.lr * warm / 100,
                               rtol=1e-4, atol=1e-9)
    assert float(new(0)) == pytest.approx(float(old(0))) == pytest.approx(cfg.lr / 10)
    constant = make_schedule(Config(lr=1e-3, warmup_steps=0, max_steps=50, schedule="constant"))
    np.testing.assert_allclose(_lrs(constant, [0, 25, 60]), 1e-3, rtol=1e-6)
    no_warmup = make_schedule(Config(lr=1e-3, min_lr=0.0, warmup_steps=0, max_steps=50))
    assert float(no_warmup(0)) == pytest.approx(1e-3) and float(no_warmup(50)) == pytest.approx(0)


def test_an_old_checkpoint_resumes_with_its_warmup_cosine_and_a_new_one_with_cosine_decay(
        tmp_path):
    """A checkpoint of a run started before the change holds a WarmupCosine (registered as
    hanzipad>WarmupCosine): it loads as one, with its numbers, and stretches to a new
    max_steps as before; a new run's CosineDecay round-trips and stretches too."""
    from trainer.config import Config
    from trainer.model import WarmupCosine, make_schedule, stretch_schedule

    assert keras.saving.get_registered_name(WarmupCosine) == "hanzipad>WarmupCosine"
    old = WarmupCosine(1e-3, 1e-5, 5, 100)
    _schedule_model(keras.optimizers.Adam(old)).save(tmp_path / "old.keras")
    loaded = keras.models.load_model(tmp_path / "old.keras").optimizer._learning_rate
    assert type(loaded) is WarmupCosine
    assert loaded.get_config() == old.get_config()
    steps = [0, 3, 5, 40, 100, 150]
    np.testing.assert_allclose(_lrs(loaded, steps), _lrs(old, steps), rtol=1e-7)
    assert stretch_schedule(loaded, 200) and loaded.total == 200
    assert not stretch_schedule(loaded, 200)

    new = make_schedule(Config(lr=1e-3, min_lr=1e-5, warmup_steps=5, max_steps=100))
    _schedule_model(keras.optimizers.Adam(new)).save(tmp_path / "new.keras")
    loaded = keras.models.load_model(tmp_path / "new.keras").optimizer._learning_rate
    assert type(loaded) is keras.optimizers.schedules.CosineDecay
    np.testing.assert_allclose(_lrs(loaded, steps), _lrs(new, steps), rtol=1e-7)
    assert stretch_schedule(loaded, 200) and loaded.decay_steps == 195
    assert float(loaded(200)) == pytest.approx(1e-5, rel=1e-4)
