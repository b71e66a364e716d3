"""Devices and distribution: GPU probing, mixed precision and XLA, and tf.distribute
strategies (``--strategy default|mirrored|multiworker``)."""

from __future__ import annotations

import os

from hanzipad.fileio import loads_bounded
from trainer.config import Config


def has_gpu() -> bool:
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return bool(tf.config.list_physical_devices("GPU"))
        if backend == "jax":
            import jax

            return any(d.platform in ("gpu", "cuda", "rocm") for d in jax.devices())
        if backend == "torch":
            import torch

            return torch.cuda.is_available()
    except Exception:  # pragma: no cover - device probing is best effort
        return False
    return False


def make_strategy(name: str):
    """(strategy or None, num_workers, worker_index, is_chief)."""
    if name == "default":
        return None, 1, 0, True
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy(), 1, 0, True
    # TensorFlow's own reader of TF_CONFIG (the cluster and this process's task)
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    cluster = resolver.cluster_spec().as_dict()
    if not cluster:
        raise ValueError("--strategy multiworker needs TF_CONFIG (cluster and task) in the environment")
    strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    ttype, tindex = resolver.task_type or "worker", int(resolver.task_id or 0)
    workers = len(cluster.get("worker", [])) + len(cluster.get("chief", []))
    index = tindex + (1 if "chief" in cluster and ttype == "worker" else 0)
    chief = ttype == "chief" or ("chief" not in cluster and ttype == "worker" and tindex == 0)
    return strategy, workers, index, chief


def setup_precision(cfg: Config) -> tuple[bool, bool]:
    """Mixed precision (bfloat16) and XLA, on where a GPU is present (``auto``)."""
    import keras

    gpu = has_gpu()
    mp = cfg.mixed_precision == "on" or (cfg.mixed_precision == "auto" and gpu)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mp else "float32")
    jit = cfg.jit_compile == "on" or (cfg.jit_compile == "auto" and gpu)
    return mp, jit


def lock_holder(cfg: Config) -> bool:
    """Whether this process locks the run dir: every run but a multi-worker one's non-chief
    workers (the chief writes the checkpoints, the others may share its folder)."""
    if cfg.strategy != "multiworker":
        return True
    try:
        tf_config = loads_bounded(os.environ.get("TF_CONFIG") or "{}", what="TF_CONFIG")
        task, cluster = tf_config.get("task", {}), tf_config.get("cluster", {})
        ttype, tindex = task.get("type", "worker"), int(task.get("index", 0))
    except (ValueError, AttributeError, TypeError):
        return True  # make_strategy refuses it later
    return ttype == "chief" or ("chief" not in cluster and ttype == "worker" and tindex == 0)


def fit_multi_worker(model, strategy, train_ds, *, epochs: int, steps_per_epoch: int,
                     callbacks: list, validation_data=None, validation_steps=None) -> None:
    """``model.fit`` for MultiWorkerMirroredStrategy, through public APIs only.

    Keras 3.15's ``fit`` cannot run under it: it reduces the first distributed batch, an
    ``(images, labels)`` tuple, with ``strategy.reduce`` (which takes one tensor), and reduces the
    scalar logs of each step with ``axis=0``. This is its loop without those two steps: each
    step is ``strategy.run(model.train_step)`` in a ``tf.function``, its logs averaged over the
    replicas with ``strategy.reduce("MEAN", …, axis=None)``; the callbacks are called as ``fit``
    calls them (``keras.callbacks.CallbackList``), validation is ``model.test_step`` the same
    way, and ``model.stop_training`` stops it. One step a call (``steps_per_execution`` does not
    apply; XLA is off under tf.distribute in ``fit`` too). The model is built on a batch first
    (:func:`build_for_training`)."""
    import keras
    import tensorflow as tf

    def mean_logs(logs):
        return {k: strategy.reduce("MEAN", v, axis=None) for k, v in logs.items()}

    @tf.function(reduce_retracing=True)
    def train_step(batch):
        return mean_logs(strategy.run(model.train_step, args=(batch,)))

    @tf.function(reduce_retracing=True)
    def test_step(batch):
        return mean_logs(strategy.run(model.test_step, args=(batch,)))

    def numbers(logs):
        return {k: float(v) for k, v in logs.items()}

    cbs = keras.callbacks.CallbackList(callbacks, model=model, epochs=epochs,
                                       steps=steps_per_epoch, verbose=0)
    batches = iter(strategy.experimental_distribute_dataset(train_ds))
    model.stop_training = False
    logs = {}
    cbs.on_train_begin()
    for epoch in range(epochs):
        model.reset_metrics()
        cbs.on_epoch_begin(epoch)
        for step in range(steps_per_epoch):
            cbs.on_train_batch_begin(step)
            logs = numbers(train_step(next(batches)))
            cbs.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        epoch_logs = dict(logs)
        if validation_data is not None:
            model.reset_metrics()
            cbs.on_test_begin()
            val_logs = {}
            val = strategy.experimental_distribute_dataset(validation_data)
            for k, batch in enumerate(val):
                if validation_steps is not None and k >= validation_steps:
                    break
                cbs.on_test_batch_begin(k)
                val_logs = numbers(test_step(batch))
                cbs.on_test_batch_end(k, val_logs)
            cbs.on_test_end(val_logs)
            epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
        cbs.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    cbs.on_train_end(logs)


def build_for_training(model, strategy, batch) -> None:
    """Create every variable training needs (the model's, the loss's and metrics' state, the
    optimizer's slots) under ``strategy.scope()`` from one local ``(images, labels)`` batch:
    with public calls, in cross-replica context, before the first distributed step."""
    x, y = batch
    with strategy.scope():
        y_pred = model(x, training=False)
        model.compute_loss(x, y, y_pred)
        model.compute_metrics(x, y, y_pred, None)
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    model.reset_metrics()
