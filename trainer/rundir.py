"""A run dir's files: names, reading them (each error names the file), checkpoints, and
:class:`Run`, the state of one training session (checkpointing, signals, TensorBoard scalars).

Run dir layout::

    config.json      resolved config (the one the run trains with)
    command.json     every command line that trained this run
    latest.keras     self-contained checkpoint (weights + optimizer state + schedule)
    state.json       step, best validation, config hash, data position, wall time
    best.keras       best checkpoint on the validation data (top-1)
    tb/              TensorBoard logs (loss, top-1, top-3, learning rate, input grids)

The JSON files are written atomically by :func:`hanzipad.fileio.write_text`; a checkpoint is
saved by Keras to ``tmp-<pid>-NAME.keras`` beside it and renamed into place.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import time
from pathlib import Path

from hanzipad.fileio import read_json as read_json_bounded
from hanzipad.fileio import replacing, write_text
from trainer.config import Config

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


def clean_stale_temps(run_dir: Path) -> list[str]:
    """Remove the temporary files a killed run left in ``run_dir`` (``tmp-<pid>-*.keras``
    whose process is gone, ``.state.json.*.tmp`` of :func:`hanzipad.fileio.write_text` and
    ``.state.json.tmp`` of older versions, and the like); returns their names."""
    removed = []
    names = (STATE, CONFIG, COMMANDS, "figures.json")
    for path in sorted(run_dir.glob(f"{TMP_PREFIX}*-*.keras")) + [
            run_dir / f".{n}.tmp" for n in names] + sorted(
            p for n in names for p in run_dir.glob(f".{n}.*.tmp")):
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


def hms(seconds: float) -> str:
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
        try:  # a partial checkpoint never stays (it would fill the disk for the retry)
            with replacing(self.dir / name, f"{TMP_PREFIX}{os.getpid()}-{name}") as tmp:
                model.save(tmp)
        except OSError as exc:
            raise self._save_error(exc, f"saving {name} at step {step}") from exc
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
            write_text(self.dir / STATE, json.dumps(self.state, ensure_ascii=False, indent=2))
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


