"""``hanzipad-train predict``: top-3 characters per image or ink file (the article's
inference step), with a bundle (default: the app's) or a run dir's checkpoint."""

from __future__ import annotations

import json
import sys

import numpy as np


def predict_main(args) -> int:
    from hanzipad.bundle import BundleError
    from hanzipad.cli import InputError, iter_inputs
    from trainer.evaluate import ModelError, Predictor

    try:
        pred = Predictor(args.model)
    except (ModelError, BundleError, ValueError) as exc:
        print(f"hanzipad-train: error: cannot load the model: {exc}", file=sys.stderr)
        return 2
    k = max(1, min(args.top, len(pred.labels)))
    status = 0
    for path in args.files:
        for item in iter_inputs(path):
            where = item.where  # file, or file:LINE for a .jsonl line (as hanzipad classify)
            try:
                image = item.load()
            except InputError as exc:
                print(f"hanzipad-train: error: {exc}", file=sys.stderr)
                status = 2
                continue
            p = pred.probabilities(np.asarray(image)[None])[0]
            top = np.argsort(-p, kind="stable")[:k]
            cands = [{"char": pred.labels[i], "prob": round(float(p[i]), 6)} for i in top]
            if args.json:
                print(json.dumps({"file": where, "candidates": cands}, ensure_ascii=False))
            else:
                print(f"{where}: " + "  ".join(f"{c['char']} {100 * c['prob']:.1f}%" for c in cands),
                      flush=True)
    return status
