import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from hanzipad.cli import main
from hanzipad.ink import Ink, save
from tests.helpers import TINY_LABELS, finishes

INK = Ink.from_lists([[[10, 50], [90, 50]], [[50, 10], [50, 90]]], 100, 100, {"label": "十"})


@pytest.fixture
def inputs(tmp_path):
    save(INK, tmp_path / "ten.json")
    (tmp_path / "many.jsonl").write_text(
        json.dumps(INK.to_dict()) + "\n" + "{bad json\n" + json.dumps(INK.reversed().to_dict()) + "\n"
    )
    img = np.full((80, 80), 255, np.uint8)
    img[38:42, 10:70] = 0
    img[10:70, 38:42] = 0
    Image.fromarray(img).save(tmp_path / "ten.png")
    (tmp_path / "junk.png").write_bytes(b"not a png")
    Image.new("L", (30, 30), 255).save(tmp_path / "blank.png")
    return tmp_path


def test_json_lines_for_ink_jsonl_and_png(inputs, tiny_bundle, capsys):
    files = [str(inputs / n) for n in ("ten.json", "many.jsonl", "ten.png")]
    assert main(["classify", "--json", "--top", "3", "--model", str(tiny_bundle), *files]) == 1
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["file"] for r in records] == [files[0], files[1], files[1], files[2]]
    assert [r.get("index") for r in records] == [None, 0, 2, None]
    for r in records:
        assert len(r["candidates"]) == 3 and r["ms"] > 0
        assert all(c["char"] in TINY_LABELS and 0 <= c["prob"] <= 1 for c in r["candidates"])
        assert r["candidates"][0]["prob"] >= r["candidates"][1]["prob"]
    # reversed ink gives the same answer
    assert records[1]["candidates"] == records[2]["candidates"]
    assert "many.jsonl:2" in err and "not valid JSON" in err


def test_bad_files_reported_others_classified(inputs, tiny_bundle, capsys):
    files = [str(inputs / n) for n in ("junk.png", "ten.png", "blank.png", "missing.png")]
    assert main(["classify", "--model", str(tiny_bundle), *files]) == 1
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and out.startswith(files[1] + ": ")
    assert "junk.png: not an image" in err
    assert "blank.png: no ink found" in err
    assert "missing.png: no such file" in err


def test_all_good_exits_zero(inputs, tiny_bundle, capsys):
    assert main(["classify", "--model", str(tiny_bundle), str(inputs / "ten.json")]) == 0


def test_missing_model_exits_nonzero_with_reason(inputs, tmp_path, capsys):
    assert main(["classify", "--model", str(tmp_path / "nomodel"), str(inputs / "ten.json")]) == 2
    assert "model bundle not found" in capsys.readouterr().err


def test_self_test(tiny_bundle, tmp_path, capsys):
    assert main(["--self-test", "--model", str(tiny_bundle)]) == 0
    assert "self-test passed" in capsys.readouterr().out
    assert main(["--self-test", "--model", str(tmp_path / "none")]) == 1


def test_self_test_checks_what_the_pad_needs_besides_the_model(tiny_bundle, tmp_path, capsys,
                                                               monkeypatch):
    """A packaged app without its word list or translation fails --self-test, naming it."""
    import shutil

    from hanzipad.bundle import resources_dir

    shipped, res = resources_dir(), tmp_path / "resources"
    shutil.copytree(shipped / "lexicon", res / "lexicon")
    shutil.copytree(shipped / "i18n", res / "i18n")
    monkeypatch.setenv("HANZIPAD_RESOURCES", str(res))
    assert main(["--self-test", "--model", str(tiny_bundle)]) == 0
    assert "context 中 -> " in capsys.readouterr().out
    (res / "i18n" / "hanzipad_zh_CN.qm").unlink()
    assert main(["--self-test", "--model", str(tiny_bundle)]) == 1
    assert "hanzipad_zh_CN.qm is missing" in capsys.readouterr().err
    shutil.copyfile(shipped / "i18n" / "hanzipad_zh_CN.qm", res / "i18n" / "hanzipad_zh_CN.qm")
    words = res / "lexicon" / "words.tsv"
    words.write_bytes(words.read_bytes()[:1000] + b"\xff\xfe broken")
    assert main(["--self-test", "--model", str(tiny_bundle)]) == 1
    assert "words.tsv" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("hanzipad ")


