"""``hanzipad-train``: train, evaluate, export, predict, prepare, pack, average, prototypes.

Exit codes: 0 ok, 1 failure (e.g. export disagreement), 2 bad usage/config/data,
128+N stopped by signal N (checkpoint saved; run again to resume).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from hanzipad import fileio

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

EXIT_USAGE = 2
#: The reader of our output went away (``hanzipad-train predict … | head -1``): exit as a
#: process killed by SIGPIPE does, without a word, like the standard Unix tools.
EXIT_BROKEN_PIPE = 141


def _err(msg: str) -> None:
    line = " ".join(str(msg).split("\n"))
    try:
        print(f"hanzipad-train: error: {line}", file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass  # stderr closed or full: the exit status still says it


def _standard_streams() -> None:
    """Give closed standard streams (``>&-``, ``2>&-``) /dev/null: otherwise Python leaves
    ``sys.stdout`` None (an AttributeError on the first flush) and the next file opened takes
    descriptor 1, where TensorFlow's C++ logs would then be written."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            try:
                null = os.open(os.devnull, os.O_RDWR)
            except OSError:
                continue
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            setattr(sys, name, open(fd, mode, closefd=False, encoding="utf-8",
                                    errors="backslashreplace"))
        else:
            if getattr(sys, name) is None:
                setattr(sys, name, open(os.devnull, mode))


