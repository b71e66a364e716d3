import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from hanzipad.cli import main
from hanzipad.ink import Ink, save
from tests.helpers import TINY_LABELS

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
