"""``hanzipad-train train``: flat, readable training (nanoGPT style) on Keras 3 ``fit``.

Run dir layout::

    config.json      resolved config (the one the run trains with)
    command.json     every command line that trained this run
    latest.keras     self-contained checkpoint (weights + optimizer state + schedule)
    state.json       step, best validation, config hash, data position, wall time
    best.keras       best checkpoint on the validation data (top-1)
    tb/              TensorBoard logs (loss, top-1, top-3, learning rate, input grids)

Running ``train`` again on the same run dir resumes from ``latest.keras``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

from hanzipad.fileio import loads_bounded
from hanzipad.fileio import read_json as read_json_bounded
from hanzipad.provenance import expand
from trainer.config import Config, class_list
from trainer.sources.base import SourceError

LATEST = "latest.keras"
BEST = "best.keras"
STATE = "state.json"
CONFIG = "config.json"
COMMANDS = "command.json"


def log(msg: str) -> None:
    print(msg, flush=True)


#: Temporary checkpoints are written as ``tmp-<pid>-latest.keras`` and renamed into place.
TMP_PREFIX = "tmp-"


class CheckpointError(OSError):
    """A checkpoint or state file that could not be written (e.g. a full disk); the message
    names the run dir. Exit 1; the last checkpoint is intact."""


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def clean_stale_temps(run_dir: Path) -> list[str]:
    """Remove the temporary files a killed run left in ``run_dir`` (``tmp-<pid>-*.keras``
    whose process is gone, ``.state.json.tmp`` and the like); returns their names."""
    removed = []
    for path in sorted(run_dir.glob(f"{TMP_PREFIX}*-*.keras")) + [
            run_dir / f".{n}.tmp" for n in (STATE, CONFIG, COMMANDS, "figures.json")]:
        if not path.is_file():
            continue
        pid = path.name[len(TMP_PREFIX):].split("-", 1)[0]
        if path.suffix == ".keras" and pid.isdigit() and int(pid) != os.getpid() \
                and _alive(int(pid)):
            continue  # another live process is writing it
        _unlink(path)
        removed.append(path.name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True


#: Bounds of the JSON files of a run dir (state.json holds the provenance of what it was
#: fine-tuned from, which grows with each stage).
RUN_FILE_MAX_BYTES = 256 * 1024 * 1024
RUN_FILE_MAX_DEPTH = 256


class RunDirError(ValueError):
    """A damaged file in a run dir (or beside a model); the message names the file."""


def read_json(path: Path, default=None):
    """The JSON in ``path``; ``default`` when it does not exist. A damaged file, or (with a
    ``default``) one holding another kind of value, raises :class:`RunDirError` naming it."""
    path = Path(path)
    try:
        value = read_json_bounded(path, max_bytes=RUN_FILE_MAX_BYTES, max_depth=RUN_FILE_MAX_DEPTH)
    except FileNotFoundError:
        return default
    except OSError as exc:
        raise RunDirError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:  # not JSON, nested too deep, a 400-digit number: names the file
        why = str(exc).removeprefix(f"{path}: ")
        raise RunDirError(f"{path}: {why}; the file is damaged: repair or remove it") from None
    if default is not None and not isinstance(value, type(default)):
        kind = "object" if isinstance(default, dict) else "list"
        raise RunDirError(f"{path}: expected a JSON {kind}, found {type(value).__name__}; the "
                          "file is damaged: repair or remove it")
    return value


def stored_config(run_dir: str | Path) -> dict | None:
    path = Path(run_dir) / CONFIG
    return read_json(path, {}) if path.exists() else None


def check_checkpoint(path: Path, hint: str) -> None:
    """Refuse a truncated or corrupt ``.keras`` checkpoint (a zip) before Keras reads it (it
    calls one "File not found"), naming it; ``hint``: what the user can do about it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()  # reads every member, checking its CRC
            why = f"member {bad} is damaged" if bad else None
    except FileNotFoundError:
        raise RunDirError(f"{path}: no such checkpoint") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError) as exc:
        why = f"not a complete .keras zip: {exc}"
    if why:
        raise RunDirError(f"{path}: truncated or corrupt checkpoint ({why}); {hint}")