class _GuardedStdout:
    """``sys.stdout`` whose write errors name it: ``> /dev/full`` ends as ``writing standard
    output: No space left on device`` (a :class:`~hanzipad.fileio.WriteError`, exit 1) instead of
    a bare errno. A closed pipe stays a BrokenPipeError (a quiet exit)."""

    def __init__(self, stream):
        self._stream = stream

    def _guard(self, method, *args):
        from hanzipad.fileio import WriteError

        try:
            return method(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise WriteError(exc.errno, exc.strerror or str(exc), "standard output") from None

    def write(self, text):
        return self._guard(self._stream.write, text)

    def flush(self):
        return self._guard(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _flush_stdout() -> int:
    """Flush standard output: 0, or the exit status for a reader that went away (quiet) or a
    stdout that cannot be written (/dev/full: one line saying so, exit 1)."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        fileio.silence_closed_pipe()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        _drop_stdout()
        _err(f"writing standard output: {getattr(exc, 'strerror', None) or exc}")
        return 1
    except ValueError:  # closed by the command itself
        pass
    return 0


def _drop_stdout() -> None:
    """Discard what stdout still buffers (it cannot be written) so that no later flush fails."""
    try:
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass


def _known_error(exc: BaseException) -> tuple[str, int] | None:
    """``(one-line message, exit status)`` for the errors bad input, a busy run dir or a full
    disk raise; None for anything else (a bug: the traceback is kept for it)."""
    from hanzipad.bundle import BundleError
    from hanzipad.fileio import WriteError
    from hanzipad.lexicon import LexiconError
    from trainer.runlock import RunDirLocked

    if isinstance(exc, RunDirLocked):
        return str(exc), 1
    if isinstance(exc, WriteError):  # a full disk: "writing /x/y: No space left on device"
        return str(exc), 1
    if isinstance(exc, OSError):
        if exc.filename is not None and exc.strerror:
            return f"{exc.filename}: {exc.strerror}", EXIT_USAGE
        return str(exc.strerror or exc), EXIT_USAGE
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read", EXIT_USAGE
    if isinstance(exc, MemoryError):
        return "out of memory (the input is too large)", 1
    if isinstance(exc, (ValueError, BundleError, LexiconError, OverflowError)):
        return str(exc) or type(exc).__name__, EXIT_USAGE
    return None


# Options more than one command takes, as parent parsers (argparse lists a parent's options
# first, so each is a parent only where its options lead, keeping every --help as it was).

def _config_options() -> argparse.ArgumentParser:
    """--config and --set (train)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--config", metavar="FILE", help="TOML config file (flags override it)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any config setting (repeatable), e.g. --set lr=1e-3")
    return p


def _data_option(what: str, out: str, out_metavar: str) -> argparse.ArgumentParser:
    """--data KIND:PATH… (required) and --out, ``what`` and ``out``: their help."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--data", nargs="+", required=True, metavar="KIND:PATH", help=what)
    p.add_argument("--out", required=True, metavar=out_metavar, help=out)
    return p


def _workers_option(p: argparse.ArgumentParser, doing: str) -> None:
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                   help=f"processes {doing} in parallel (default: one per CPU)")


def _seed_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, help="seed for synthetic sources (default 0)")


def _model_data_options(model_metavar: str, model: str, data: str) -> argparse.ArgumentParser:
    """--model (required) and --data KIND:PATH… (required): evaluate, prototypes."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--model", required=True, metavar=model_metavar, help=model)
    p.add_argument("--data", nargs="+", required=True, metavar="KIND:PATH", help=data)
    return p


def _train_options() -> argparse.ArgumentParser:
    """train's own options (before the config options it shares the parser with)."""
    t = argparse.ArgumentParser(add_help=False)
    t.add_argument("--train", nargs="+", metavar="KIND:PATH", help="training data")
    t.add_argument("--val", nargs="+", metavar="KIND:PATH", help="validation data (not augmented)")
    t.add_argument("--run-dir", metavar="DIR", required=True, help="checkpoints, logs, config")
    t.add_argument("--max-steps", type=int, metavar="N",
                   help="train until the optimizer has taken N steps in all (default 2000)")
    t.add_argument("--init-from", metavar="RUN_DIR_OR_KERAS",
                   help="fine-tune: start a new run from these weights (best.keras of a run dir, "
                        "or a .keras file) with a fresh optimizer and schedule")
    t.add_argument("--prune", action="store_true", default=None,
                   help="with --init-from a wider compact network (run dir, .keras or bundle): "
                        "start this run's narrower one (--width) from its strongest channels")
    t.add_argument("--batch-size", type=int, metavar="B",
                   help="images per step, over all devices (default 128)")
    t.add_argument("--checkpoint-every", type=int, metavar="N",
                   help="save latest.keras every N steps (default 500; 0: only at the end)")
    t.add_argument("--val-every", type=int, metavar="N",
                   help="validate every N steps, keeping best.keras (default 500)")
    t.add_argument("--lr", type=float, metavar="LR",
                   help="peak learning rate after warm-up (default 2e-3; a positive number)")
    t.add_argument("--arch", choices=("compact", "residual"),
                   help="network: compact (default, VGG-style) or residual (compact + a "
                        "bottleneck block at 8x8; --init-from a compact net of its width grows "
                        "into it)")
    t.add_argument("--width", type=float, help="channel multiplier of the compact net")
    t.add_argument("--classes", metavar="CHARS", help="train on these characters only")
    t.add_argument("--classes-file", metavar="FILE", help="train on the characters in FILE")
    t.add_argument("--seed", type=int, help="random seed for data order, augmentation and weights")
    t.add_argument("--input", choices=("tfdata", "numpy"),
                   help="tf.data pipeline (default) or a Keras PyDataset (no TensorFlow needed)")
    t.add_argument("--no-augment", dest="augment", action="store_false", default=None,
                   help="train on the images as they are (no rotation, shear, distortion…)")
    t.add_argument("--mixed-precision", choices=("auto", "on", "off"),
                   help="bfloat16 mixed precision (auto: on where a GPU is present)")
    t.add_argument("--jit-compile", choices=("auto", "on", "off"),
                   help="XLA compilation of the training step (auto: on where a GPU is present)")
    t.add_argument("--strategy", choices=("default", "mirrored", "multiworker"),
                   help="one device (default), all local GPUs (mirrored), or several machines "
                        "(multiworker, from TF_CONFIG)")
    return t


def build_parser() -> argparse.ArgumentParser:
    """The parser; each command's handler is its ``func`` (``set_defaults``), called with
    ``(args, argv)`` by :func:`_dispatch`."""
    parser = argparse.ArgumentParser(
        prog="hanzipad-train",
        description="Train, evaluate and export HanziPad's handwriting model. "
        "Data are given as KIND:PATH (gnt, pot, pngdir, strokes, font, shards, ink, inkpack).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    t = sub.add_parser("train", help="train (or resume) a model in a run dir",
                       description="Train a model; run again on the same --run-dir to resume.",
                       parents=[_train_options(), _config_options()])
    t.set_defaults(func=_train)

    e = sub.add_parser("evaluate", help="accuracy of a bundle or run dir on data", parents=[
        _model_data_options("BUNDLE_OR_RUN_DIR", "a model bundle (run as the app runs it) or a "
                            "run dir (its checkpoint)", "labelled data to evaluate on")])
    e.add_argument("--json", action="store_true", help="last line: one JSON object of figures")
    e.add_argument("--limit", type=int, metavar="N", help="evaluate the first N samples only")
    e.add_argument("--checkpoint", choices=("best", "latest"), default="best",
                   help="which checkpoint of a run dir (default best, else latest)")
    e.add_argument("--batch-size", type=int, default=256, metavar="B",
                   help="images per inference batch (default 256)")
    e.add_argument("--seed", type=int, default=12345, help="seed for synthetic sources")
    e.add_argument("--record", action="store_true",
                   help="store the figures with the model: in a bundle's model.json "
                        "(\"evaluation\"), or a run dir's figures.json (always done for run dirs)")
    e.set_defaults(func=_evaluate)

    x = sub.add_parser("export", help="write the app's model bundle from a run dir")
    x.add_argument("--run-dir", required=True, metavar="DIR", help="the trained run dir")
    x.add_argument("--out", required=True, metavar="BUNDLE_DIR",
                   help="the bundle folder to write (new, empty, or an earlier bundle)")
    x.add_argument("--quantize", choices=("float16", "int8"),
                   help="store the weights as float16 or int8 (default float32)")
    x.add_argument("--checkpoint", choices=("best", "latest"), default="best",
                   help="best (default, when the run validated) or latest")
    x.add_argument("--name", help="model name in model.json (default: the run dir's name)")
    x.add_argument("--check-samples", type=int, default=512, metavar="N",
                   help="images used to check the exported model agrees (default 512)")
    x.add_argument("--data", nargs="+", metavar="KIND:PATH",
                   help="images for the agreement check (default: the run's val, else train data)")
    x.set_defaults(func=_export)

    r = sub.add_parser("predict", help="top-3 characters per image or ink file")
    r.add_argument("files", nargs="+", metavar="IMAGE",
                   help="image or ink files to classify")
    r.add_argument("--model", metavar="BUNDLE_OR_RUN_DIR", help="default: the app's bundled model")
    r.add_argument("--top", type=int, default=3, metavar="K",
                   help="candidates per input (default 3)")
    r.add_argument("--json", action="store_true", help="one JSON object per line")
    r.set_defaults(func=_predict)

    from trainer.shards import DEFAULT_SHARD_SIZE  # light: numpy, no TensorFlow

    pr = sub.add_parser("prepare", help="convert data once into compact uint8 shards", parents=[
        _data_option("data to convert", "a new folder for the shards (use it as shards:DIR)",
                     "DIR")])
    _workers_option(pr, "converting")
    pr.add_argument("--shard-size", type=int, default=DEFAULT_SHARD_SIZE, metavar="N",
                    help=f"images per shard file (default {DEFAULT_SHARD_SIZE})")
    _seed_option(pr)
    pr.set_defaults(func=_prepare)

    pk = sub.add_parser("pack", help="pack pen traces into one compact, checked file (inkpack:FILE)",
                        description="Simplify and delta-code the ink of pot:, ink:, strokes: or "
                        "inkpack: data into one checked file (CASIA: 125 bytes a character; 80 "
                        "with --levels 100 --tolerance 2). Read it as inkpack:FILE; render it "
                        "on many cores with prepare --data inkpack:FILE --workers N.", parents=[
                            _data_option("ink to pack (pot, ink, strokes or inkpack, with their "
                                         "?options)", "the pack to write (a new file, e.g. "
                                         "casia-trn.inkpack)", "FILE")])
    _workers_option(pk, "packing")
    pk.add_argument("--tolerance", type=float, default=1.0, metavar="T",
                    help="stroke simplification tolerance in 255ths of the character's longer "
                         "side (default 1.0; 0 keeps every point)")
    pk.add_argument("--levels", type=int, default=0, metavar="L",
                    help="0 (default): integer pen coordinates kept as they are, other ink in "
                         "255 steps; L: every character rescaled to L steps (2..255)")
    _seed_option(pk)
    pk.add_argument("--compress", choices=("none", "xz"), default="none",
                    help="store each block xz-compressed (about 23 %% smaller; a version-2 pack "
                         "that older trainers refuse); default none")
    pk.set_defaults(func=_pack)

    av = sub.add_parser("average", help="one model from the mean weights of several checkpoints",
                        description="Average the weights of checkpoints of one lineage (the ends of "
                        "fine-tuning stages, snapshots of one run) into a new run dir; evaluate "
                        "and export it like any other.")
    av.add_argument("--from", dest="members", nargs="+", required=True, metavar="RUN_DIR_OR_KERAS",
                    help="the checkpoints (a run dir: its best.keras; a .keras file; or a model "
                         "bundle, rebuilt from its .tflite), two or more, at least one a run dir; "
                         "with --recalibrate one run dir is enough; a compact one grows into "
                         "the residual network of another (its fine-tune), repeat one "
                         "to weight it")
    av.add_argument("--calibrate", nargs="+", metavar="DATA",
                    help="data whose images set a bundle member's batch-norm statistics "
                         "(default: the first run dir's training data)")
    av.add_argument("--recalibrate", nargs="+", metavar="DATA",
                    help="measure the mean's batch-norm statistics again on clean images of this "
                         "data (as SWA does; e.g. the real writers' training shards)")
    av.add_argument("--recalibrate-images", type=int, default=2048, metavar="N",
                    help="how many images --recalibrate reads, spread over its shards "
                         "(default 2048)")
    av.add_argument("--out", required=True, metavar="RUN_DIR",
                    help="the run dir to write (new, or an empty folder)")
    av.set_defaults(func=_average)

    pt = sub.add_parser("prototypes", help="make a bundle able to adapt to its writer",
                        description="Add the feature output and the class prototypes (mean "
                        "feature of each class over --data) that writer adaptation needs to a "
                        "model bundle; its predictions stay the same.", parents=[
                            _model_data_options("DIR", "the model bundle", "writer-independent "
                                                "data, e.g. the training writers")])
    pt.add_argument("--out", metavar="DIR", help="write the bundle here (default: in place)")
    pt.add_argument("--every", type=int, default=1, metavar="N",
                    help="use every N-th sample of the data (default 1: all)")
    pt.add_argument("--limit", type=int, metavar="N", help="stop after N images")
    pt.set_defaults(func=_prototypes)
    return parser


def _train(args, argv) -> int:
    from trainer.config import ConfigError, resolve
    from trainer.rundir import CONFIG, LATEST, CheckpointError, stored_config
    from trainer.runlock import RunDirLocked
    from trainer.sources import SourceError
    from trainer.train import train

    overrides = {
        k: getattr(args, k)
        for k in ("train", "val", "max_steps", "batch_size", "checkpoint_every", "val_every", "lr",
                  "arch", "width", "classes", "classes_file", "seed", "input", "augment",
                  "mixed_precision", "jit_compile", "strategy", "init_from", "prune")
    }
    overrides["run_dir"] = args.run_dir
    try:
        stored = stored_config(args.run_dir)
        where = os.path.join(args.run_dir, CONFIG)
        cfg = resolve(args.config, overrides, args.set, base=stored, base_where=where)
        if stored:
            _report_stored(stored, cfg, where, os.path.exists(os.path.join(args.run_dir, LATEST)))
        if not cfg.train:
            raise ConfigError("no training data: give --train KIND:PATH (or train = [...] in --config)")
        return train(cfg, ["hanzipad-train"] + argv)
    except (ConfigError, SourceError) as exc:
        _err(str(exc))
        return EXIT_USAGE
    except CheckpointError as exc:  # e.g. a full disk: a failure, the last checkpoint is intact
        _err(str(exc))
        return 1
    except RunDirLocked as exc:  # another training (or average) is writing there
        _err(str(exc))
        return 1


def _report_stored(stored: dict, cfg, where: str, has_checkpoint: bool) -> None:
    """Say what a run dir's stored config contributes to this run: the settings kept from it
    (where they differ from the defaults) and those this command changes. A retry after a
    failed run otherwise inherits its settings without a word."""
    from trainer.config import Config

    defaults, final = Config().to_dict(), cfg.to_dict()

    def show(v):
        return ",".join(v) if isinstance(v, list) else str(v)

    kept, changed = [], []
    for key, value in stored.items():
        if key == "run_dir" or key not in final:
            continue
        if value == final[key]:
            if value != defaults[key]:
                kept.append(f"{key}={show(value)}")
        else:
            changed.append(f"{key} {show(value)} -> {show(final[key])}")
    state = ("its checkpoint is resumed" if has_checkpoint else
             "the earlier run saved no checkpoint: this one starts at step 0")
    print(f"using the stored config of this run dir ({where}; {state}):\n"
          f"  kept from it: {', '.join(kept) or 'nothing but defaults'}\n"
          f"  changed by this command: {', '.join(changed) or 'nothing'}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run one command; every error bad input, a busy run dir, a full disk or a closed pipe
    can cause ends as one line ``hanzipad-train: error: …`` and exit 1 or 2 (a closed pipe:
    141, silently); only a bug shows a traceback (see :func:`entry`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc = _dispatch(args, argv)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:  # the reader went away (`| head -1`): stop quietly
        fileio.silence_closed_pipe()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - known errors become one line, others re-raised
        known = _known_error(exc)
        if known is None:
            raise
        message, rc = known
        if message:
            _err(message)
        return rc
    flushed = _flush_stdout()
    return flushed or rc


def _dispatch(args, argv: list[str]) -> int:
    return args.func(args, argv)


# Each command's handler, ``(args, argv) -> exit status``; the modules are imported when the
# command runs (TensorFlow and Keras only for the commands that need them).

def _evaluate(args, argv) -> int:
    from trainer.evaluate import evaluate_main

    return evaluate_main(args)


def _export(args, argv) -> int:
    from trainer.export import export_main

    return export_main(args)


def _predict(args, argv) -> int:
    from trainer.predict import predict_main

    return predict_main(args)


def _pack(args, argv) -> int:
    from trainer.pack import pack_main

    return pack_main(args, argv)


def _average(args, argv) -> int:
    from trainer.average import average_main

    return average_main(args, argv)


def _prototypes(args, argv) -> int:
    from trainer.prototypes import prototypes_main

    return prototypes_main(args, argv)


def entry() -> None:
    """The ``hanzipad-train`` console script: :func:`main`, then leave without interpreter
    teardown. By then every checkpoint, state file and log is written and closed, while
    TensorFlow's generator-backed tf.data threads can deadlock against the interpreter's
    finalization (tensorflow#22632: "hangs on exit"), leaving a finished run that never exits."""
    _standard_streams()
    sys.stdout = _GuardedStdout(sys.stdout)
    try:
        rc = main()
    except SystemExit as exc:  # argparse: --help, usage errors
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
        if not isinstance(exc.code, (int, type(None))):
            _err(str(exc.code))
    except BaseException as exc:  # noqa: BLE001 - unexpected: traceback, then leave the same way
        import traceback

        traceback.print_exc()
        _err(f"unexpected {type(exc).__name__} (traceback above)")
        rc = 1
    rc = _flush_stdout() or rc
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(rc)


def _prepare(args, argv) -> int:
    from trainer.shards import prepare_main

    result = prepare_main(args.data, args.out, args.workers, args.shard_size, args.seed)
    return int(result or 0)


def command_line(argv: list[str]) -> str:
    return shlex.join(argv)


if __name__ == "__main__":  # pragma: no cover
    entry()
