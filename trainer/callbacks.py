"""Keras callbacks of a training run: :class:`StepControl` (checkpoints, stopping, progress
log, best checkpoint), :class:`InputImages` (a grid of training inputs in TensorBoard) and
:class:`StepTensorBoard` (Keras' TensorBoard with the optimizer's step as the x axis)."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import keras
import numpy as np

from trainer.rundir import Run, hms, log


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
                log(f"step {step}/{cfg.max_steps} {msg} ETA {hms(left)}")
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
        imgs = np.asarray(self.images)[:64, :, :, 0]
        n = int(math.ceil(math.sqrt(len(imgs))))
        grid = np.zeros((n * 66, n * 66), np.float32)
        for k, im in enumerate(imgs):
            r, c = divmod(k, n)
            grid[r * 66 + 1:r * 66 + 65, c * 66 + 1:c * 66 + 65] = im
        self.run.write_image("inputs", grid[None, :, :, None] / 255.0, self.run.start_step)


class StepTensorBoard(keras.callbacks.TensorBoard):
    """Keras' TensorBoard callback with the optimizer's step as the x axis: a resumed run's
    curves continue where they stopped (Keras' own restarts at 0 with every ``fit``, drawing
    over the curves already there); ``epoch_*`` scalars are written at the step too."""

    def __init__(self, log_dir: Path, update_freq: int, start_step: int):
        super().__init__(log_dir=str(log_dir), update_freq=update_freq)
        self.start_step = start_step

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._global_train_batch = self.start_step

    def on_epoch_end(self, epoch, logs=None):
        step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        super().on_epoch_end(step, logs)
