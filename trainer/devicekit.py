"""Slim copies of the training data's inputs for a borrowed GPU machine's small working tree.

``resources/train/make-device-kit`` builds a folder that travels to the GPU machine beside
the repository (64 MiB in all), and ``resources/train/device-train`` renders and trains from
it there. Two inputs are far larger than what training reads from them:

- the hanzi-writer-data tarball (13 MB: SVG outlines of 9,000 characters), of which the
  synthetic writers read only the ``medians`` and ``radStrokes`` of the 3755 classes:
  :func:`slim_stroke_data` writes those (with the package's ``package.json``, licence and
  readme) as a tarball of the same layout, read by ``strokes:`` like the original;
- the training fonts (12-27 MB a collection), of which the font source renders only the
  3755 classes: :func:`subset_font` keeps one face's glyphs of those characters and its name
  table (family, version, licence, which ``model.json`` lists), without hinting;
- a run to fine-tune from (18.6 MB checkpoints with the optimizer's state): :func:`init_run`
  keeps the inference network's weights (6 MB) and the record of the run's data.

Usage (what the kit script runs)::

    python -m trainer.devicekit slim-strokes SRC.tgz OUT.tgz
    python -m trainer.devicekit subset-font FONT[?index=N] OUT
    python -m trainer.devicekit init-run RUN_DIR OUT_DIR
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import shutil
import sys
import tarfile
from pathlib import Path

from hanzipad.fileio import loads_bounded
from hanzipad.labels import gb2312_level1
from trainer.strokedata import LoadReport, StrokeDataError, iter_char_objects

#: Files of the npm package kept as they are (the licence must travel with the data).
KEPT_FILES = ("package.json", "ARPHICPL.TXT", "README.md")


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(f"package/{name}")
    info.size = len(data)
    info.mtime = 0  # the same bytes for the same data
    tar.addfile(info, io.BytesIO(data))


def _package_files(src: Path) -> dict[str, bytes]:
    """The package's own files (KEPT_FILES) from a tarball or folder."""
    out: dict[str, bytes] = {}
    if src.is_dir():
        base = src / "package" if (src / "package").is_dir() else src
        for name in KEPT_FILES:
            if (base / name).is_file():
                out[name] = (base / name).read_bytes()
        return out
    try:
        with tarfile.open(src, "r:*") as tar:
            for member in tar:
                name = member.name.rsplit("/", 1)[-1]
                if name in KEPT_FILES and member.name.count("/") <= 1 and member.isfile():
                    f = tar.extractfile(member)
                    out[name] = f.read() if f else b""
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise StrokeDataError(f"{src}: corrupt or truncated tarball ({exc})") from None
    return out