def load_checkpoint(path: Path, hint: str, **kwargs):
    """``keras.models.load_model`` of a checked checkpoint; any failure names the file."""
    import keras

    check_checkpoint(path, hint)
    try:
        return keras.models.load_model(path, **kwargs)
    except Exception as exc:  # noqa: BLE001 - keras raises many kinds for a bad file
        raise RunDirError(f"{path}: cannot load the checkpoint ({type(exc).__name__}: "
                          f"{str(exc).strip()[:300]}); {hint}") from exc


RESUME_HINT = ("move it away and run again to start over, or copy best.keras over it to resume "
               "from the best checkpoint")


# --------------------------------------------------------------------------- devices

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


# --------------------------------------------------------------------------- callbacks

def _callbacks_module():
    import keras

    class StepControl(keras.callbacks.Callback):
        """Checkpoints every N steps, at the end and on SIGTERM/Ctrl+C; stops at max_steps;
        keeps best.keras on validation top-1; logs progress with images/s and ETA."""

        def __init__(self, run: Run):
            super().__init__()
            self.run = run
            self.t0 = time.time()
            self.last_t = time.time()
            self.last_step = run.start_step
            self.prev_step = run.start_step
            self.bar = None
            # a log line every log_every steps, and at least every 10 % of this session's steps
            left = max(1, run.cfg.max_steps - run.start_step)
            self.log_every = max(1, min(run.cfg.log_every, math.ceil(left / 10)))

        def _step(self):
            return int(self.model.optimizer.iterations.numpy()) if hasattr(
                self.model.optimizer.iterations, "numpy") else int(self.model.optimizer.iterations)

        def on_train_begin(self, logs=None):
            cfg = self.run.cfg
            use_bar = cfg.progress == "bar" or (cfg.progress == "auto" and sys.stdout.isatty())
            if use_bar:
                from tqdm import tqdm

                self.bar = tqdm(total=cfg.max_steps, initial=self.run.start_step, unit="step",
                                dynamic_ncols=True, smoothing=0.1)

        def on_train_batch_end(self, batch, logs=None):
            run, cfg = self.run, self.run.cfg
            step = self._step()
            logs = logs or {}
            if self.bar is not None:
                self.bar.update(step - self.bar.n)
            prev, self.prev_step = self.prev_step, step  # steps_per_execution > 1: crossings
            loss = logs.get("loss")
            if loss is not None and not math.isfinite(float(loss)) and run.diverged is None:
                lr = float(self.model.optimizer.learning_rate)
                run.diverged = f"the loss became {float(loss)} at step {step} (learning rate {lr:.3g})"
            if run.diverged is not None:  # no checkpoint of these weights, stop now
                self.model.stop_training = True
                return
            if step // self.log_every > prev // self.log_every or step >= cfg.max_steps:
                now = time.time()
                ips = (step - self.last_step) * run.global_batch / max(1e-9, now - self.last_t)
                self.last_t, self.last_step = now, step
                lr = float(self.model.optimizer.learning_rate)
                left = (cfg.max_steps - step) * run.global_batch / max(ips, 1e-9)
                run.last_ips = ips
                msg = (f"loss {logs.get('loss', float('nan')):.4f} top1 {100 * logs.get('top1', 0):.1f}% "
                       f"top3 {100 * logs.get('top3', 0):.1f}% lr {lr:.2e} {ips:.0f} img/s")
                if self.bar is not None:
                    self.bar.set_postfix_str(msg)
                else:
                    log(f"step {step}/{cfg.max_steps} {msg} ETA {_hms(left)}")
                run.write_scalar("learning_rate", lr, step)
                run.write_scalar("images_per_second", ips, step)
            if (cfg.checkpoint_every > 0 and step // cfg.checkpoint_every > prev // cfg.checkpoint_every
                    and step < cfg.max_steps):
                run.save(self.model, step)
            if run.stop_signal is not None or step >= cfg.max_steps:
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            step = self._step()
            if "val_top1" in logs and self.run.diverged is None:
                v1, v3 = 100 * float(logs["val_top1"]), 100 * float(logs["val_top3"])
                best = self.run.state.get("best_val_top1")
                better = best is None or v1 > best
                self.run.state["val"] = {"step": step, "top1": round(v1, 3), "top3": round(v3, 3),
                                         "loss": round(float(logs.get("val_loss", 0)), 5)}
                line = f"step {step}: validation top-1 {v1:.2f}% top-3 {v3:.2f}%"
                if better:
                    self.run.state.update(best_val_top1=round(v1, 3), best_val_top3=round(v3, 3),
                                          best_step=step)
                    self.run.save(self.model, step, best=True)
                    line += " (best)"
                self._print(line)

        def _print(self, line):
            if self.bar is not None:
                self.bar.write(line)
            else:
                log(line)

        def on_train_end(self, logs=None):
            if self.bar is not None:
                self.bar.close()
            if self.run.diverged is None:
                self.run.save(self.model, self._step())

    class InputImages(keras.callbacks.Callback):
        """A grid of (augmented) training inputs in TensorBoard, once per run segment."""

        def __init__(self, run: Run, images):
            super().__init__()
            self.run, self.images = run, images

        def on_train_begin(self, logs=None):
            import numpy as np

            imgs = np.asarray(self.images)[:64, :, :, 0]
            n = int(math.ceil(math.sqrt(len(imgs))))
            grid = np.zeros((n * 66, n * 66), np.float32)
            for k, im in enumerate(imgs):
                r, c = divmod(k, n)
                grid[r * 66 + 1:r * 66 + 65, c * 66 + 1:c * 66 + 65] = im
            self.run.write_image("inputs", grid[None, :, :, None] / 255.0, self.run.start_step)

    return StepControl, InputImages


