"""``hanzipad-train export``: a run dir's checkpoint -> the app's bundle (model.tflite,
labels.txt, model.json), then a check that the exported model agrees with the Keras one."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hanzipad.provenance import compact
from trainer.evaluate import FIGURES, ModelError, load_keras_core, non_finite_weights
from trainer.records import public
from trainer.rundir import COMMANDS, read_json

#: Minimum share of sample images on which the bundle and the Keras model agree (top-1).
MIN_AGREEMENT = 0.995
#: A top-1 that differs only within this much of the Keras model's probability is a tie both
#: orders of which are right (float16 weights reorder a near-tie of a barely trained net).
TIE = 1e-3


def agreement(p_keras: np.ndarray, p_lite: np.ndarray) -> float:
    """The share of rows whose top-1 the exported model keeps: the same class, or one the
    Keras model gives within :data:`TIE` of its own top probability (a near-tie)."""
    top_keras, top_lite = p_keras.argmax(1), p_lite.argmax(1)
    rows = np.arange(len(top_keras))
    tie = p_keras[rows, top_lite] >= p_keras[rows, top_keras] - TIE
    return float(((top_lite == top_keras) | tie).mean())


class ExportRefused(ModelError):
    """A model that must not ship (non-finite outputs): exit 1, nothing written."""


def sample_images(cfg, labels, n: int, data=None) -> np.ndarray:
    """Up to ``n`` images from ``data`` (KIND:PATH specs) if given, else the run's validation
    data, else its training data."""
    from trainer.pipeline import DataSet

    out = []
    for specs in ((data,) if data else (cfg.val, cfg.train)):
        if not specs or len(out) >= n:
            continue
        try:
            dataset = DataSet(specs, labels, seed=cfg.seed + 7)
        except (OSError, ValueError) as exc:
            print(f"note: cannot read {', '.join(specs)} for the agreement check ({exc})")
            continue
        for image, _ in dataset:
            out.append(image)
            if len(out) >= n:
                break
    return np.stack(out) if out else np.zeros((0, 64, 64), np.uint8)


def export(run_dir, out, quantize=None, checkpoint="best", name=None, check_samples=512,
           check_data=None) -> dict:
    import keras

    import trainer
    from hanzipad import __version__
    from hanzipad.bundle import BundleError
    from hanzipad.fileio import WriteError
    from hanzipad.recognizer import Recognizer
    from trainer.bundle_export import bundle_target, tflite_bytes, write_bundle
    from trainer.model import multiply_adds

    bundle_target(out)  # refuse a file or a non-bundle folder before any work
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ModelError(f"{run_dir}: no such run dir")
    model, labels, cfg, state, ckpt = load_keras_core(run_dir, checkpoint)
    bad = non_finite_weights(model)
    if bad:  # before the slow conversion; finite outputs (ReLU: NaN -> 0) would not show it
        raise ExportRefused(f"{ckpt}: its weights are not finite (NaN or infinity) in {len(bad)} "
                            f"tensors, e.g. {bad[0]}: its training diverged or the file is "
                            f"damaged; refusing to export it ({out} not written)")
    t0 = time.time()
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its signatures
        data = tflite_bytes(model, quantize)
    commands = read_json(run_dir / COMMANDS, [])
    val = state.get("val") or {}
    figures = {}
    if state.get("best_val_top1") is not None:
        figures["val"] = {"top1": state["best_val_top1"], "top3": state.get("best_val_top3"),
                          "step": state.get("best_step"), "data": cfg.val}
    if val:
        figures["val_last"] = val
    figures.update(read_json(run_dir / FIGURES, {}))
    try:
        import tensorflow as tf

        tf_version = tf.__version__
    except ImportError:  # pragma: no cover
        tf_version = None
    meta = dict(
        name=name or run_dir.resolve().name,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        hanzipad_version=__version__,
        arch=cfg.arch,
        width=cfg.width,
        params=int(model.count_params()),
        multiply_adds=int(multiply_adds(model)),
        checkpoint=ckpt.name,
        steps=int(state.get("step", 0)),
        best_step=state.get("best_step"),
        batch_size=cfg.batch_size,
        images_seen=state.get("images_seen"),
        wall_time_s=state.get("wall_time_s"),
        quantize=quantize,
        sources=all_sources(state),
        val_sources=state.get("val_sources", []),
        figures=figures,
        command=commands[-1]["argv"] if commands else None,
        commands=commands,
        config=cfg.to_dict(),
        keras_version=keras.__version__,
        tensorflow_version=tf_version,
        trainer=getattr(trainer, "__name__", "trainer"),
    )
    for key in ("init_from", "averaged_from", "recalibrated"):
        if state.get(key):
            meta[key] = state[key]
    meta = public(meta)  # sources, commands, config: names, no paths of the machine that made it
    meta = compact(meta)  # each repeated part of the provenance once ({"$ref": …})
    meta["sha256"] = hashlib.sha256(data).hexdigest()  # of model.tflite, checked on load
    # agreement check first, on a scratch copy: the app's recognizer against the Keras model
    images = sample_images(cfg, labels, check_samples, check_data)
    if len(images) == 0:
        raise ModelError(f"{run_dir}: no val/train images to check the exported model with")
    out = Path(out)
    p_keras = np.concatenate([np.asarray(model.predict_on_batch(
        images[i:i + 256, :, :, None].astype(np.float32))) for i in range(0, len(images), 256)])
    bad = int((~np.isfinite(p_keras).all(axis=1)).sum())
    if bad:  # a diverged run: NaN rows agree with each other on argmax 0, "100 %"
        raise ExportRefused(f"{ckpt}: the model's outputs are not finite (NaN or infinity) on "
                            f"{bad} of {len(images)} sample images: its training diverged; "
                            f"refusing to export it ({out} not written)")
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch_root = Path(tempfile.mkdtemp(prefix=f".{out.name}.check.", dir=out.parent))
    try:
        scratch = write_bundle(scratch_root / "bundle", data, labels, **meta)
        p_lite = Recognizer(scratch).probabilities(images)
    except BundleError as exc:  # e.g. non-finite outputs of the converted model
        raise ExportRefused(f"the exported model does not load ({exc}); {out} not written") from None
    except WriteError as exc:  # a full disk: named as the bundle's file, not the scratch copy's
        raise WriteError(exc.errno, exc.strerror, str(out / Path(exc.filename).name)) from None
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
    agree = agreement(p_keras, p_lite)
    if agree >= MIN_AGREEMENT:
        write_bundle(out, data, labels, **meta)
    return {"out": str(out), "bytes": len(data), "agreement": agree, "n": len(images),
            "seconds": round(time.time() - t0, 1), "steps": meta["steps"], "params": meta["params"]}


def all_sources(state: dict, stage: str | None = None) -> list[dict]:
    """Every source the weights were trained on: the run's own, then (marked ``"stage":
    "init"``) those of the checkpoints it averaged (each listed once) and of the run it was
    fine-tuned from, and so on back."""
    out = [{**src, "stage": stage} if stage else src for src in state.get("sources", [])]
    if state.get("kind") == "model bundle":
        return out  # a bundle's sources already list its whole chain (this function made them)
    seen = set()
    for member in state.get("averaged_from", []):
        for src in all_sources(member, "init"):
            key = json.dumps(src, sort_keys=True, ensure_ascii=False)
            if key not in seen:
                seen.add(key)
                out.append(src)
    if state.get("init_from"):
        out += all_sources(state["init_from"], "init")
    return out


def export_main(args) -> int:
    from trainer.bundle_export import BundleTargetError
    from trainer.config import ConfigError
    from trainer.sources import SourceError

    try:
        r = export(args.run_dir, args.out, args.quantize, args.checkpoint, args.name,
                   args.check_samples, getattr(args, "data", None))
    except ExportRefused as exc:
        print(f"hanzipad-train: error: {exc}", file=sys.stderr)
        return 1
    except (ModelError, ConfigError, SourceError, BundleTargetError) as exc:
        print(f"hanzipad-train: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {r['out']} ({r['bytes'] / 1e6:.2f} MB model, {r['params']:,} parameters, "
          f"step {r['steps']})")
    print(f"agreement with the Keras model: {100 * r['agreement']:.2f}% of {r['n']} images "
          f"(top-1; required {100 * MIN_AGREEMENT:.1f}%)")
    if r["agreement"] < MIN_AGREEMENT:
        print(f"hanzipad-train: error: the exported model disagrees with the trained one on "
              f"{100 * (1 - r['agreement']):.2f}% of the sample: do not ship {r['out']}",
              file=sys.stderr)
        print(f"hanzipad-train: error: {r['out']} was not written", file=sys.stderr)
        return 1
    return 0
