"""``hanzipad-train train``: flat, readable training (nanoGPT style) on Keras 3 ``fit``.

Open the data, load or build the model, make the input pipeline and the callbacks, fit, say how
it ended. Running ``train`` again on the same run dir resumes from ``latest.keras``. The rest
lives beside it: the run dir's files, checkpoints and state in :mod:`trainer.rundir` (its layout
is documented there), the callbacks in :mod:`trainer.callbacks`, devices and distribution in
:mod:`trainer.distribute`, ``--init-from`` / ``--prune`` / growing in :mod:`trainer.finetune`.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
import time

from hanzipad.fileio import write_text
from trainer.config import Config, class_list
from trainer.distribute import (
    build_for_training,
    fit_multi_worker,
    lock_holder,
    make_strategy,
    setup_precision,
)
from trainer.finetune import base_provenance, init_weights
from trainer.rundir import (
    BEST,
    COMMANDS,
    CONFIG,
    LATEST,
    RESUME_HINT,
    STATE,
    Run,
    RunDirError,
    check_checkpoint,
    clean_stale_temps,
    hms,
    load_checkpoint,
    log,
    read_json,
)


def train(cfg: Config, argv: list[str]) -> int:
    """Train (or resume) ``cfg.run_dir``, holding its lock (:mod:`trainer.runlock`): a second
    command on the same run dir refuses at once, naming this one."""
    from trainer.runlock import command_text, run_dir_lock

    if not lock_holder(cfg):
        return _train_locked(cfg, argv)
    with run_dir_lock(cfg.run_dir, command_text(argv)):
        return _train_locked(cfg, argv)


def _train_locked(cfg: Config, argv: list[str]) -> int:
    from trainer import pipeline as P  # no TensorFlow

    run = Run(cfg, argv)
    # What can be checked without TensorFlow first, so that a typo fails in about a second:
    # the classes, the data (paths exist, specs parse), the run dir's files.
    classes = class_list(cfg)
    log("opening data…")
    train_data = P.DataSet(cfg.train, classes, seed=cfg.seed)
    val_data = P.DataSet(cfg.val, classes, seed=cfg.seed + 1) if cfg.val else None
    log(f"train: {len(train_data.shards)} shards from {', '.join(cfg.train)}")
    resuming = (run.dir / LATEST).exists()
    state = read_json(run.dir / STATE, {}) if resuming else {}
    if not resuming and "averaged_from" in read_json(run.dir / STATE, {}):
        raise RunDirError(f"{run.dir}: holds an average of checkpoints (hanzipad-train average), "
                          "not a run to resume; fine-tune from it with --init-from "
                          f"{run.dir} and another --run-dir")
    cmds = read_json(run.dir / COMMANDS, [])
    if resuming:
        check_checkpoint(run.dir / LATEST, RESUME_HINT)

    log("loading TensorFlow and Keras…")
    import keras
    import numpy as np

    from trainer import model as M
    from trainer.augment import build_augmenter
    from trainer.callbacks import InputImages, StepControl, StepTensorBoard

    run.dir.mkdir(parents=True, exist_ok=True)
    backend = keras.backend.backend()
    have_tf = _have_tensorflow()
    if cfg.input == "tfdata" and (backend != "tensorflow" or not have_tf):
        log(f"note: Keras backend {backend!r}{'' if have_tf else ' without TensorFlow'}: "
            "using --input numpy (PyDataset; augmentation on the device)")
        cfg.input = "numpy"

    strategy, num_workers, worker_index, run.is_chief = make_strategy(cfg.strategy)
    replicas = strategy.num_replicas_in_sync if strategy is not None else 1
    run.global_batch = cfg.batch_size
    per_worker_batch = cfg.batch_size // num_workers
    if cfg.batch_size % max(1, replicas) != 0:
        raise ValueError(f"batch size {cfg.batch_size} is not divisible by {replicas} replicas")

    mp, jit = setup_precision(cfg)
    log("config:\n" + cfg.dump())
    log(f"backend {backend}, input {cfg.input}, {len(classes)} classes, strategy {cfg.strategy} "
        f"({replicas} replicas, {num_workers} workers), mixed precision {'bf16' if mp else 'off'}, "
        f"XLA {'on' if jit else 'off'}")

    run.state = dict(state)
    run.wall_before = float(state.get("wall_time_s", 0.0))
    if run.is_chief:
        stale = clean_stale_temps(run.dir)
        if stale:
            log(f"removed {len(stale)} stale temporary files of an interrupted run: "
                f"{', '.join(stale)}")
        write_text(run.dir / CONFIG, cfg.dump() + "\n")
        cmds.append({"argv": argv, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                     "start_step": int(state.get("step", 0))})
        write_text(run.dir / COMMANDS, json.dumps(cmds, ensure_ascii=False, indent=2))

    run.state["sources"] = train_data.describe()
    run.state["val_sources"] = val_data.describe() if val_data else []

    augment_in_model = cfg.input == "numpy"
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        if resuming:
            log(f"loading the checkpoint {run.dir / LATEST}…")
            model = load_checkpoint(run.dir / LATEST, RESUME_HINT)
            run.start_step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
            log(f"resuming from step {run.start_step}")
            if state.get("config_hash") and state["config_hash"] != cfg.hash():
                log("note: the config differs from the checkpoint's (model/data settings changed)")
            # keep the schedule's shape: stretch it to the new max_steps
            M.stretch_schedule(model.optimizer._learning_rate, cfg.max_steps)
        else:
            log("building the model…")
            core = M.build_model(cfg.arch, len(classes), cfg.width, cfg.dropout)
            if cfg.init_from:
                src = init_weights(core, cfg.init_from, classes,
                                   calibration=lambda: P.spread_arrays(train_data, 1024,
                                                                       what="training")[0],
                                   prune=cfg.prune)
                log(f"fine-tuning: weights from {src} (new optimizer and schedule)")
                run.state["init_from"] = base_provenance(src)
            aug = build_augmenter(cfg, cfg.seed) if augment_in_model else None
            model = M.with_augmentation(core, aug)
            M.compile_model(model, cfg, jit_compile=jit)
            log(f"new model: {cfg.arch} width {cfg.width}, {M.core_of(model).count_params():,} "
                f"parameters, {M.multiply_adds(M.core_of(model)) / 1e6:.0f} M multiply-adds a "
                "character")
    if run.start_step >= cfg.max_steps:
        log(f"already trained {run.start_step} steps (max_steps {cfg.max_steps}); nothing to do")
        return 0

    steps_per_epoch = cfg.val_every if val_data else cfg.checkpoint_every
    steps_per_epoch = max(1, min(steps_per_epoch or cfg.max_steps, cfg.max_steps))
    data_seed = cfg.seed * 1_000_003 + run.start_step  # a new data position on resume
    run.state["data_seed"] = data_seed
    log("preparing the input pipeline" + (" (reading the validation images)…" if val_data else "…"))
    if cfg.input == "tfdata":
        aug = build_augmenter(cfg, data_seed) if cfg.augment else None
        train_ds = P.train_dataset(train_data, cfg, batch_size=per_worker_batch, seed=data_seed,
                                   augmenter=aug, num_workers=num_workers,
                                   worker_index=worker_index)
        val_ds, val_steps = (P.val_dataset(val_data, batch_size=cfg.batch_size, limit=cfg.val_max)
                             if val_data else (None, None))
        # a batch read directly, not through a throw-away iterator of train_ds: tearing down a
        # generator-backed tf.data iterator mid-flight is a known deadlock (tensorflow#22632)
        sample_xy = _sample_batch(train_data, per_worker_batch, aug)
        sample = sample_xy[0]
        if cfg.strategy == "multiworker":
            build_for_training(model, strategy, sample_xy)
    else:
        train_ds = P.shard_stream(train_data, batch_size=per_worker_batch, steps=steps_per_epoch,
                                  seed=data_seed, workers=cfg.data_workers,
                                  num_workers=num_workers, worker_index=worker_index)
        val_ds = P.val_arrays(val_data, cfg.val_max) if val_data else None
        sample = train_ds[0][0]

    run.probe = np.asarray(sample[:8], np.float32)
    callbacks = [StepControl(run)]
    if cfg.tensorboard and run.is_chief:
        if have_tf and backend == "tensorflow" and _have_module("tensorboard"):
            import tensorflow as tf

            tb = StepTensorBoard(run.dir / "tb", cfg.log_every, run.start_step)
            run.writer = tf.summary.create_file_writer(str(run.dir / "tb" / "extra"))
            callbacks += [tb, InputImages(run, sample)]
        else:
            log("note: TensorBoard logs skipped (needs TensorFlow and the tensorboard package)")

    epochs = math.ceil((cfg.max_steps - run.start_step) / steps_per_epoch)
    log(f"training steps {run.start_step}..{cfg.max_steps}, batch {cfg.batch_size}, "
        f"validation every {steps_per_epoch} steps" if val_data else
        f"training steps {run.start_step}..{cfg.max_steps}, batch {cfg.batch_size}, no validation data")
    fit_kwargs = {}
    if val_ds is not None:
        fit_kwargs["validation_data"] = val_ds
        if cfg.input == "tfdata":
            fit_kwargs["validation_steps"] = val_steps
    log("starting: the first step builds and compiles the training graph, the slowest one…")
    t0 = time.time()
    old_handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    run.handle_signals()
    try:
        if cfg.strategy == "multiworker" and cfg.input == "tfdata":
            fit_multi_worker(model, strategy, train_ds, epochs=epochs,
                             steps_per_epoch=steps_per_epoch, callbacks=callbacks, **fit_kwargs)
        else:
            model.fit(train_ds, epochs=epochs, steps_per_epoch=steps_per_epoch,
                      callbacks=callbacks, verbose=0, shuffle=False, **fit_kwargs)
    finally:
        signal.signal(signal.SIGTERM, old_handlers[0])
        signal.signal(signal.SIGINT, old_handlers[1])
        if run.writer is not None:
            run.writer.close()
            run.writer = None
    step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    dt = time.time() - t0
    done = step - run.start_step
    log(f"trained steps {run.start_step}..{step} in {hms(dt)} "
        f"({done * cfg.batch_size / max(dt, 1e-9):.0f} img/s incl. validation)")
    log("train data: " + train_data.summary().replace("\n", "\n  "))
    if val_data:
        log("val data: " + val_data.summary().replace("\n", "\n  "))
    run.state["train_stats"] = train_data.stats()
    run.state["val_stats"] = val_data.stats() if val_data else {}
    if run.is_chief:
        write_text(run.dir / STATE, json.dumps(run.state, ensure_ascii=False, indent=2))
    if run.diverged is not None:
        good = int(run.state.get("step", 0)) if (run.dir / LATEST).exists() else None
        kept = (f"the last good checkpoint, {run.dir / LATEST} (step {good}), is kept"
                if good is not None else "no checkpoint was saved")
        print(f"hanzipad-train: error: training diverged: {run.diverged}; stopped without saving "
              f"these weights; {kept}. Lower the learning rate (--lr) in a new run dir (a resumed "
              "run keeps its schedule; --init-from RUN_DIR starts from its weights) or check the "
              "data", file=sys.stderr, flush=True)
        return 1
    if run.stop_signal is not None:
        log(f"stopped at step {step}; checkpoint saved in {run.dir / LATEST}; run the same "
            "command again to resume")
        return 128 + int(run.stop_signal)
    log(f"done: {run.dir / LATEST}" + (f", best {run.dir / BEST}" if (run.dir / BEST).exists() else ""))
    return 0


def _sample_batch(data, n: int, augmenter=None):
    """``(images, one_hot)``: the first ``n`` training samples, augmented as training sees them
    (for TensorBoard's input grid and for building the model)."""
    import numpy as np

    from trainer import pipeline as P

    x, y = P.val_arrays(data, n, what="training")
    if augmenter is not None:
        x = np.asarray(augmenter(x, training=True))
    return x, y


def _have_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _have_tensorflow() -> bool:
    return _have_module("tensorflow")