def _hms(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# --------------------------------------------------------------------------- the run

class Run:
    def __init__(self, cfg: Config, argv: list[str]):
        self.cfg = cfg
        self.argv = argv
        self.dir = Path(cfg.run_dir)
        self.state: dict = {}
        self.start_step = 0
        self.global_batch = cfg.batch_size
        self.stop_signal: int | None = None
        self.diverged: str | None = None  # why training stopped on non-finite numbers
        self.probe = None  # a few training images: a checkpoint's outputs must be finite on them
        self.is_chief = True
        self.writer = None
        self.last_ips = 0.0
        self.session_t0 = time.time()
        self.wall_before = 0.0

    # -- logging to TensorBoard (tf.summary) when TensorFlow is here
    def write_scalar(self, name, value, step):
        if self.writer is not None:
            import tensorflow as tf

            with self.writer.as_default():
                tf.summary.scalar(name, value, step=step)

    def write_image(self, name, image, step):
        if self.writer is not None:
            import tensorflow as tf

            with self.writer.as_default():
                tf.summary.image(name, image, step=step)
                self.writer.flush()

    # -- checkpoints
    def finite(self, model, step: int) -> bool:
        """Whether the weights, and the outputs on the probe images, are finite numbers; if not,
        marks the run as diverged (no checkpoint of such a model is written)."""
        import numpy as np

        why = None
        for w in model.weights:
            value = np.asarray(w)
            if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all():
                why = f"weight {w.path} is not finite"
                break
        if why is None and self.probe is not None:
            try:
                out = np.asarray(model(self.probe, training=False), np.float32)
            except Exception:  # noqa: BLE001 - the probe is a best-effort extra check
                out = None
            if out is not None and not np.isfinite(out).all():
                why = "the model's outputs are not finite (NaN or infinity)"
        if why is not None and self.diverged is None:
            self.diverged = f"{why} at step {step}"
        return why is None

    def save(self, model, step: int, best: bool = False) -> None:
        if not self.is_chief:
            return
        if self.diverged is not None or not self.finite(model, step):
            model.stop_training = True
            return  # the last good checkpoint stays
        name = BEST if best else LATEST
        tmp = self.dir / f"{TMP_PREFIX}{os.getpid()}-{name}"
        try:
            model.save(tmp)
            os.replace(tmp, self.dir / name)
        except BaseException as exc:
            _unlink(tmp)  # a partial checkpoint must not stay (it fills the disk for the retry)
            if isinstance(exc, OSError):
                raise self._save_error(exc, f"saving {name} at step {step}") from exc
            raise
        if not best:
            self.state.update(
                step=step,
                config_hash=self.cfg.hash(),
                seed=self.cfg.seed,
                images_seen=step * self.global_batch,
                wall_time_s=round(self.wall_before + time.time() - self.session_t0, 1),
                saved=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            )
        try:
            atomic_write_text(self.dir / STATE, json.dumps(self.state, ensure_ascii=False, indent=2))
        except OSError as exc:
            raise self._save_error(exc, f"writing {STATE} at step {step}") from exc

    def _save_error(self, exc: OSError, what: str) -> CheckpointError:
        last = self.state.get("step") if (self.dir / LATEST).exists() else None
        resume = (f"run the same command again to resume from the last checkpoint (step {last})"
                  if last is not None else "run the same command again")
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            why = "no space left on device" if exc.errno == errno.ENOSPC else "disk quota exceeded"
            return CheckpointError(f"{self.dir}: {why} while {what}; free space there, then "
                                   f"{resume}")
        return CheckpointError(f"{self.dir}: cannot save a checkpoint ({exc.strerror or exc}) "
                               f"while {what}; {resume}")

    def handle_signals(self):
        def on_signal(signum, frame):
            if self.stop_signal is not None and signum == signal.SIGINT:
                raise KeyboardInterrupt
            self.stop_signal = signum
            log(f"\n{signal.Signals(signum).name}: saving a checkpoint and stopping after this step"
                + (" (Ctrl+C again to abort without saving)" if signum == signal.SIGINT else ""))

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)