def slim_stroke_data(src, out, chars=None) -> dict:
    """Write ``out`` (a .tgz) holding ``medians`` and ``radStrokes`` of ``chars`` (default:
    the 3755 classes) from the hanzi-writer-data package ``src`` (tarball or folder), plus its
    package.json, licence and readme. Characters whose file is broken are left out and
    counted. Returns ``{"characters", "skipped", "errors", "bytes"}``."""
    src, out = Path(src), Path(out)
    wanted = list(chars) if chars is not None else list(gb2312_level1())
    files = _package_files(src)
    if "package.json" not in files:
        raise StrokeDataError(f"{src}: no package.json (not the hanzi-writer-data package)")
    try:
        meta = loads_bounded(files["package.json"].decode("utf-8"), max_depth=32,
                             what=f"{src}: package.json")
    except ValueError as exc:
        raise StrokeDataError(str(exc)) from None
    if not isinstance(meta, dict):
        raise StrokeDataError(f"{src}: package.json is not a JSON object")
    meta["hanzipad_slim"] = (f"medians and radStrokes of {len(wanted)} characters only "
                             "(trainer/devicekit.py)")
    files["package.json"] = json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8")
    report = LoadReport()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        # gzip without name or time in its header: the same bytes for the same data
        with open(tmp, "wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for name in KEPT_FILES:
                if name in files:
                    _add(tar, name, files[name])
            for char, obj in iter_char_objects(src, wanted, report):
                slim = {"medians": obj["medians"], "radStrokes": obj.get("radStrokes") or []}
                _add(tar, f"{char}.json",
                     json.dumps(slim, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"characters": report.loaded, "skipped": report.skipped, "errors": report.errors,
            "bytes": out.stat().st_size}


def subset_font(path, out, *, index: int = 0, chars=None) -> dict:
    """Write face ``index`` of the font ``path`` reduced to ``chars`` (default: the 3755
    classes) to ``out``: outlines of those characters, the full name table, no hinting.
    Returns ``{"glyphs", "bytes", "family"}``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont, TTLibError

    wanted = "".join(chars) if chars is not None else "".join(gb2312_level1())
    options = subset.Options()
    options.name_IDs = ["*"]  # family, version, licence: model.json lists them
    options.name_languages = ["*"]
    options.hinting = False
    options.layout_features = []
    options.notdef_outline = True
    try:
        font = TTFont(str(path), fontNumber=index, lazy=False)
    except (TTLibError, OSError, IndexError, AssertionError) as exc:
        raise ValueError(f"{path}: cannot read face {index} of the font ({exc})") from None
    sub = subset.Subsetter(options)
    sub.populate(text=wanted)
    sub.subset(font)
    cmap = font.getBestCmap() or {}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    name = font["name"]
    family = (name.getDebugName(16) or name.getDebugName(1) or "").strip()
    return {"glyphs": sum(1 for c in wanted if ord(c) in cmap), "bytes": out.stat().st_size,
            "family": family}


def init_run(source, out) -> dict:
    """A small run dir ``out`` to fine-tune from (``train --init-from OUT``): the inference
    network of ``source`` (a run dir: its best.keras, else latest.keras) as ``best.keras``,
    without the optimizer's state (a third of the checkpoint's size), and the run's
    config.json, command.json and the state.json keys that record its lineage (steps, data
    sources, what it started from or averaged), so that the fine-tuned model's ``model.json``
    still lists every source. Returns ``{"from", "bytes", "parameters"}``."""
    import keras

    from trainer import model as M
    from trainer.rundir import (
        BEST,
        COMMANDS,
        CONFIG,
        LATEST,
        RESUME_HINT,
        STATE,
        load_checkpoint,
        read_json,
    )

    src = Path(source)
    if not src.is_dir():
        raise ValueError(f"{src}: not a run dir (init-run takes the run dir of the network to "
                         "fine-tune: its checkpoint and the record of its data)")
    path = next((src / n for n in (BEST, LATEST) if (src / n).exists()), src / BEST)
    core = M.core_of(load_checkpoint(path, RESUME_HINT, compile=False))
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        keras.saving.save_model(core, tmp / BEST)
        state = read_json(src / STATE, {}) if (src / STATE).exists() else {}
        keep = {k: state[k] for k in ("step", "best_step", "images_seen", "wall_time_s",
                                      "sources", "init_from", "averaged_from", "recalibrated")
                if k in state}
        (tmp / STATE).write_text(json.dumps(keep, ensure_ascii=False), encoding="utf-8")
        for name in (CONFIG, COMMANDS):
            if (src / name).exists():
                (tmp / name).write_bytes((src / name).read_bytes())
        if out.exists():
            raise ValueError(f"{out}: exists; choose a new folder")
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"from": str(path), "bytes": sum(f.stat().st_size for f in out.iterdir()),
            "parameters": core.count_params()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m trainer.devicekit", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("slim-strokes", help="medians of the 3755 classes from hanzi-writer-data")
    s.add_argument("src")
    s.add_argument("out")
    f = sub.add_parser("subset-font", help="one face of a font reduced to the 3755 classes")
    f.add_argument("font", help="FONT or FONT?index=N (a face of a .ttc)")
    f.add_argument("out")
    c = sub.add_parser("init-run", help="a run's network and lineage alone, for --init-from")
    c.add_argument("source", help="the run dir to fine-tune from")
    c.add_argument("out", help="the new, small run dir")
    args = p.parse_args(argv)
    try:
        if args.command == "slim-strokes":
            r = slim_stroke_data(args.src, args.out)
            print(f"slim-strokes: {r['characters']} characters, {r['skipped']} skipped, "
                  f"{r['bytes']} bytes -> {args.out}", file=sys.stderr)
            for e in r["errors"][:10]:
                print(f"slim-strokes: {e}", file=sys.stderr)
            return 0 if r["characters"] else 1
        if args.command == "init-run":
            r = init_run(args.source, args.out)
            print(f"init-run: {r['parameters']} parameters from {r['from']}, "
                  f"{r['bytes']} bytes -> {args.out}", file=sys.stderr)
            return 0
        path, _, query = args.font.partition("?")
        index = int(query.split("=", 1)[1]) if query.startswith("index=") else 0
        r = subset_font(path, args.out, index=index)
        print(f"subset-font: {r['family'] or path} face {index}: {r['glyphs']} of the classes, "
              f"{r['bytes']} bytes -> {args.out}", file=sys.stderr)
        return 0 if r["glyphs"] else 1
    except (StrokeDataError, ValueError, OSError) as exc:  # RunDirError is a ValueError
        print(f"devicekit: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
