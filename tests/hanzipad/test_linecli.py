"""``hanzipad classify --line``: the contract (one JSON object per input with text, candidates
and per-character alternatives), bad inputs named, classify without --line unchanged."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from hanzipad.cli import main
from hanzipad.ink import Ink, Point, save
from tests.helpers import REAL_INK


def test_json_contract(tmp_path, line_ink, capsys):
    save(line_ink, tmp_path / "line.json")
    (tmp_path / "lines.jsonl").write_text(
        json.dumps(line_ink.to_dict()) + "\n{bad\n" + json.dumps({"strokes": []}) + "\n",
        encoding="utf-8")
    files = [str(tmp_path / "line.json"), str(tmp_path / "lines.jsonl")]
    assert main(["classify", "--line", "--json", "--top", "3", *files]) == 1
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    assert [r["file"] for r in records] == files
    assert "index" not in records[0] and (records[1]["index"], records[1]["line"]) == (0, 1)
    for r in records:
        assert r["text"] == "近代化"
        assert 1 <= len(r["candidates"]) <= 3
        assert r["candidates"][0]["text"] == r["text"]
        assert all(isinstance(c["score"], float) for c in r["candidates"])
        assert [c["text"] for c in r["chars"]] == ["近", "代", "化"]
        for c in r["chars"]:
            assert c["alternatives"][0][0] == c["text"] and len(c["alternatives"]) <= 3
            assert all(0 <= p <= 1 for _, p in c["alternatives"])
        assert sorted(i for c in r["chars"] for i in c["strokes"]) == list(
            range(len(line_ink.strokes)))
        assert r["ms"] > 0
    assert "lines.jsonl:2" in err and "not valid JSON" in err
    assert "lines.jsonl:3: ink has no strokes" in err


def test_plain_output_and_bad_inputs(tmp_path, line_ink, capsys):
    save(line_ink, tmp_path / "line.json")
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(tmp_path / "pic.png")
    many = Ink([(Point(i * 3.0, 0.0), Point(i * 3.0, 9.0)) for i in range(10_000)])
    save(many, tmp_path / "many.json")
    files = [str(tmp_path / n) for n in ("pic.png", "line.json", "many.json", "gone.json")]
    assert main(["classify", "--line", *files]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{files[1]}: 近代化")
    assert len(out.splitlines()) == 1
    assert "pic.png: --line reads ink files (.json, .jsonl), not images" in err
    assert "many.json: too much ink for one line: 10000 strokes" in err
    assert "gone.json: no such file" in err


def test_without_line_nothing_changes(tmp_path, line_ink, capsys):
    save(line_ink, tmp_path / "line.json")
    assert main(["classify", "--json", "--top", "2", str(tmp_path / "line.json")]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) == {"file", "candidates", "ms"}
    assert list(record["candidates"][0]) == ["char", "prob"]


def test_line_with_a_profile(tmp_path, line_ink, capsys):
    """``--line --profile``: the writer's adapted classifier scores the candidates (the
    scores change, the contract stays); a profile that cannot be read is named, status 2."""
    save(line_ink, tmp_path / "line.json")
    profile = tmp_path / "me.json"
    assert main(["learn", "--profile", str(profile), str(REAL_INK)]) == 0
    capsys.readouterr()
    line = str(tmp_path / "line.json")
    assert main(["classify", "--line", "--json", line]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["classify", "--line", "--json", "--profile", str(profile), line]) == 0
    out, err = capsys.readouterr()
    adapted = json.loads(out)
    assert adapted["text"] == "近代化" and [c["text"] for c in adapted["chars"]] == list("近代化")
    assert adapted["candidates"][0]["text"] == "近代化"
    assert adapted["chars"] != plain["chars"]  # the profile's probabilities, not the model's
    assert err == ""
    (tmp_path / "bad.json").write_text("{not a profile", encoding="utf-8")
    assert main(["classify", "--line", "--profile", str(tmp_path / "bad.json"), line]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "bad.json" in err and len(err.strip().splitlines()) == 1
