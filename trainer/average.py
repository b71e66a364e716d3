"""``hanzipad-train average``: one model from the mean of several checkpoints' weights.

Checkpoints of one lineage (the ends of successive fine-tuning stages, or snapshots along one
run) lie in one basin of the loss, and the mean of their weights tends to generalize better
than any one of them (Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima";
Wortsman et al. 2022, "Model soups"). Checkpoints of unrelated runs do not average: measure
the result with ``evaluate`` before shipping it.

The result is a new run dir holding ``best.keras``, the members' config and a ``state.json``
whose ``averaged_from`` records each member (its checkpoint, steps, data sources, commands and
what it was fine-tuned from), so ``export`` lists every source the weights saw. Batch-norm
statistics are averaged like the weights. Nothing existing is replaced: ``--out`` must be new
or an empty folder.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from trainer.evaluate import is_bundle
from trainer.sources.base import SourceError
from trainer.train import (
    BEST,
    COMMANDS,
    CONFIG,
    LATEST,
    STATE,
    TMP_PREFIX,
    RunDirError,
    atomic_write_text,
    base_provenance,
    load_checkpoint,
    stored_config,
)


def member_checkpoint(source) -> Path:
    """The checkpoint ``source`` names: a run dir's best.keras (else latest.keras) or a .keras
    file. SourceError, naming it, for anything else."""
    path = Path(source)
    if path.is_dir():
        if is_bundle(path):
            raise SourceError(f"{path}: a model bundle; average takes run dirs or .keras "
                              "checkpoints (a bundle keeps only rounded inference weights)")
        for name in (BEST, LATEST):
            if (path / name).is_file():
                return path / name
        raise SourceError(f"{path}: no checkpoint ({BEST} or {LATEST}) in this folder")
    if not path.is_file():
        raise SourceError(f"{path}: no such run dir or checkpoint")
    return path


def _same_model(config: dict) -> dict:
    return {k: config.get(k) for k in ("arch", "width", "classes", "classes_file", "dropout")}


def average(sources, out, argv: list[str]) -> dict:
    """Average the checkpoints ``sources`` (run dirs or .keras files, at least two) into the new
    run dir ``out``. Returns ``{"out", "members", "params"}``."""
    from trainer import augment  # noqa: F401  (registers the custom layers)

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SourceError(f"{out}: already exists and is not an empty folder; average writes a "
                          "new run dir and replaces nothing")
    ckpts = [member_checkpoint(s) for s in sources]
    if len(ckpts) < 2:
        raise SourceError("average needs at least two checkpoints")
    configs = []
    for ckpt in ckpts:
        config = stored_config(ckpt.parent)
        if not config:
            raise SourceError(f"{ckpt}: not in a run dir ({CONFIG} missing beside it); the "
                              "average needs its config for export")
        configs.append(config)
    first = _same_model(configs[0])
    for ckpt, config in zip(ckpts[1:], configs[1:]):
        diff = ", ".join(f"{k} {first[k]!r} vs {v!r}" for k, v in _same_model(config).items()
                         if v != first[k])
        if diff:
            raise SourceError(f"{ckpt}: another network than {ckpts[0]} ({diff}); only "
                              "checkpoints of one architecture, width and class list average")
    hint = "give another checkpoint of that run (its best.keras or latest.keras)"
    models = [load_checkpoint(c, hint, compile=False) for c in ckpts]
    ref = models[0]
    for ckpt, model in zip(ckpts[1:], models[1:]):
        shapes = [tuple(w.shape) for w in model.weights]
        if shapes != [tuple(w.shape) for w in ref.weights]:
            raise SourceError(f"{ckpt}: its weights do not match {ckpts[0]}'s (another "
                              "network); only checkpoints of one architecture average")
    for i, var in enumerate(ref.weights):
        values = [np.asarray(m.weights[i]) for m in models]
        if np.issubdtype(values[0].dtype, np.floating):
            var.assign(np.mean(values, axis=0, dtype=np.float64).astype(values[0].dtype))
        # integer state (random-seed counters of augmentation layers): the first member's

    members = [base_provenance(c) for c in ckpts]
    state = {"averaged_from": members, "sources": [],
             "step": max(int(m.get("step", 0)) for m in members)}
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f"{TMP_PREFIX}{os.getpid()}-{BEST}"
    ref.save(tmp)
    os.replace(tmp, out / BEST)
    atomic_write_text(out / CONFIG, json.dumps(configs[0], ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(out / STATE, json.dumps(state, ensure_ascii=False, indent=2))
    command = {"argv": argv, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    atomic_write_text(out / COMMANDS, json.dumps([command], ensure_ascii=False, indent=2))
    return {"out": str(out), "members": [str(c) for c in ckpts],
            "params": int(ref.count_params())}


def average_main(args, argv: list[str]) -> int:
    try:
        r = average(args.members, args.out, ["hanzipad-train"] + argv)
    except (SourceError, RunDirError) as exc:
        print(f"hanzipad-train: error: {exc}", file=sys.stderr, flush=True)
        return 2
    print(f"wrote {r['out']}/{BEST}: the mean of {len(r['members'])} checkpoints "
          f"({r['params']:,} parameters each)")
    for m in r["members"]:
        print(f"  {m}")
    print(f"next: hanzipad-train evaluate --model {r['out']} --data …  (compare with each member), "
          f"then export --run-dir {r['out']}")
    return 0
