"""``hanzipad-train evaluate``: top-1/3/10, per-class accuracy and most-confused pairs of a
bundle (run exactly as the app runs it: :class:`hanzipad.recognizer.Recognizer`) or of a run
dir's Keras checkpoint, on any data source."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from hanzipad.fileio import write_text
from trainer.rundir import BEST, CONFIG, LATEST, STATE, load_checkpoint, read_json
from trainer.runlock import updating

FIGURES = "figures.json"


class ModelError(ValueError):
    pass


def non_finite_weights(model) -> list[str]:
    """The names of ``model``'s floating-point weights that hold NaN or infinity (a diverged
    run, a damaged file). Such weights need not give NaN outputs (a ReLU turns NaN into 0)."""
    return [getattr(w, "path", None) or w.name for w in model.weights
            if np.issubdtype(np.asarray(w).dtype, np.floating)
            and not np.isfinite(np.asarray(w)).all()]


class NonFiniteModel(ModelError):
    """The model answers NaN or infinity (a diverged run): no accuracy is reported, exit 1
    (NaN rows would all "predict" class 0 and score as if by chance)."""


def is_bundle(path: Path) -> bool:
    return (path / "model.json").is_file() or (path / "model.tflite").is_file()


def is_run_dir(path: Path) -> bool:
    return (path / LATEST).is_file() or (path / BEST).is_file()


def checkpoint_path(run_dir: Path, which: str = "best") -> Path:
    if which == "best" and (run_dir / BEST).is_file():
        return run_dir / BEST
    if (run_dir / LATEST).is_file():
        return run_dir / LATEST
    raise ModelError(f"{run_dir}: no checkpoint ({LATEST} or {BEST}) in this run dir")


def load_keras_core(run_dir: Path, which: str = "best"):
    """(float32 inference model, labels, config, state, checkpoint path) of a run dir."""
    import keras

    from trainer import augment  # noqa: F401  (registers the custom layers)
    from trainer import model as M
    from trainer.config import Config, class_list, resolve

    ckpt = checkpoint_path(run_dir, which)
    stored = read_json(run_dir / CONFIG, {})
    if not stored:
        raise ModelError(f"{run_dir}: {CONFIG} is missing")
    cfg: Config = resolve(base=stored, base_where=str(run_dir / CONFIG))
    labels = class_list(cfg)
    other = LATEST if ckpt.name == BEST else BEST
    hint = (f"give --checkpoint {'latest' if other == LATEST else 'best'} to use {other}"
            if (run_dir / other).is_file() else "train the run again to write a new one")
    trained = load_checkpoint(ckpt, hint, compile=False)
    core = M.core_of(trained)
    keras.mixed_precision.set_global_policy("float32")
    fresh = M.build_model(cfg.arch, len(labels), cfg.width, cfg.dropout)
    fresh.set_weights(core.get_weights())
    return fresh, labels, cfg, read_json(run_dir / STATE, {}), ckpt


class Predictor:
    """Probabilities for uint8 [n,64,64] images from a bundle or a run dir."""

    def __init__(self, path: str | Path | None, checkpoint: str = "best"):
        self.run_dir = None
        if path is None:
            from hanzipad.recognizer import Recognizer

            self.rec = Recognizer(None)
            self.labels = self.rec.labels
            self.kind = "bundle"
            self.where = str(self.rec.bundle.path)
            return
        p = Path(path)
        if not p.exists():
            raise ModelError(f"{p}: no such bundle or run dir")
        if is_bundle(p):
            from hanzipad.recognizer import Recognizer

            self.rec = Recognizer(p)
            self.labels = self.rec.labels
            self.kind = "bundle"
            self.where = str(p)
        elif is_run_dir(p):
            self.model, self.labels, self.cfg, self.state, ckpt = load_keras_core(p, checkpoint)
            self.kind = "keras"
            self.where = str(ckpt)
            self.run_dir = p
        else:
            raise ModelError(f"{p}: neither a model bundle (model.json, model.tflite, labels.txt) "
                             f"nor a run dir ({LATEST})")

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        x = np.asarray(images)
        if self.kind == "bundle":
            return self.rec.probabilities(x)
        x = x.reshape(-1, 64, 64, 1).astype(np.float32)
        return np.asarray(self.model.predict_on_batch(x), dtype=np.float32)


def evaluate(pred: Predictor, specs: list[str], *, batch_size=256, limit=None, seed=12345,
             progress=True) -> dict:
    from trainer.pipeline import DataSet

    if pred.kind == "keras":
        # NaN weights need not give NaN outputs (a ReLU can turn NaN into 0): a diverged run
        # then answers the same for every image and scores as if by chance
        bad = non_finite_weights(pred.model)
        if bad:
            raise NonFiniteModel(f"{pred.where}: its weights are not finite (NaN or infinity) "
                                 f"in {len(bad)} tensors, e.g. {bad[0]}: its training diverged "
                                 "or the file is damaged; no accuracy reported")
    data = DataSet(specs, pred.labels, seed=seed)
    C = len(pred.labels)
    hits = {1: 0, 3: 0, 10: 0}
    per_total = np.zeros(C, np.int64)
    per_ok = np.zeros(C, np.int64)
    confused: Counter = Counter()
    n = 0
    t0 = time.time()
    xs, ys = [], []

    def flush():
        nonlocal n
        if not xs:
            return
        p = pred.probabilities(np.stack(xs))
        bad = int((~np.isfinite(p).all(axis=1)).sum())
        if bad:
            raise NonFiniteModel(f"{pred.where}: the model's outputs are not finite (NaN or "
                                 f"infinity) on {bad} of {len(p)} images: its training diverged "
                                 "or the file is damaged; no accuracy reported")
        y = np.asarray(ys)
        k = min(10, C)
        top = np.argsort(-p, axis=1, kind="stable")[:, :k]
        for kk in hits:
            hits[kk] += int((top[:, :kk] == y[:, None]).any(axis=1).sum())
        np.add.at(per_total, y, 1)
        ok = top[:, 0] == y
        np.add.at(per_ok, y[ok], 1)
        for t, q in zip(y[~ok], top[~ok, 0], strict=True):
            confused[(int(t), int(q))] += 1
        n += len(y)
        xs.clear()
        ys.clear()
        if progress and sys.stderr.isatty():
            print(f"\r{n} images, {n / max(time.time() - t0, 1e-9):.0f}/s", end="",
                  file=sys.stderr, flush=True)

    for image, label in data:
        xs.append(image)
        ys.append(label)
        if len(xs) >= batch_size:
            flush()
        if limit and n + len(xs) >= limit:
            break
    flush()
    if progress and sys.stderr.isatty():
        print(file=sys.stderr)
    def pct(h):
        return (round(100.0 * h / n, 3) if n else 0.0)
    labels = pred.labels
    per_class = {labels[i]: round(100.0 * per_ok[i] / per_total[i], 2)
                 for i in range(C) if per_total[i]}
    return {
        "model": pred.where,
        "data": [str(s) for s in specs],
        "n": n,
        "top1": pct(hits[1]),
        "top3": pct(hits[3]),
        "top10": pct(hits[10]),
        "skipped": data.skipped(),
        "seconds": round(time.time() - t0, 2),
        "per_class": per_class,
        "confused": [{"true": labels[t], "predicted": labels[q], "count": c}
                     for (t, q), c in confused.most_common(20)],
        "stats": data.stats(),
    }


def report(r: dict) -> str:
    lines = [f"model {r['model']}", f"data  {', '.join(r['data'])}",
             f"{r['n']} images ({r['skipped']} skipped): top-1 {r['top1']:.2f}%  "
             f"top-3 {r['top3']:.2f}%  top-10 {r['top10']:.2f}%"]
    pc = sorted(r["per_class"].items(), key=lambda kv: kv[1])
    if pc:
        lines.append("worst classes: " + "  ".join(f"{c} {a:.0f}%" for c, a in pc[:15]))
    if r["confused"]:
        lines.append("most confused (true -> predicted, count): " + "  ".join(
            f"{d['true']}->{d['predicted']} {d['count']}" for d in r["confused"][:15]))
    for spec, st in r["stats"].items():
        for m in st["messages"][:5]:
            lines.append(f"  skipped in {spec}: {m}")
    return "\n".join(lines)


def headline(r: dict) -> dict:
    """The figures kept with a model: in a run's figures.json and a bundle's model.json."""
    return {k: r[k] for k in ("n", "top1", "top3", "top10", "skipped")}


def add_figures(run_dir: Path, key: str, figures: dict) -> None:
    """Add ``figures`` under ``key`` to the run's figures.json (another evaluate's kept)."""
    with updating(run_dir / FIGURES):
        figs = read_json(run_dir / FIGURES, {})
        figs[key] = figures
        write_text(run_dir / FIGURES, json.dumps(figs, ensure_ascii=False, indent=2))


def record_in_bundle(bundle: Path, r: dict) -> None:
    """Add these figures to the bundle's model.json under ``"evaluation"`` (keyed by the data)."""
    from hanzipad.bundle import META_FILE, read_metadata
    from trainer.records import public_text

    figures = headline(r)
    figures["date"] = time.strftime("%Y-%m-%d", time.gmtime())
    with updating(bundle / META_FILE):  # another evaluate's figures are kept
        meta = read_metadata(bundle / META_FILE)
        # keyed by the data, named as model.json names sources: no path of this machine
        meta.setdefault("evaluation", {})[public_text(" ".join(r["data"]))] = figures
        write_text(bundle / META_FILE, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    print(f"recorded in {bundle / META_FILE}")


def evaluate_main(args) -> int:
    from trainer.config import ConfigError
    from trainer.sources import SourceError

    try:
        pred = Predictor(args.model, args.checkpoint)
        r = evaluate(pred, args.data, batch_size=args.batch_size, limit=args.limit, seed=args.seed)
    except NonFiniteModel as exc:
        print(f"hanzipad-train: error: {exc}", file=sys.stderr)
        return 1
    except (ModelError, SourceError, ConfigError) as exc:
        print(f"hanzipad-train: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # BundleError and the like
        from hanzipad.bundle import BundleError

        if isinstance(exc, BundleError):
            print(f"hanzipad-train: error: {exc}", file=sys.stderr)
            return 2
        raise
    print(report(r), flush=True)
    if r["n"] == 0:
        print("hanzipad-train: error: no samples to evaluate", file=sys.stderr)
    if pred.run_dir is not None:  # export copies these into model.json "figures"
        add_figures(pred.run_dir, " ".join(r["data"]), headline(r))
    if getattr(args, "record", False) and pred.run_dir is None and r["n"]:
        record_in_bundle(Path(args.model), r)
    if args.json:
        out = {k: v for k, v in r.items() if k != "stats"}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0 if r["n"] else 1