def setup_precision(cfg: Config) -> tuple[bool, bool]:
    """Mixed precision (bfloat16) and XLA, on where a GPU is present (``auto``)."""
    import keras

    gpu = has_gpu()
    mp = cfg.mixed_precision == "on" or (cfg.mixed_precision == "auto" and gpu)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mp else "float32")
    jit = cfg.jit_compile == "on" or (cfg.jit_compile == "auto" and gpu)
    return mp, jit


def train(cfg: Config, argv: list[str]) -> int:
    """Train (or resume) ``cfg.run_dir``, holding its lock (:mod:`trainer.runlock`): a second
    command on the same run dir refuses at once, naming this one."""
    from trainer.runlock import command_text, run_dir_lock

    if not _lock_holder(cfg):
        return _train_locked(cfg, argv)
    with run_dir_lock(cfg.run_dir, command_text(argv)):
        return _train_locked(cfg, argv)


def _lock_holder(cfg: Config) -> bool:
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
        atomic_write_text(run.dir / CONFIG, cfg.dump() + "\n")
        cmds.append({"argv": argv, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                     "start_step": int(state.get("step", 0))})
        atomic_write_text(run.dir / COMMANDS, json.dumps(cmds, ensure_ascii=False, indent=2))

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
            sched = model.optimizer._learning_rate
            if isinstance(sched, M.WarmupCosine) and sched.total != cfg.max_steps:
                # keep the schedule's shape: stretch it to the new max_steps
                sched.total = cfg.max_steps
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
            _prebuild(model, strategy, sample_xy)
    else:
        train_ds = P.shard_stream(train_data, batch_size=per_worker_batch, steps=steps_per_epoch,
                                  seed=data_seed, workers=cfg.data_workers,
                                  num_workers=num_workers, worker_index=worker_index)
        val_ds = P.val_arrays(val_data, cfg.val_max) if val_data else None
        sample = train_ds[0][0]

    run.probe = np.asarray(sample[:8], np.float32)
    StepControl, InputImages = _callbacks_module()
    callbacks = [StepControl(run)]
    if cfg.tensorboard and run.is_chief:
        if have_tf and backend == "tensorflow" and _have_module("tensorboard"):
            import tensorflow as tf

            tb = _tensorboard(run.dir / "tb", cfg.log_every, run.start_step)
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
        model.fit(train_ds, epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks,
                  verbose=0, shuffle=False, **fit_kwargs)
    finally:
        signal.signal(signal.SIGTERM, old_handlers[0])
        signal.signal(signal.SIGINT, old_handlers[1])
        if run.writer is not None:
            run.writer.close()
            run.writer = None
    step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    dt = time.time() - t0
    done = step - run.start_step
    log(f"trained steps {run.start_step}..{step} in {_hms(dt)} "
        f"({done * cfg.batch_size / max(dt, 1e-9):.0f} img/s incl. validation)")
    log("train data: " + train_data.summary().replace("\n", "\n  "))
    if val_data:
        log("val data: " + val_data.summary().replace("\n", "\n  "))
    run.state["train_stats"] = train_data.stats()
    run.state["val_stats"] = val_data.stats() if val_data else {}
    if run.is_chief:
        atomic_write_text(run.dir / STATE, json.dumps(run.state, ensure_ascii=False, indent=2))
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


