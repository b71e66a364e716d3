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

A member may also be a model bundle (the shipped ``resources/model`` keeps no checkpoint): its
network is rebuilt from the ``.tflite`` as ``train --init-from`` does (:mod:`trainer.from_bundle`),
with batch-norm statistics measured on ``calibration`` images (by default the first run dir's
training data), and refused unless it agrees with the bundle. Its weights are then averaged like
a checkpoint's: stages fine-tuned from that bundle start from exactly this rebuilt form. (Averaging
every member with its batch norms folded into the convolutions, the function the app runs, was
measured and did worse for stage 9 and its base: 89.0 % top-1 on every tenth sample of the
held-out writers, against 89.4 % this way, the same as the shipped average.)
At least one member must be a run dir: the average takes its config from the first one.

A member may be a ``compact`` network where another is a ``residual`` network grown from it
(``train --arch residual --init-from`` the compact run): it is grown into that network first
(the grown run's block, with its last batch norm's scale and shift at zero), so that it answers
exactly as before. The mean is then the
point halfway between the compact network and its grown fine-tune in weight space, as in
WiSE-FT (Wortsman et al. 2022, "Robust fine-tuning of zero-shot models"): the fine-tune's gain
on the real writers is kept while what the compact network read well (neat, mouse-drawn) comes
back. Repeat a member to weight it. The config is then the grown network's run dir's. Measured
on every tenth sample of the held-out writers, recalibrated: stage 15 (residual) 89.58 %, the
shipped compact weights 89.40, their mean **89.86** (stage 15 twice and the shipped once 89.89,
the reverse 89.72).