def test_app_never_imports_tensorflow(tiny_bundle, inputs):
    code = (
        "import sys, importlib.util\n"
        "import hanzipad.cli, hanzipad.recognizer\n"
        "if importlib.util.find_spec('hanzipad.gui.app'): import hanzipad.gui.app\n"
        f"rc = hanzipad.cli.main(['classify', '--model', {str(tiny_bundle)!r}, {str(inputs / 'ten.json')!r}])\n"
        "print('TF' if ('tensorflow' in sys.modules or 'keras' in sys.modules) else 'NO-TF', rc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "NO-TF 0", out.stderr


# --- bad input and faults (issue 11): every input gets a result or a one-line reason ---------

import io  # noqa: E402
import os  # noqa: E402
import tracemalloc  # noqa: E402

from hanzipad.recognizer import Candidate  # noqa: E402

GOOD = json.dumps(INK.to_dict())

#: Runs the CLI in a child process with a fake recognizer (no model runtime needed).
FAKE_CLI = """
import math, sys
import hanzipad.cli as cli
from hanzipad.recognizer import Candidate

class Fake:
    def classify(self, image, k):
        assert image.shape == (64, 64) and image.any()
        return [Candidate(c, p) for c, p in zip("十一二三人", (0.5, 0.2, 0.1, 0.1, 0.1))][:k]

cli._recognizer = lambda model: Fake()
sys.exit(cli.main(sys.argv[1:]))
"""


class FakeRecognizer:
    """Stands in for the model: fixed candidates, or the given probabilities."""

    def __init__(self, probs=(0.5, 0.3, 0.2)):
        self.probs = list(probs)
        self.calls = 0
        self.peaks = []

    def classify(self, image, k):
        assert image.shape == (64, 64) and image.any()
        self.calls += 1
        if tracemalloc.is_tracing():
            self.peaks.append(tracemalloc.get_traced_memory()[1])
        probs = self.probs[self.calls - 1] if isinstance(self.probs[0], list) else self.probs
        return [Candidate(c, p) for c, p in zip("十一二", probs)][:k]


@pytest.fixture
def fake(monkeypatch):
    rec = FakeRecognizer()
    monkeypatch.setattr("hanzipad.cli._recognizer", lambda model: rec)
    return rec


def _strict_json(line: str):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(line, parse_constant=refuse)


def _err_lines(err: str) -> list[str]:
    lines = err.splitlines()
    assert all(line.startswith("hanzipad: ") for line in lines), err
    return lines


HOSTILE = {
    "huge.json": '{"strokes": [[[1e308, 0], [-1e308, 5]]]}',
    "subnormal.json": '{"strokes": [[[0, 0], [5e-324, 0]]]}',
    "digits.json": '{"strokes": [[[%s, 0], [1, 5]]]}' % ("9" * 400),
    "deep.json": '{"strokes": ' + "[" * 100_000 + "]" * 100_000 + "}",
}


def test_hostile_inks_get_a_one_line_reason_not_a_traceback(tmp_path, fake, capsys):
    for name, text in HOSTILE.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "good.json").write_text(GOOD)
    files = [str(tmp_path / n) for n in (*HOSTILE, "good.json")]
    assert main(["classify", "--json", *files]) == 1
    out, err = capsys.readouterr()
    assert [_strict_json(line)["file"] for line in out.splitlines()] == [files[-1]]
    lines = _err_lines(err)
    assert len(lines) == len(HOSTILE)
    for file, line, reason in zip(files, lines, ("outside", "too small", "400 digits", "nested too deeply")):
        assert line.startswith(f"hanzipad: {file}: ") and reason in line