def base_provenance(checkpoint: Path) -> dict:
    """What a fine-tuned model started from, for its bundle's model.json: the checkpoint and,
    when it lies in a run dir, that run's steps, data sources and commands (and, nested, what
    that run started from); for a model bundle, its model.json's record."""
    if checkpoint.is_dir():  # a model bundle
        meta = read_json(checkpoint / "model.json", {})
        try:
            meta = expand(meta)  # the full record: model.json writes each repeat once
        except ValueError as exc:
            raise SourceError(f"{checkpoint / 'model.json'}: {exc}") from None
        out = {"bundle": checkpoint.name, "kind": "model bundle"}
        for key in ("name", "created", "arch", "width", "steps", "images_seen", "sources",
                    "init_from", "averaged_from", "evaluation", "sha256"):
            if key in meta:
                out[key] = meta[key]
        return out
    run_dir = checkpoint.parent
    state = read_json(run_dir / STATE, {}) if (run_dir / STATE).exists() else {}
    out = {"checkpoint": str(checkpoint.resolve())}
    for key in ("step", "best_step", "images_seen", "wall_time_s", "sources", "init_from",
                "averaged_from", "recalibrated"):
        if key in state:
            out[key] = state[key]
    commands = read_json(run_dir / COMMANDS, [])
    if commands:
        out["commands"] = commands
    return out


def init_weights(core, source: str, classes: list[str], calibration=None,
                 prune: bool = False) -> Path:
    """Copy the inference network's weights from ``source`` (a run dir: its best.keras, else
    latest.keras; a .keras file; or a model bundle, rebuilt from its .tflite by
    :mod:`trainer.from_bundle`) into ``core``. Refuses a different architecture or class
    list, naming the file and the difference. Returns the checkpoint (or bundle) used.
    ``calibration``: a callable giving training images ``[n, 64, 64, 1]``, for a bundle's batch
    norm statistics and for pruning. ``prune``: ``source`` may be a wider compact network;
    ``core`` gets its strongest channels (:mod:`trainer.prune`)."""
    import keras

    from trainer import model as M

    path = Path(source)
    if path.is_dir() and (path / "model.json").is_file() and (path / "model.tflite").is_file():
        if prune:
            return _prune_from(core, path, classes, calibration)
        return _init_from_bundle(core, path, classes, calibration)
    if path.is_dir():
        path = next((path / n for n in (BEST, LATEST) if (path / n).exists()), path / BEST)
        stored = stored_config(source)
        if stored is not None:
            theirs = class_list(Config(**{k: v for k, v in stored.items()
                                          if k in ("classes", "classes_file")}))
            if theirs != list(classes):
                raise SourceError(f"{source}: trained on {len(theirs)} classes, this run has "
                                  f"{len(classes)} (or another class order); --init-from needs "
                                  "the same classes")
    if not path.is_file():
        raise SourceError(f"{path}: no such checkpoint (--init-from takes a run dir or a .keras file)")
    try:
        src = M.core_of(keras.models.load_model(path, compile=False))
    except Exception as exc:  # noqa: BLE001 - keras raises many kinds for a bad file
        raise SourceError(f"{path}: not a readable Keras checkpoint ({exc})") from exc
    if prune:
        return _prune_from(core, path, classes, calibration, src=src)
    _copy_weights(src, core, f"{path}: another architecture, width or class count than this "
                  "run ({what}); a wider compact network can start this one with --prune")
    return path


