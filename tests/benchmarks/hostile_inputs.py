"""Hostile inputs, tried as a hostile user would: does every command refuse them in one line,
quickly, within a memory limit, without losing a file of the user's?

    .venv/bin/python tests/benchmarks/hostile_inputs.py [--only SUBSTRING] [--timeout 120]
        [--memory-gb 8] [--keep DIR]

Builds each input in a temporary folder (issue 35's findings and a few more), runs the command
line on it (``hanzipad-train`` as its console script runs, ``hanzipad classify``, or a short
``python -c`` for what only the GUI reads) in a child process with a wall-clock timeout and an
address-space limit (``RLIMIT_AS``), and prints one row per case:

    input | command | outcome | rc | seconds | first line of stderr

Outcomes: ``ok-refused`` (refused in one line, or handled as it should: the check of the case
passed), ``ok`` (a valid input that must work and did), ``hang`` (timeout), ``crash`` (killed by
a signal or out of memory), ``traceback`` (a Python traceback instead of one line), ``wrong``
(none of these, but the case's check failed: a user file deleted, rc 0 for a NaN model…). The
counts close the table; the exit status is 1 when any case is not ok. Needs TensorFlow/Keras for
the training cases (they are skipped, and counted, without them).
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.trainer.sources.packdata import write_pots  # noqa: E402
from tests.trainer.tinydata import CHARS, write_gnt  # noqa: E402

PY = sys.executable
TF_LOG = ("I0000", "W0000", "E0000", "WARNING: All log messages")  # TensorFlow's C++ logging
TRAIN = [PY, "-m", "trainer.cli"]  # runs trainer.cli.entry(), as the console script does
APP = [PY, "-m", "hanzipad"]


@dataclass
class Case:
    name: str  # the input
    command: list[str] | str  # argv, or a bash command line
    check: Callable[[subprocess.CompletedProcess, Path], bool]  # True: handled as it should
    valid: bool = False  # a valid input that must work ("ok") rather than be refused
    needs_keras: bool = False
    needs_mount: str = ""  # a tmpfs of build()'s (mounting needs root)


def one_line_refusal(rc_ok=(1, 2), needle: str = "") -> Callable:
    """Refused: exit status in ``rc_ok``, one ``error:`` line, ``needle`` in it."""
    def check(r, _):
        err = [ln for ln in r.stderr.splitlines() if "error:" in ln]
        return r.returncode in rc_ok and len(err) == 1 and needle in err[0]
    return check


# -- building the inputs ---------------------------------------------------------------------

def build(tmp: Path) -> dict:
    """Every hostile input, in ``tmp``; returns their paths by name."""
    p: dict[str, Path] = {}
    p["gnt"] = write_gnt(tmp / "gnt", per_char=2, seed=0, files=1)
    p["pots"] = write_pots(tmp / "pots", writers=(1001,), per_writer=6)
    png = tmp / "png"
    (png / "人").mkdir(parents=True)
    from PIL import Image, ImageDraw

    im = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(im).line([(10, 32), (54, 32)], fill=0, width=4)
    im.save(png / "人" / "a.png")
    p["image"] = png / "人" / "a.png"
    fifo_png = tmp / "fifo-png"
    shutil.copytree(png, fifo_png)
    os.mkfifo(fifo_png / "人" / "pipe.png")
    p["fifo_pngdir"] = fifo_png
    os.mkfifo(tmp / "fifo.png")
    p["fifo_png"] = tmp / "fifo.png"
    gnt_fifo = tmp / "gnt-fifo"
    shutil.copytree(p["gnt"], gnt_fifo)
    os.mkfifo(gnt_fifo / "stuck.gnt")
    p["gnt_fifo"] = gnt_fifo

    # prepare --out: a folder of the user's with files named like shards
    mine = tmp / "mine"
    mine.mkdir()
    for name in ("s01-my-experiment.npy", "s99-backup.npy.bak", "notes.txt"):
        (mine / name).write_text("the user's own " + name)
    p["mine"] = mine

    # model bundles: the shipped one, then damaged copies
    bundle = ROOT / "resources" / "model"
    meta = json.loads((bundle / "model.json").read_text(encoding="utf-8"))
    p["meta"] = meta

    def copy(name, text=None, **changes):
        out = tmp / name
        out.mkdir()
        for f in ("model.tflite", "labels.txt"):
            shutil.copy(bundle / f, out / f)
        (out / "model.json").write_text(text if text is not None else
                                        json.dumps({**meta, **changes}), encoding="utf-8")
        p[name] = out
        return out

    init = {"a0": ["lol" * 4] * 10}
    for i in range(1, 40):
        init[f"a{i}"] = [{"$ref": f"#/init_from/a{i - 1}"} for _ in range(10)]
    copy("ref_bomb", init_from=init)
    copy("ref_cycle", init_from={"x": {"$ref": "#/init_from"}})
    deep = json.dumps({**meta, "x": None}).replace('"x": null', '"x": ' + "[" * 100_000
                                                     + "]" * 100_000)
    copy("deep_meta", deep)
    unit = "[" * 250 + "]" * 250
    copy("many_deep", json.dumps({**meta, "x": None}).replace(
        '"x": null', '"x": [' + ",".join([unit] * 30_000) + "]"))  # 15 MB
    copy("huge_classes", classes=10**30)
    copy("digits_400", deep.replace("[" * 100_000 + "]" * 100_000, "1" * 400))
    copy("float_1e999", json.dumps({**meta, "x": 1}).replace('"x": 1', '"x": 1e999'))
    fifo_bundle = copy("fifo_labels")
    (fifo_bundle / "labels.txt").unlink()
    os.mkfifo(fifo_bundle / "labels.txt")

    # ink packs: a forged xz block that says (or really does) inflate far past its size
    from trainer.sources.inkpack_format import PackWriter

    bomb = lzma.compress(b"\0" * (64 << 20), format=lzma.FORMAT_XZ)
    for name, declared in (("xz_bomb_declared", 6_000_000_000), ("xz_bomb_real", 64 << 20)):
        w = PackWriter(tmp / f"{name}.inkpack", CHARS, [], compress="xz")
        w.add_block(b"x", 1, stored=bomb)
        w.blocks[-1]["raw_bytes"] = declared
        w.close()
        p[name] = tmp / f"{name}.inkpack"

    # lexicon folders (what the app reads for context and the About box)
    lex = ROOT / "resources" / "lexicon"
    for name in ("lex_zero", "lex_fifo", "lex_digits", "lex_deep_sources"):
        d = tmp / name
        d.mkdir()
        shutil.copy(lex / "sources.json", d / "sources.json")
        p[name] = d
    (p["lex_zero"] / "words.tsv").symlink_to("/dev/zero")
    os.mkfifo(p["lex_fifo"] / "words.tsv")
    lines = (lex / "words.tsv").read_text(encoding="utf-8").split("\n")
    lines[7] = lines[7].split("\t")[0] + "\t" + "7" * 5000
    (p["lex_digits"] / "words.tsv").write_text("\n".join(lines), encoding="utf-8")
    (p["lex_deep_sources"] / "sources.json").write_text("[" * 200_000 + "]" * 200_000)

    # ink JSON nested deeply; a shards folder whose index.json is deep
    (tmp / "deep-ink.json").write_text('{"strokes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    p["deep_ink"] = tmp / "deep-ink.json"
    shards = tmp / "deep-shards"
    shards.mkdir()
    (shards / "index.json").write_text("[" * 100_000 + "]" * 100_000)
    p["deep_shards"] = shards
    # stroke data: a .tgz whose character member inflates to 64 MB; a shard header asking for
    # 10**12 labels; a FIFO named like a .zip of .gnt files
    import io
    import tarfile

    with tarfile.open(tmp / "bomb-strokes.tgz", "w:gz") as tar:
        for name, data in (("package/package.json", b'{"name": "hanzi-writer-data"}'),
                           ("package/\u4eba.json", b"{" + b" " * (64 << 20) + b"}")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    p["bomb_strokes"] = tmp / "bomb-strokes.tgz"
    import numpy as np
    from numpy.lib import format as npformat

    from trainer.shards import write_shards

    index = write_shards([(np.zeros((64, 64), np.uint8), 0)] * 3, tmp / "huge-header")
    with open(tmp / "huge-header" / index["shards"][0]["labels"], "wb") as f:
        npformat.write_array_header_1_0(f, {"descr": "<i2", "fortran_order": False,
                                            "shape": (10**12,)})
        f.write(b"\0" * 6)
    p["huge_header"] = tmp / "huge-header"
    zips = tmp / "zip-fifo"
    zips.mkdir()
    os.mkfifo(zips / "casia.zip")
    p["zip_fifo"] = zips
    (tmp / "deep.toml").write_text("lr = " + "[" * 100_000 + "]" * 100_000 + "\n")
    p["deep_toml"] = tmp / "deep.toml"
    os.mkfifo(tmp / "fifo.toml")
    p["fifo_toml"] = tmp / "fifo.toml"
    (tmp / "classes-zero.txt").symlink_to("/dev/zero")
    p["classes_zero"] = tmp / "classes-zero.txt"
    os.mkfifo(tmp / "strokes.tgz")
    p["fifo_tgz"] = tmp / "strokes.tgz"

    # full disks: small tmpfs mounts (root only; the cases are skipped elsewhere)
    p["big_gnt"] = write_gnt(tmp / "big-gnt", per_char=40, seed=1, files=1)  # 800 KB rendered
    p["big_pots"] = write_pots(tmp / "big-pots", writers=(1001,), per_writer=300)
    for name, size in (("full_prepare", "256k"), ("full_pack", "16k"), ("full_export", "64k")):
        mount = tmp / name
        mount.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(mount)], capture_output=True)
        if done.returncode == 0:
            p[name] = mount
    return p


def unmount(p: dict) -> None:
    for name in ("full_prepare", "full_pack", "full_export"):
        if name in p:
            subprocess.run(["umount", str(p[name])], capture_output=True)


def build_runs(tmp: Path, p: dict) -> None:
    """Run dirs (needs Keras): a good untrained one, one with NaN weights, one with a damaged
    state.json (a 400-digit step)."""
    import numpy as np

    from trainer import model as M
    from trainer.config import Config

    for name, nan in (("run_good", False), ("run_nan", True), ("run_digits", False)):
        run = tmp / name
        run.mkdir()
        cfg = Config(train=[f"gnt:{p['gnt']}"], classes=CHARS, width=0.25, batch_size=4,
                     max_steps=400, run_dir=str(run), val_every=10_000, checkpoint_every=0)
        (run / "config.json").write_text(cfg.dump())
        core = M.build_model(cfg.arch, len(CHARS), cfg.width, cfg.dropout)
        if nan:
            w = core.weights[0]
            w.assign(np.full(tuple(w.shape), np.nan, np.float32))
        core.save(run / "best.keras")
        p[name] = run
    (p["run_digits"] / "latest.keras").write_bytes((p["run_digits"] / "best.keras").read_bytes())
    (p["run_digits"] / "state.json").write_text('{"step": ' + "9" * 400 + "}")


# -- the cases -------------------------------------------------------------------------------

def cases(tmp: Path, p: dict) -> list[Case]:
    t = TRAIN
    gnt = f"gnt:{p['gnt']}"
    tiny = ["--classes", CHARS, "--width", "0.25", "--batch-size", "4", "--max-steps", "2",
            "--set", "warmup_steps=1"]
    # --init-from the shipped bundle's copies: its network and classes (rebuilt from the .tflite)
    as_bundle = ["--arch", str(p["meta"].get("arch", "compact")), "--width",
                 str(p["meta"].get("width", 1.0)), "--batch-size", "4", "--max-steps", "2"]

    def kept_user_files(r, _):
        names = {q.name for q in p["mine"].iterdir()}
        return r.returncode == 0 and {"s01-my-experiment.npy", "s99-backup.npy.bak",
                                      "notes.txt", "index.json"} <= names

    def quiet_141(r, _):
        return r.returncode == 141 and r.stderr == "" and r.stdout.count("\n") == 1

    def py(code: str) -> list[str]:
        return [PY, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); " + code]

    def lex_refused(r, _):
        return r.returncode == 3 and r.stdout.count("\n") == 1 and "Traceback" not in r.stderr

    lex_load = ("from hanzipad.lexicon import Lexicon, LexiconError\n"
                "try: Lexicon.load(sys.argv[1])\n"
                "except LexiconError as e: print(e); sys.exit(3)")
    many = [str(p["image"])] * 3000
    out = [
        Case("prepare --out: a folder with s01-my-experiment.npy, s99-backup.npy.bak",
             t + ["prepare", "--data", gnt, "--out", str(p["mine"]), "--workers", "1"],
             kept_user_files, valid=True),
        Case("model.json: $ref bomb (10**40 parts from 6 KB)",
             t + ["train", "--run-dir", str(tmp / "r-bomb"), "--train", gnt, "--init-from",
                  str(p["ref_bomb"]), *as_bundle],
             one_line_refusal(needle="expand to more than"),
             needs_keras=True),
        Case("model.json: $ref bomb, the About box's credits",
             py("import json; from hanzipad.credits import model_credits; "
                "m = json.load(open(sys.argv[1] + '/model.json')); print(len(model_credits(m)))")
             + [str(p["ref_bomb"])], lambda r, _: r.returncode == 0, valid=True),
        Case("model.json: $ref cycle",
             t + ["train", "--run-dir", str(tmp / "r-cycle"), "--train", gnt, "--init-from",
                  str(p["ref_cycle"]), *as_bundle], one_line_refusal(needle="cycle"),
             needs_keras=True),
        Case("model.json: nested 100,000 deep", t + ["predict", "--model", str(p["deep_meta"]),
                                                     str(p["image"])],
             one_line_refusal(needle="nested deeper")),
        Case("model.json: nested 100,000 deep (evaluate)",
             t + ["evaluate", "--model", str(p["deep_meta"]), "--data", gnt],
             one_line_refusal(needle="nested deeper")),
        Case("model.json: classes=10**30 (--init-from)",
             t + ["train", "--run-dir", str(tmp / "r-classes"), "--train", gnt, "--init-from",
                  str(p["huge_classes"]), *as_bundle],
             one_line_refusal(needle="is not a number of classes"),
             needs_keras=True),
        Case("model.json: 15 MB of 250-deep lists", t + ["predict", "--model",
                                                         str(p["many_deep"]), str(p["image"])],
             one_line_refusal(needle="allowed")),
        Case("model.json: a 400-digit number", t + ["predict", "--model", str(p["digits_400"]),
                                                    str(p["image"])],
             one_line_refusal(needle="40 digits")),
        Case("model.json: 1e999", t + ["predict", "--model", str(p["float_1e999"]),
                                       str(p["image"])], one_line_refusal(needle="too large")),
        Case("bundle: labels.txt is a FIFO", t + ["predict", "--model", str(p["fifo_labels"]),
                                                  str(p["image"])],
             one_line_refusal(needle="FIFO")),
        Case("?writers=1-99999999999999",
             t + ["prepare", "--data", f"pot:{p['pots']}?writers=1-99999999999999", "--out",
                  str(tmp / "w-out"), "--workers", "1"], lambda r, _: r.returncode == 0,
             valid=True),
        Case("?writers= 5,000 digits",
             t + ["prepare", "--data", f"pot:{p['pots']}?writers={'9' * 5000}", "--out",
                  str(tmp / "w2-out")], one_line_refusal(needle="writer list")),
        Case("strokes:?per_char=99999999999",
             t + ["prepare", "--data", f"strokes:{ROOT}/tests/data/hanzi-writer-data-mini"
                  "?per_char=99999999999", "--out", str(tmp / "pc-out")],
             one_line_refusal(needle="at most")),
        Case("inkpack: xz block declaring 6 GB",
             t + ["prepare", "--data", f"inkpack:{p['xz_bomb_declared']}", "--out",
                  str(tmp / "xz1"), "--workers", "1"],
             lambda r, _: "more than a block may" in r.stderr and "Traceback" not in r.stderr),
        Case("inkpack: xz block really inflating 64 MB from 10 KB",
             t + ["prepare", "--data", f"inkpack:{p['xz_bomb_real']}", "--out",
                  str(tmp / "xz2"), "--workers", "1"],
             lambda r, _: "more than a block may" in r.stderr and "Traceback" not in r.stderr),
        Case("words.tsv -> /dev/zero", py(lex_load) + [str(p["lex_zero"])], lex_refused),
        Case("words.tsv is a FIFO", py(lex_load) + [str(p["lex_fifo"])], lex_refused),
        Case("words.tsv: a 5,000-digit count", py(lex_load) + [str(p["lex_digits"])],
             lambda r, _: lex_refused(r, _) and "StopIteration" not in r.stdout
             and "digits" in r.stdout),
        Case("sources.json nested 200,000 deep",
             py("from hanzipad.credits import lexicon_credits\n"
                "from hanzipad.lexicon import LexiconError\n"
                "try: lexicon_credits(sys.argv[1])\n"
                "except LexiconError as e: print(e); sys.exit(3)") + [str(p["lex_deep_sources"])],
             lex_refused),
        Case("pngdir: with a FIFO inside",
             t + ["prepare", "--data", f"pngdir:{p['fifo_pngdir']}", "--out",
                  str(tmp / "fifo-out"), "--workers", "1"],
             lambda r, _: r.returncode == 0 and "1 corrupt" in r.stderr, valid=True),
        Case("gnt: a FIFO named stuck.gnt",
             t + ["prepare", "--data", f"gnt:{p['gnt_fifo']}", "--out", str(tmp / "gf-out"),
                  "--workers", "1"],
             lambda r, _: r.returncode == 0 and "1 corrupt" in r.stderr, valid=True),
        Case("predict fifo.png", t + ["predict", str(p["fifo_png"])],
             one_line_refusal(needle="not a regular file")),
        Case("hanzipad classify fifo.png", APP + ["classify", str(p["fifo_png"])],
             lambda r, _: r.returncode != 0 and "not a regular file" in r.stderr
             and "Traceback" not in r.stderr),
        Case("ink .json nested 100,000 deep", t + ["predict", str(p["deep_ink"])],
             one_line_refusal(needle="deep")),
        Case("shards: index.json nested 100,000 deep",
             t + ["evaluate", "--model", str(ROOT / "resources" / "model"), "--data",
                  f"shards:{p['deep_shards']}"],
             lambda r, _: r.returncode == 2 and "Traceback" not in r.stderr),
        Case("predict … | head -1", " ".join(t + ["predict", *many])
             + " | head -1; exit ${PIPESTATUS[0]}", quiet_141),
        Case("predict > /dev/full", " ".join(t + ["predict", str(p["image"])]) + " > /dev/full",
             one_line_refusal(rc_ok=(1,), needle="writing standard output")),
        Case("predict >&- (stdout closed)", " ".join(t + ["predict", str(p["image"])]) + " >&-",
             lambda r, _: r.returncode == 0 and r.stderr == "", valid=True),
        Case("hanzipad classify … | head -1", " ".join(APP + ["classify", *many])
             + " | head -1; exit ${PIPESTATUS[0]}", quiet_141),
        Case("hanzipad classify > /dev/full",
             " ".join(APP + ["classify", str(p["image"])]) + " > /dev/full",
             lambda r, _: r.returncode == 1 and r.stderr.count("\n") == 1),
        Case("hanzipad classify >&- (stdout closed)",
             " ".join(APP + ["classify", str(p["image"])]) + " >&-",
             lambda r, _: r.returncode in (0, 1) and r.stderr.count("\n") <= 1),
        Case("evaluate a NaN run dir", t + ["evaluate", "--model", "{run_nan}", "--data", gnt],
             one_line_refusal(rc_ok=(1,), needle="not finite"), needs_keras=True),
        Case("average with a NaN member",
             t + ["average", "--from", "{run_good}", "{run_nan}", "--out", str(tmp / "avg")],
             lambda r, _: one_line_refusal(rc_ok=(1,), needle="not finite")(r, _)
             and not (tmp / "avg").exists(), needs_keras=True),
        Case("state.json: a 400-digit step",
             t + ["train", "--run-dir", "{run_digits}", "--train", gnt, *tiny],
             one_line_refusal(needle="40 digits"), needs_keras=True),
        Case("--config: TOML nested 100,000 deep",
             t + ["train", "--config", str(p["deep_toml"]), "--run-dir", str(tmp / "r-toml"),
                  "--train", gnt], one_line_refusal(needle="nested too deeply")),
        Case("--config: a FIFO", t + ["train", "--config", str(p["fifo_toml"]), "--run-dir",
                                      str(tmp / "r-toml2"), "--train", gnt],
             one_line_refusal(needle="FIFO")),
        Case("prepare onto a full disk (256 KB tmpfs)",
             t + ["prepare", "--data", f"gnt:{p['big_gnt']}", "--out",
                  f"{p.get('full_prepare', tmp / 'missing')}/out", "--workers", "1"],
             lambda r, _: one_line_refusal(rc_ok=(1,), needle="No space left on device")(r, _)
             and "writing " in r.stderr and not any(
                 f.is_file() for f in p["full_prepare"].rglob("*")),
             needs_mount="full_prepare"),
        Case("pack onto a full disk (16 KB tmpfs)",
             t + ["pack", "--data", f"pot:{p['big_pots']}", "--out",
                  f"{p.get('full_pack', tmp / 'missing')}/x.inkpack", "--workers", "1"],
             lambda r, _: one_line_refusal(rc_ok=(1,), needle="No space left on device")(r, _)
             and "writing " in r.stderr and not list(p["full_pack"].iterdir()),
             needs_mount="full_pack"),
        Case("export onto a full disk (64 KB tmpfs)",
             t + ["export", "--run-dir", "{run_good}", "--out",
                  f"{p.get('full_export', tmp / 'missing')}/bundle", "--check-samples", "8"],
             lambda r, _: one_line_refusal(rc_ok=(1,), needle="No space left on device")(r, _)
             and "writing " in r.stderr and "bundle/" in r.stderr
             and not list(p["full_export"].iterdir()),
             needs_keras=True, needs_mount="full_export"),
        Case("prepare --shard-size 10**12",
             t + ["prepare", "--data", gnt, "--out", str(tmp / "ss-out"), "--shard-size",
                  str(10**12)], one_line_refusal(needle="shard size")),
        Case("train --batch-size 1000000000",
             t + ["train", "--run-dir", str(tmp / "r-batch"), "--train", gnt, "--classes",
                  CHARS, "--batch-size", "1000000000"], one_line_refusal(needle="at most")),
        Case("train --width 1e30",
             t + ["train", "--run-dir", str(tmp / "r-width"), "--train", gnt, "--classes",
                  CHARS, "--width", "1e30"], one_line_refusal(needle="at most")),
        Case("strokes: a .tgz member inflating to 64 MB",
             t + ["prepare", "--data", f"strokes:{p['bomb_strokes']}", "--out",
                  str(tmp / "sb-out"), "--workers", "1"],
             lambda r, _: "larger than 1,048,576 bytes" in r.stderr
             and "Traceback" not in r.stderr),
        Case("shards: a header declaring 10**12 labels",
             t + ["evaluate", "--model", str(ROOT / "resources" / "model"), "--data",
                  f"shards:{p['huge_header']}"], one_line_refusal(needle="corrupt shard")),
        Case("gnt: a FIFO named casia.zip",
             t + ["prepare", "--data", f"gnt:{p['zip_fifo']}", "--out", str(tmp / "zf-out")],
             one_line_refusal(needle="FIFO")),
        Case("hanzipad classify --model (model.json nested 100,000 deep)",
             APP + ["classify", "--model", str(p["deep_meta"]), str(p["image"])],
             lambda r, _: r.returncode != 0 and "nested deeper" in r.stderr
             and "Traceback" not in r.stderr),
        Case("--classes-file -> /dev/zero",
             t + ["train", "--run-dir", str(tmp / "r-cz"), "--train", gnt, "--classes-file",
                  str(p["classes_zero"])], one_line_refusal(needle="character device")),
        Case("strokes: a FIFO named strokes.tgz",
             t + ["prepare", "--data", f"strokes:{p['fifo_tgz']}", "--out", str(tmp / "ft")],
             one_line_refusal(needle="not a regular file")),
        Case("two trainings on one run dir", "TWO_TRAININGS",
             lambda r, _: r.returncode == 1 and "in use by pid" in r.stderr, needs_keras=True),
    ]
    return out


# -- running ---------------------------------------------------------------------------------

def limits(memory_gb: float):
    def apply():
        size = int(memory_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
        os.setsid()
    return apply


def run_case(case: Case, p: dict, tmp: Path, timeout: float, memory_gb: float):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT),
           "XDG_CONFIG_HOME": str(tmp / "config"), "HOME": str(tmp / "home")}
    if case.command == "TWO_TRAININGS":
        return two_trainings(p, tmp, env, timeout, memory_gb)
    cmd = case.command
    if isinstance(cmd, list):
        paths = {k: str(v) for k, v in p.items() if isinstance(v, Path)}
        cmd = [c.format(**paths) if c.startswith("{") else c for c in cmd]
    else:
        cmd = ["bash", "-c", cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp, env=env, preexec_fn=limits(memory_gb))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        return None, out, err
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), out, err


def two_trainings(p, tmp, env, timeout, memory_gb):
    """A real training holds the run dir; a second one on it must refuse at once."""
    run = tmp / "run-two"
    args = TRAIN + ["train", "--run-dir", str(run), "--train", f"gnt:{p['gnt']}", "--classes",
                    CHARS, "--width", "0.25", "--batch-size", "4", "--max-steps", "100000",
                    "--set", "warmup_steps=1"]
    first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env, cwd=tmp, preexec_fn=limits(memory_gb))
    try:
        t0 = time.monotonic()
        while not (run / ".lock").exists() or not (run / ".lock").read_text():
            if time.monotonic() - t0 > timeout or first.poll() is not None:
                return None, "", "the first training never took the lock"
            time.sleep(0.2)
        second = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp,
                                timeout=timeout, preexec_fn=limits(memory_gb))
        return second, second.stdout, second.stderr
    finally:
        first.kill()
        first.wait()


def outcome(case: Case, r, err: str) -> str:
    if r is None:
        return "hang"
    if r.returncode < 0 or r.returncode in (137, 139) or "MemoryError" in err:
        return "crash"
    if "Traceback (most recent call last)" in err:
        return "traceback"
    if case.check(r, None):
        return "ok" if case.valid else "ok-refused"
    return "wrong"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="run the cases whose input contains this text")
    ap.add_argument("--timeout", type=float, default=120, help="seconds a case may take")
    ap.add_argument("--memory-gb", type=float, default=8, help="address space of a case")
    ap.add_argument("--keep", metavar="DIR", help="build the inputs here and keep them")
    args = ap.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hostile-"))
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"building the hostile inputs in {tmp}…", file=sys.stderr, flush=True)
    p = build(tmp)
    try:
        return _run_all(args, tmp, p)
    finally:
        unmount(p)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _run_all(args, tmp: Path, p: dict) -> int:
    try:
        import keras  # noqa: F401

        build_runs(tmp, p)
        have_keras = True
    except ImportError:
        have_keras = False
    rows, counts = [], {}
    for case in cases(tmp, p):
        if args.only and args.only not in case.name:
            continue
        missing = ("needs Keras" if case.needs_keras and not have_keras else
                   "needs root (mount)" if case.needs_mount and case.needs_mount not in p
                   else "")
        if missing:
            rows.append((case.name, "-", "skipped", "", "", missing))
            counts["skipped"] = counts.get("skipped", 0) + 1
            continue
        t0 = time.monotonic()
        r, out, err = run_case(case, p, tmp, args.timeout, args.memory_gb)
        dt = time.monotonic() - t0
        what = outcome(case, r, err or "")
        counts[what] = counts.get(what, 0) + 1
        cmd = case.command if isinstance(case.command, str) else " ".join(case.command[:4])
        cmd = cmd.replace(PY + " -m trainer.cli", "hanzipad-train").replace(
            PY + " -m hanzipad", "hanzipad").replace(PY + " -c", "python -c").replace(
            str(tmp) + "/", "")
        lines = [ln for ln in (err or "").strip().splitlines()
                 if not ln.startswith(TF_LOG)] or (out or "").strip().splitlines() or [""]
        first = next((ln for ln in lines if "error:" in ln), lines[-1])
        rows.append((case.name, cmd[:60], what, "" if r is None else str(r.returncode),
                     f"{dt:.1f}", first.replace(str(tmp) + "/", "")[:110]))
        print(f"{what:10s} {dt:6.1f}s  {case.name}", file=sys.stderr, flush=True)
    print("| input | command | outcome | rc | s | first line of stderr |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    print()
    print("counts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    bad = sum(v for k, v in counts.items() if k not in ("ok", "ok-refused", "skipped"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