``recalibrate``: the batch norms' statistics of the mean are measured again, layer by layer, on
clean (unaugmented) images of the given data, as SWA does after averaging ("bn_update"). A
checkpoint's own statistics are running means over *augmented* training batches, and the mean
of several is the statistics of none of them. Measured on all held-out writers 1181-1200
(2,048 images of the real writers' training shards): stage 11 alone 88.0 -> 88.8 %, stage 11
averaged with the shipped weights 88.8 -> 89.1 %; on every tenth of them the shipped weights
themselves (half of them a freshly rebuilt bundle, whose statistics are clean already) 89.39 ->
89.40 %. With ``recalibrate`` one run dir alone is enough.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from hanzipad.fileio import replacing, write_text
from trainer.evaluate import is_bundle, non_finite_weights
from trainer.finetune import base_provenance, load_bundle_into
from trainer.rundir import (
    BEST,
    COMMANDS,
    CONFIG,
    LATEST,
    STATE,
    TMP_PREFIX,
    RunDirError,
    load_checkpoint,
    stored_config,
)
from trainer.runlock import RunDirLocked
from trainer.sources.base import SourceError

GROWN = ("residual",)  # networks a compact member of their width grows into


def member_checkpoint(source) -> Path:
    """The checkpoint ``source`` names: a run dir's best.keras (else latest.keras), a .keras
    file, or a model bundle (the folder itself). SourceError, naming it, for anything else."""
    path = Path(source)
    if path.is_dir():
        if is_bundle(path):
            return path
        for name in (BEST, LATEST):
            if (path / name).is_file():
                return path / name
        raise SourceError(f"{path}: no checkpoint ({BEST} or {LATEST}) in this folder")
    if not path.is_file():
        raise SourceError(f"{path}: no such run dir or checkpoint")
    return path


def _same_model(config: dict) -> dict:
    # not dropout: it has no weights and only acts in training (a stage may turn it off)
    return {k: config.get(k) for k in ("arch", "width", "classes", "classes_file")}


def _classes(config: dict) -> list[str]:
    from trainer.config import Config, class_list

    return class_list(Config(**{k: v for k, v in config.items()
                                if k in ("classes", "classes_file")}))


def _rebuild_bundle(bundle: Path, first: Path, config: dict, calibration, hint: str):
    """A copy of the first member's model (``first``) holding the network of ``bundle``,
    rebuilt from its .tflite with batch-norm statistics measured on ``calibration()``."""
    from trainer import model as M

    model = load_checkpoint(first, hint, compile=False)
    agree = load_bundle_into(
        M.core_of(model), bundle, _classes(config), calibration(), action="average it",
        mismatch=f"{bundle}: another network than {first} ({{what}}); only checkpoints of one "
                 "architecture, width and class list average")
    return model, agree


def _grow_member(ckpt: Path, first: Path, hint: str):
    """A copy of the first member's model (``first``, a ``residual`` network) holding the
    ``compact`` network of the checkpoint ``ckpt`` grown into it
    (:func:`trainer.model.grow_into`: the first member's block with its last batch norm at
    zero), so that it answers exactly as ``ckpt`` does."""
    from trainer import model as M

    src = load_checkpoint(ckpt, hint, compile=False)
    model = load_checkpoint(first, hint, compile=False)
    try:
        M.grow_into(M.core_of(src), M.core_of(model))
    except ValueError as exc:
        raise SourceError(f"{ckpt}: does not grow into {first}'s network ({exc})") from None
    return model


def average(sources, out, argv: list[str], calibrate=None, recalibrate=None,
            recalibrate_images: int = 2048) -> dict:
    """Average the checkpoints ``sources`` (run dirs, .keras files or model bundles, at least
    two, one of them a run dir; with ``recalibrate`` one run dir or .keras file is enough) into
    the new run dir ``out``. ``calibrate``: data specs whose
    images set a bundle member's batch-norm statistics (default: the first run dir's training
    data). ``recalibrate``: data specs whose images (about ``recalibrate_images``, spread over
    their shards) set the mean's batch-norm statistics (see the module doc). Returns ``{"out",
    "members", "params", "rebuilt", "recalibrated"}``."""
    from trainer import augment  # noqa: F401  (registers the custom layers)
    from trainer.runlock import LOCK_FILE, command_text, run_dir_lock

    out = Path(out)

    def refuse_used_out():
        if out.exists() and (not out.is_dir() or any(p.name != LOCK_FILE for p in out.iterdir())):
            raise SourceError(f"{out}: already exists and is not an empty folder; average writes "
                              "a new run dir and replaces nothing")

    refuse_used_out()
    with run_dir_lock(out, command_text(argv)):
        refuse_used_out()  # again, now that no other command can write there
        return _average(sources, out, argv, calibrate, recalibrate, recalibrate_images)


def _average(sources, out: Path, argv, calibrate, recalibrate, recalibrate_images) -> dict:
    ckpts = [member_checkpoint(s) for s in sources]
    if len(ckpts) < 2 and not (recalibrate and ckpts and not ckpts[0].is_dir()):
        raise SourceError("average needs at least two checkpoints (or one run dir with "
                          "--recalibrate, to measure its batch norms again)")
    configs = {}
    for ckpt in ckpts:
        if ckpt.is_dir():
            continue  # a bundle: checked against the first run dir's network when rebuilt
        config = stored_config(ckpt.parent)
        if not config:
            raise SourceError(f"{ckpt}: not in a run dir ({CONFIG} missing beside it); the "
                              "average needs its config for export")
        configs[ckpt] = config
    if not configs:
        raise SourceError("average needs at least one run dir or checkpoint among --from (its "
                          "config is the average's); every member given is a model bundle")
    # the config is the first run dir's; a grown network's (residual) if any member
    # has one, so that compact members of its width grow into it
    first_ckpt, first_config = next(
        ((c, cfg) for c, cfg in configs.items() if cfg.get("arch") in GROWN),
        next(iter(configs.items())))
    first = _same_model(first_config)
    grown = set()
    for ckpt, config in configs.items():
        mine = _same_model(config)
        if first["arch"] in GROWN and mine["arch"] == "compact" and \
                {**mine, "arch": first["arch"]} == first:
            grown.add(ckpt)
            continue
        diff = ", ".join(f"{k} {first[k]!r} vs {v!r}" for k, v in mine.items()
                         if v != first[k])
        if diff:
            raise SourceError(f"{ckpt}: another network than {first_ckpt} ({diff}); only "
                              "checkpoints of one architecture, width and class list average")
    hint = "give another checkpoint of that run (its best.keras or latest.keras)"
    images = []

    def calibration():
        if not images:
            images.append(_calibration_images(calibrate or first_config.get("train") or [],
                                              first_config, calibrate is None))
        return images[0]

    recal = None
    if recalibrate:  # read (and refuse bad data) before the slow part
        recal = _recalibration_data(recalibrate, first_config, recalibrate_images)
    models, rebuilt = [], {}
    for ckpt in ckpts:
        if ckpt.is_dir():
            model, rebuilt[str(ckpt)] = _rebuild_bundle(ckpt, first_ckpt, first_config,
                                                        calibration, hint)
        elif ckpt in grown:
            model = _grow_member(ckpt, first_ckpt, hint)
        else:
            model = load_checkpoint(ckpt, hint, compile=False)
        models.append(model)
    ref = models[0]  # every model has the structure of the first run dir's checkpoint
    for ckpt, model in zip(ckpts[1:], models[1:]):
        shapes = [tuple(w.shape) for w in model.weights]
        if shapes != [tuple(w.shape) for w in ref.weights]:
            raise SourceError(f"{ckpt}: its weights do not match {ckpts[0]}'s (another "
                              "network); only checkpoints of one architecture average")
    for ckpt, model in zip(ckpts, models):
        _refuse_non_finite(model, [ckpt], out)  # one diverged member makes the whole mean NaN
    for i, var in enumerate(ref.weights):
        values = [np.asarray(m.weights[i]) for m in models]
        if np.issubdtype(values[0].dtype, np.floating):
            var.assign(np.mean(values, axis=0, dtype=np.float64).astype(values[0].dtype))
        # integer state (random-seed counters of augmentation layers): the first member's

    _refuse_non_finite(ref, [], out)  # e.g. recalibrated on images that give NaN
    members = [base_provenance(c) for c in ckpts]
    state = {"averaged_from": members, "sources": [],
             "step": max(int(m.get("step", m.get("steps", 0)) or 0) for m in members)}
    recalibrated = None
    if recal is not None:
        from trainer import model as M

        data, images = recal
        layers = recalibrate_batch_norm(M.core_of(ref), images)
        recalibrated = {"data": [str(d) for d in recalibrate], "images": int(len(images)),
                        "batch_norms": layers}
        state["recalibrated"] = recalibrated
        state["sources"] = data.describe()  # they set weights too: their terms apply
    out.mkdir(parents=True, exist_ok=True)
    with replacing(out / BEST, f"{TMP_PREFIX}{os.getpid()}-{BEST}") as tmp:
        ref.save(tmp)
    write_text(out / CONFIG, json.dumps(first_config, ensure_ascii=False, indent=2) + "\n")
    write_text(out / STATE, json.dumps(state, ensure_ascii=False, indent=2))
    command = {"argv": argv, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    write_text(out / COMMANDS, json.dumps([command], ensure_ascii=False, indent=2))
    return {"out": str(out), "members": [str(c) for c in ckpts],
            "params": int(ref.count_params()), "rebuilt": rebuilt, "recalibrated": recalibrated,
            "grown": {str(c): first_config["arch"] for c in grown}}


class AverageRefused(RuntimeError):
    """The mean must not be written (non-finite weights): exit 1, nothing written."""


def _refuse_non_finite(model, ckpts, out: Path) -> None:
    """Refuse (before anything is written) a model whose weights hold NaN or infinity: a member
    that diverged (``ckpts``: it) would make the whole mean NaN."""
    bad = non_finite_weights(model)
    if not bad:
        return
    what = (f"{ckpts[0]}: its weights are" if ckpts else "the mean's weights are")
    raise AverageRefused(f"{what} not finite (NaN or infinity) in {len(bad)} tensors, e.g. "
                         f"{bad[0]} (a diverged run, or a damaged file); refusing to average "
                         f"({out / BEST} not written)")


def recalibrate_batch_norm(core, images: np.ndarray, batch_size: int = 256) -> int:
    """Set every batch norm's moving mean and variance in ``core`` to the statistics of its
    input on ``images``, in network order (each layer sees the ones before it already
    recalibrated). Returns the number of batch norms set."""
    import keras

    from trainer.from_bundle import channel_moments

    norms = [layer for layer in core.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for bn in norms:
        [(mean, var)] = channel_moments(keras.Model(core.input, bn.input), images, batch_size)
        gamma, beta = bn.get_weights()[:2]
        bn.set_weights([gamma, beta, mean, var])
    return len(norms)


def _recalibration_data(specs, config: dict, limit: int):
    """``(DataSet, images)``: about ``limit`` clean images spread over the shards of ``specs``."""
    from trainer import pipeline as P

    if limit < 1:
        raise SourceError(f"--recalibrate-images must be at least 1 (got {limit})")
    try:
        data = P.DataSet(list(specs), _classes(config), seed=0)
        images = P.spread_arrays(data, limit, what="recalibration")[0]
    except (SourceError, OSError) as exc:
        raise SourceError(f"{exc} (reading --recalibrate data)") from None
    if not len(images):
        raise SourceError(f"--recalibrate {' '.join(map(str, specs))}: no images to measure "
                          "the batch norms on")
    return data, images


def _calibration_images(specs, config: dict, default: bool) -> np.ndarray:
    """About 1,024 images spread over the data ``specs`` (shards, fonts…), for a bundle
    member's batch-norm statistics."""
    from trainer import pipeline as P

    classes = _classes(config)
    what = "the first run dir's training data" if default else "--calibrate"
    if not specs:
        raise SourceError(f"a model bundle among --from needs images for its batch-norm "
                          f"statistics: give --calibrate DATA ({what} names none)")
    try:
        data = P.DataSet(list(specs), classes, seed=0)
        images = P.spread_arrays(data, 1024, what="calibration")[0]
    except (SourceError, OSError) as exc:
        raise SourceError(f"{exc} (reading {what} to calibrate a bundle member; "
                          "give --calibrate DATA, e.g. the shards it was trained on)") from None
    if not len(images):
        raise SourceError(f"{what}: no images to calibrate a bundle member with")
    return images


def average_main(args, argv: list[str]) -> int:
    try:
        r = average(args.members, args.out, ["hanzipad-train"] + argv, args.calibrate,
                    args.recalibrate, args.recalibrate_images)
    except (SourceError, RunDirError) as exc:
        print(f"hanzipad-train: error: {exc}", file=sys.stderr, flush=True)
        return 2
    except (RunDirLocked, AverageRefused) as exc:
        print(f"hanzipad-train: error: {exc}", file=sys.stderr, flush=True)
        return 1
    what = (f"the mean of {len(r['members'])} checkpoints ({r['params']:,} parameters each)"
            if len(r["members"]) > 1 else f"{r['params']:,} parameters")
    print(f"wrote {r['out']}/{BEST}: {what}")
    for m in r["members"]:
        note = (f" (a bundle, rebuilt from its .tflite: top-1 agreement "
                f"{r['rebuilt'][m]:.1%})" if m in r["rebuilt"] else "")
        if m in r["grown"]:
            note = (f" (a compact network, grown into the {r['grown'][m]} one: it answers as "
                    "before, the new layers adding nothing)")
        print(f"  {m}{note}")
    if r["recalibrated"]:
        rc = r["recalibrated"]
        print(f"batch norms ({rc['batch_norms']}) measured again on {rc['images']:,} images of "
              f"{' '.join(rc['data'])}")
    print(f"next: hanzipad-train evaluate --model {r['out']} --data …  (compare with each member), "
          f"then export --run-dir {r['out']}")
    return 0