def _prune_from(core, path: Path, classes: list[str], calibration, src=None) -> Path:
    """``core`` from the strongest channels of the wider network at ``path`` (``src``, the
    loaded .keras network, or a bundle to rebuild)."""
    from trainer import model as M
    from trainer.prune import prune_into

    images = calibration() if calibration is not None else None
    if images is None or not len(images):
        raise SourceError(f"{path}: --prune needs training images to measure the channels")
    if src is None:
        from trainer.from_bundle import keras_from_bundle

        _check_bundle_classes(path, classes)
        src, _ = keras_from_bundle(path, calibration=images)
    try:
        pairs = prune_into(src, core, images)
    except SourceError as exc:
        raise SourceError(f"{path}: {exc}") from None
    x = images[:512]
    agree = float((core.predict(x, batch_size=128, verbose=0).argmax(1)
                   == src.predict(x, batch_size=128, verbose=0).argmax(1)).mean())
    log(f"fine-tuning: pruned {path} from {M.multiply_adds(src) / 1e6:.0f} M to "
        f"{M.multiply_adds(core) / 1e6:.0f} M multiply-adds (channels per layer "
        f"{', '.join(f'{a}→{b}' for a, b in pairs)}, chosen on {len(images)} training images); "
        f"top-1 agreement with it before fine-tuning {agree:.1%}")
    return path


def _copy_weights(src, core, refusal: str) -> None:
    """Set ``core``'s weights to ``src``'s; SourceError(``refusal`` with ``{what}`` filled in)
    when the two networks differ. A ``compact`` ``src`` grows into a ``layout`` or
    ``residual`` ``core`` of its width (:func:`trainer.model.grow_into`: the same predictions,
    the new head or block adding zero)."""
    from trainer import model as M

    if M.grows(src, core):
        try:
            M.grow_into(src, core)
        except ValueError as exc:
            raise SourceError(refusal.replace("{what}", str(exc))) from None
        if M.is_layout(core):
            log("fine-tuning: the compact network grows a layout head (its classifier rows "
                "start at zero: the same predictions as the network it starts from)")
        else:
            log("fine-tuning: the compact network grows a residual block at 8x8 (its last "
                "batch norm starts at zero: the same predictions as the network it starts from)")
        return
    theirs, ours = src.get_weights(), core.get_weights()
    shapes = [(a.shape, b.shape) for a, b in zip(theirs, ours) if a.shape != b.shape]
    if len(theirs) != len(ours) or shapes:
        what = f"weight shapes {shapes[0][0]} vs {shapes[0][1]}" if shapes else \
            f"{len(theirs)} vs {len(ours)} weight tensors"
        raise SourceError(refusal.replace("{what}", what))
    core.set_weights(theirs)


def _check_bundle_classes(path: Path, classes: list[str]) -> None:
    from hanzipad.bundle import read_labels

    theirs = read_labels(path / "labels.txt")
    if theirs != list(classes):
        raise SourceError(f"{path}: the bundle has {len(theirs)} classes, this run has "
                          f"{len(classes)} (or another class order); --init-from needs the same "
                          "classes")