def test_device_and_fifo_inputs_refused_fast(tmp_path, fake, capsys):
    assert os.path.exists("/dev/zero"), "this test needs /dev/zero (Linux)"
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "zero.jsonl").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.json")
    os.mkfifo(tmp_path / "pipe.png")
    (tmp_path / "good.json").write_text(GOOD)
    names = ["zero.json", "zero.jsonl", "pipe.json", "pipe.png", "good.json"]
    files = [str(tmp_path / n) for n in names]
    try:
        done, rc = finishes(lambda: main(["classify", *files]))
        assert done, "classify blocked on a device or FIFO"
    finally:  # unblock a reader stuck in open() (the unfixed code)
        for fifo in ("pipe.json", "pipe.png"):
            try:
                os.close(os.open(tmp_path / fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
    assert rc == 1
    out, err = capsys.readouterr()
    assert out.startswith(files[-1] + ": ") and out.count("\n") == 1
    lines = _err_lines(err)
    assert len(lines) == 4
    for file, line in zip(files, lines):
        assert line.startswith(f"hanzipad: {file}: not a regular file")


def test_jsonl_streams_first_result_at_flat_memory(tmp_path, fake, capfd):
    path = tmp_path / "big.jsonl"
    path.write_text(GOOD + "\n" + (" " * 80 + "\n") * 30_000 + GOOD + "\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        assert main(["classify", "--json", str(path)]) == 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    out, _ = capfd.readouterr()
    assert [_strict_json(line)["line"] for line in out.splitlines()] == [1, 30_002]
    assert fake.peaks[0] < size / 4, f"first result needed {fake.peaks[0]} bytes for a {size}-byte file"
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte file"


def test_jsonl_bad_bytes_spoil_one_line_and_lines_are_numbered_from_1(tmp_path, fake, capsys):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b"\n" + GOOD.encode() + b"\n"
        + b'{"strokes": [[[0, 0], [9, 9]]], "label": "\xff"}\n'
        + b'{"strokes": []}\n'
        + b"{broken\n"
        + GOOD.encode() + b"\n"
    )
    assert main(["classify", "--json", str(path)]) == 1
    out, err = capsys.readouterr()
    records = [_strict_json(line) for line in out.splitlines()]
    assert [(r["file"], r["index"], r["line"]) for r in records] == [(str(path), 0, 2), (str(path), 4, 6)]
    lines = _err_lines(err)
    assert len(lines) == 3
    assert lines[0].startswith(f"hanzipad: {path}:3: not UTF-8 text (byte 0xff")
    assert lines[1] == f"hanzipad: {path}:4: ink has no strokes"
    assert lines[2].startswith(f"hanzipad: {path}:5: not valid JSON")
    # plain output names each ink the same way: file:LINE
    assert main(["classify", "--top", "1", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert [line.split(" ")[0] for line in out.splitlines()] == [f"{path}:2:", f"{path}:6:"]


def test_non_finite_model_output_is_an_error_never_nan_in_json(tmp_path, fake, capsys):
    for n in ("a", "b", "c"):
        (tmp_path / f"{n}.json").write_text(GOOD)
    fake.probs = [[0.5, 0.3, 0.2], [float("nan"), 0.3, 0.2], [float("inf"), 0.0, 0.0]]
    files = [str(tmp_path / f"{n}.json") for n in ("a", "b", "c")]
    assert main(["classify", "--json", *files]) == 1
    out, err = capsys.readouterr()
    assert [_strict_json(line)["file"] for line in out.splitlines()] == [files[0]]
    lines = _err_lines(err)
    assert len(lines) == 2
    for file, line in zip(files[1:], lines):
        assert line.startswith(f"hanzipad: {file}: ") and "not finite" in line
    fake.calls = 0
    assert main(["classify", *files]) == 1
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and "nan" not in out.lower() and len(_err_lines(err)) == 2


def test_unreadable_file_says_permission_denied(tmp_path, fake, capsys, monkeypatch):
    path = tmp_path / "locked.json"
    path.write_text(GOOD)
    real_os_open, real_io_open = os.open, io.open

    def os_open(file, *args, **kwargs):
        if os.fspath(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_os_open(file, *args, **kwargs)

    def io_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_io_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    assert main(["classify", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"hanzipad: {path}: cannot read the file (permission denied)\n"


def _run_fake_cli(args, env_extra=None, **kwargs):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONUTF8", "LANG")}
    env.update(env_extra or {})
    return subprocess.Popen([sys.executable, "-c", FAKE_CLI, *args], env=env, **kwargs)


@pytest.mark.parametrize("mode", [["--json"], []])
def test_closed_pipe_exits_quietly(tmp_path, mode):
    path = tmp_path / "many.jsonl"
    path.write_text((GOOD + "\n") * 3000)  # far more output than a pipe buffer holds
    proc = _run_fake_cli(["classify", *mode, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    rc = proc.wait(timeout=120)
    assert first.decode().startswith("{" if mode else str(path))
    assert err == "", err
    assert rc == 141  # 128 + SIGPIPE, as a program killed by the closed pipe would report


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
def test_non_utf8_file_names_give_valid_utf8_output(tmp_path, locale):
    folder = os.fsencode(tmp_path)
    good = os.path.join(folder, b"caf\xe9.json")
    bad = os.path.join(folder, b"\xff\xfe.jsonl")
    with open(good, "wb") as f:
        f.write(GOOD.encode())
    with open(bad, "wb") as f:
        f.write(GOOD.encode() + b"\n{oops\n")
    env = {"LC_ALL": locale}
    proc = _run_fake_cli(["classify", "--json", good, bad], env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err.decode(errors="replace")
    records = [_strict_json(line) for line in out.decode("utf-8").splitlines()]  # strict UTF-8
    assert [os.fsencode(r["file"]) for r in records] == [good, bad]  # the names round-trip
    assert [r.get("line") for r in records] == [None, 1]
    assert records[0]["candidates"][0] == {"char": "十", "prob": 0.5}
    assert err.decode("utf-8").strip().endswith("\\xff\\xfe.jsonl:2: not valid JSON (Expecting property name "
                                                  "enclosed in double quotes at line 1 column 2)")
    proc = _run_fake_cli(["classify", good, bad], env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err.decode(errors="replace")
    lines = out.decode("utf-8").splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        os.fsdecode(folder) + "/caf\\xe9.json", os.fsdecode(folder) + "/\\xff\\xfe.jsonl:1"]
    assert all("十 0.500" in line for line in lines)


def test_input_problems_carry_a_code_and_keep_their_text(tmp_path):
    """classify's input errors (hanzipad.cli.InputError) are made from codes; their text is as
    the CLI always printed it."""
    import os

    from hanzipad.cli import InputError, iter_inputs
    from hanzipad.learn import iter_labelled

    Image.new("L", (30, 30), 255).save(tmp_path / "blank.png")
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "empty.jsonl").write_text("\n")
    save(Ink.from_lists([], 100, 100), tmp_path / "none.json")
    expected = {"blank.png": ("input.blank", "no ink found (blank image)"),
                "folder.png": ("file.folder_refused",
                               "not a regular file but a folder; refused unread"),
                "empty.jsonl": ("input.no_ink", "no ink in this file"),
                "none.json": ("ink.no_strokes", "ink has no strokes")}
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.png")
        expected["pipe.png"] = ("file.special_refused",
                                "not a regular file but a FIFO (named pipe); refused unread")
    for name, (code, text) in expected.items():
        path = str(tmp_path / name)
        [item] = iter_inputs(path)
        with pytest.raises(InputError) as info:
            item.load()
        assert (info.value.code, str(info.value)) == (code, f"{path}: {text}")
    [(_, ink, message)] = iter_labelled(str(tmp_path / "blank.png"))
    assert ink is None and message == (f"{tmp_path / 'blank.png'}: learn takes ink files "
                                       "(.json or .jsonl with a \"label\")")
