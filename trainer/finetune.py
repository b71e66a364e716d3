"""Fine-tuning: ``--init-from`` (a run dir, a ``.keras`` file or a model bundle), ``--prune``,
growing a ``compact`` network into a ``residual`` one, and the provenance a fine-tuned model
records of what it started from."""

from __future__ import annotations

from pathlib import Path

from hanzipad.provenance import expand
from trainer.config import Config, class_list
from trainer.rundir import BEST, COMMANDS, LATEST, STATE, log, read_json, stored_config
from trainer.sources.base import SourceError


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
    when the two networks differ. A ``compact`` ``src`` grows into a ``residual`` ``core`` of
    its width (:func:`trainer.model.grow_into`: the same predictions, the new block adding
    zero)."""
    from trainer import model as M

    if M.grows(src, core):
        try:
            M.grow_into(src, core)
        except ValueError as exc:
            raise SourceError(refusal.replace("{what}", str(exc))) from None
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