def _init_from_bundle(core, path: Path, classes: list[str], calibration) -> Path:
    images = calibration() if calibration is not None else None
    agree = load_bundle_into(
        core, path, classes, images, action="fine-tune it",
        mismatch=f"{path}: another architecture or width than this run ({{what}}; the bundle "
                 f"is {{theirs}} parameters, this run {core.count_params():,}); give "
                 "--arch/--width as in its model.json")
    if agree is not None:
        log(f"fine-tuning: rebuilt {path} from its .tflite; top-1 agreement with the bundle "
            f"{agree:.1%} on {min(256, len(images))} training images")
    return path


def load_bundle_into(core, path: Path, classes: list[str], images, *, mismatch: str,
                     action: str) -> float | None:
    """Set ``core``'s weights to the network of the model bundle ``path``, rebuilt from its
    .tflite with batch-norm statistics measured on ``images`` (:mod:`trainer.from_bundle`).
    Refuses another class list, another network (SourceError ``mismatch`` with ``{what}`` and
    ``{theirs}``, the bundle's parameter count, filled in) and a rebuild that agrees with the
    bundle on under 90 % of ``images`` ("refusing to ``action``"). Returns that agreement,
    None without images (``--init-from`` of a bundle before any data exists)."""
    from trainer.from_bundle import check_agreement, keras_from_bundle

    _check_bundle_classes(path, classes)
    src, _ = keras_from_bundle(path, calibration=images)
    _copy_weights(src, core, mismatch.replace("{theirs}", f"{src.count_params():,}"))
    if images is None or not len(images):
        return None
    agree = check_agreement(core, path, images[:256])
    if agree < 0.9:
        raise SourceError(f"{path}: the network rebuilt from the .tflite agrees with the "
                          f"bundle on only {agree:.1%} of images; refusing to {action}")
    return agree


def _sample_batch(data, n: int, augmenter=None):
    """``(images, one_hot)``: the first ``n`` training samples, augmented as training sees them
    (for TensorBoard's input grid and for building the model)."""
    import numpy as np

    from trainer import pipeline as P

    x, y = P.val_arrays(data, n, what="training")
    if augmenter is not None:
        x = np.asarray(augmenter(x, training=True))
    return x, y


def _prebuild(model, strategy, batch):
    """Keras 3.15's fit() reduces the first distributed batch eagerly to build the model, which
    fails under MultiWorkerMirroredStrategy; build it here from a local batch instead."""
    import tensorflow as tf
    from keras.src.backend.tensorflow import trainer as tf_trainer

    with strategy.scope():
        model._symbolic_build(data_batch=batch)
    model._maybe_symbolic_build = lambda *a, **k: None
    # ...and reduces scalar logs with axis=0 under multi-worker collectives: mean over replicas
    original = getattr(tf_trainer.reduce_per_replica, "__wrapped__", tf_trainer.reduce_per_replica)

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and tf_trainer._collective_all_reduce_multi_worker(strategy):
            def mean(v):
                if isinstance(v, tf.distribute.DistributedValues):
                    return strategy.reduce("MEAN", v, axis=None)
                return v

            return tf.nest.map_structure(mean, values)
        return original(values, strategy, reduction)

    reduce_per_replica.__wrapped__ = original
    tf_trainer.reduce_per_replica = reduce_per_replica


def _tensorboard(log_dir: Path, update_freq: int, start_step: int):
    """Keras' TensorBoard callback with the optimizer's step as the x axis: a resumed run's
    curves continue where they stopped (Keras' own restarts at 0 with every ``fit``, drawing
    over the curves already there); ``epoch_*`` scalars are written at the step too."""
    import keras

    class StepTensorBoard(keras.callbacks.TensorBoard):
        def on_train_begin(self, logs=None):
            super().on_train_begin(logs)
            self._global_train_batch = start_step

        def on_epoch_end(self, epoch, logs=None):
            step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
            super().on_epoch_end(step, logs)

    return StepTensorBoard(log_dir=str(log_dir), update_freq=update_freq)


def _have_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _have_tensorflow() -> bool:
    return _have_module("tensorflow")


