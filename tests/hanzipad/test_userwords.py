"""The writer's own words (hanzipad.userwords) and how they move the context ranking."""

from __future__ import annotations

import json

import pytest

from hanzipad import userwords
from hanzipad.lexicon import Lexicon
from hanzipad.recognizer import Candidate
from hanzipad.userwords import UserWords, UserWordsError, beside, load_or_new


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.load()


def C(char, prob):
    return Candidate(char, prob)


def test_record_counts_runs_of_han_characters():
    w = UserWords()
    w.record("张伟明好，张伟明")
    assert w.count("张伟") == 2 and w.count("张伟明") == 2 and w.count("伟明好") == 1
    assert w.count("明好") == 1 and w.count("好张") == 0  # the comma breaks the run
    assert w.count("张伟明好") == 1 and all(len(x) <= userwords.MAX_WORD for x in w.counts)
    assert w.followed("张伟") == 2 and w.followed("张") == 2 and w.followed("明") == 1
    assert w.dirty


def test_record_next_continues_the_text_before_and_takes_back():
    w = UserWords()
    w.record_next("我在张", "伟")
    assert w.count("张伟") == 1 and w.count("在张伟") == 1 and w.count("我在张伟") == 1
    w.record_next("abc", "伟")  # nothing Han before: a lone character counts nothing
    assert len(w) == 3
    w.record_next("我在张", "伟", delta=-1)  # an undo / a re-pick takes it back
    assert len(w) == 0 and w.followed("张") == 0 and w.continuations("张") == {}


def test_mix_weights_the_writer_by_how_often_they_continued_the_stem():
    w = UserWords()
    assert w.mix("张", "伟", 0.01) == 0.01  # never followed: the lexicon alone
    for _ in range(4):
        w.record("张伟")
    # n = 4 = PRIOR: half the lexicon, half the writer (who always wrote 伟)
    assert w.mix("张", "伟", 0.0) == pytest.approx(0.5)
    assert w.mix("张", "三", 0.2) == pytest.approx(0.1)


def test_user_words_raise_a_candidate_in_rerank(lex):
    cands = [C("维", 0.40), C("伟", 0.35), C("纬", 0.10)]
    assert lex.rerank("张", cands)[0].char == "维"  # what the lexicon alone says
    user = UserWords()
    for _ in range(5):
        user.record("张伟明")
    lex.user = user
    try:
        got = lex.rerank("张", cands)
        assert got[0].char == "伟" and got[0] is cands[1]
        assert lex.rerank("张伟", [C("朋", 0.5), C("明", 0.4)])[0].char == "明"
        # a confident top-1 still stays first
        assert lex.rerank("张", [C("维", 0.95), C("伟", 0.04)])[0].char == "维"
    finally:
        lex.user = None


def test_user_words_rise_in_next_words(lex):
    before = lex.next_words("中", 10)
    user = UserWords()
    for _ in range(6):
        user.record("中文")
    user.record("中奖奖")  # written once: a run the lexicon lacks is not offered yet
    lex.user = user
    try:
        got = lex.next_words("中", 10)
        assert got[0] == "文" and "奖奖" not in got
        assert got.index("文") < (before.index("文") if "文" in before else 99)
        user.record("中奖奖")
        user.record("中奖奖")  # MIN_NEW times: now it is one of the writer's words
        assert "奖奖" in lex.next_words("中", 20)
    finally:
        lex.user = None


def test_blocked_words_stay_blocked(lex):
    user = UserWords()
    lex.user = user
    old = lex.blocked
    try:
        for _ in range(5):
            user.record("中文")
        lex.blocked = frozenset({"中文"})
        assert "文" not in lex.next_words("中", 20)
    finally:
        lex.user, lex.blocked = None, old


def test_save_load_round_trip(tmp_path):
    w = UserWords(tmp_path / "sub" / "me.words.json")
    w.record("我们今天去学校。学校很好")
    path = w.save()
    assert not w.dirty and path.is_file()
    back = UserWords.load(path)
    assert back.counts == w.counts and back.followed("学") == w.followed("学")
    assert not back.dirty
    assert beside(tmp_path / "handwriting-profile.json").name == "handwriting-profile.words.json"


def test_two_programs_writing_one_list_keep_each_others_words(tmp_path):
    """Two pads (or a pad and a second one) load one list, write on, and save in turn: the
    second save adds its words to what the first wrote instead of dropping them; Forget in one
    drops the file's words too."""
    path = tmp_path / "me.words.json"
    first = UserWords(path)
    first.record("学校")
    first.save()
    a, b = UserWords.load(path), UserWords.load(path)
    a.record("学校很好")
    b.record("今天学校")
    a.save()
    b.save()
    back = UserWords.load(path)
    assert back.count("很好") == 1 and back.count("今天") == 1
    assert back.count("学校") == 3  # first, a and b each wrote it once
    assert b.counts == back.counts  # b now ranks with a's words too
    assert back.followed("学") == 3
    b.record_next("学校", "很", delta=-1)  # a take-back is merged as a take-back
    b.save()
    assert UserWords.load(path).count("校很") == 0
    a.forget()
    a.record("再见")
    a.save()
    assert UserWords.load(path).counts == {"再见": 1}


def test_a_list_damaged_by_another_program_is_replaced_at_save(tmp_path):
    """The file is read again at a save only when another program wrote it; one that it
    damaged meanwhile cannot be merged and this list replaces it, never failing the save."""
    path = tmp_path / "me.words.json"
    w = UserWords(path)
    w.record("学校")
    w.save()
    path.write_text('{"format": "hanzipad-user-wor', encoding="utf-8")  # cut short
    w.record("很好")
    w.save()
    assert UserWords.load(path).counts == w.counts == {"学校": 1, "很好": 1}


def test_size_cap_drops_the_rarest(monkeypatch):
    monkeypatch.setattr(userwords, "MAX_WORDS", 50)
    w = UserWords()
    for _ in range(3):
        w.record("张伟明")
    chars = "一二三四五六七八九十百千万亿上下左右前后东西南北春夏秋冬"
    for a in chars:
        for b in chars[:3]:
            w.record(a + b)
    assert len(w) <= 50 and w.count("张伟明") == 3 and w.count("张伟") == 3
    assert sum(w.counts[x] for x in w.counts if x.startswith("张")) == sum(
        w.continuations("张").values()) * w.followed("张")


@pytest.mark.parametrize("content, needle", [
    (None, "damaged or truncated"),  # truncated: written half
    (b"\xff\xfe", "not UTF-8"),
    (b"[1, 2]", "not a HanziPad word list"),
    (b'{"format": "hanzipad-user-words", "version": 2, "words": []}', "newer HanziPad"),
    (b'{"format": "hanzipad-user-words", "version": "1", "words": []}', "version"),
    (b'{"format": "hanzipad-user-words", "version": 1, "words": {}}', "no list of words"),
    (b'{"format": "hanzipad-user-words", "version": 1, "words": [["ab", 1, 0]]}', "entry 1"),
    (b'{"format": "hanzipad-user-words", "version": 1, "words": [["\xe4\xb8\xad\xe6\x96\x87", '
     b'-1, 0]]}', "entry 1"),
    (b'{"format": "hanzipad-user-words", "version": 1, "words": [["\xe4\xb8\xad\xe6\x96\x87", '
     b'1, 0], ["\xe4\xb8\xad\xe6\x96\x87", 2, 0]]}', "twice"),
])
def test_unusable_file_is_one_line_naming_it_and_kept_aside(tmp_path, content, needle):
    path = tmp_path / "me.words.json"
    if content is None:
        w = UserWords(path)
        w.record("我们今天去学校")
        w.save()
        content = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(content)
    with pytest.raises(UserWordsError) as info:
        UserWords.load(path)
    message = str(info.value)
    assert needle in message and str(path) in message and "\n" not in message
    said = []
    fresh = load_or_new(path, said.append)  # what the pad does: never fails for it
    assert len(fresh) == 0 and fresh.path == path and not path.exists()
    assert len(said) == 1 and isinstance(said[0], UserWordsError)  # (the GUI translates it)
    assert said[0].code == "words.kept_aside" and said[0].where == (str(path),)
    kept = list(tmp_path.glob("me.words.json.damaged-*"))[0].name
    assert str(said[0]) == f"{message}; kept as {kept}, starting a new word list"
    aside = list(tmp_path.glob("me.words.json.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content
    fresh.record("中文")
    fresh.save()
    assert UserWords.load(path).count("中文") == 1


def test_missing_huge_and_special_files(tmp_path):
    assert len(load_or_new(tmp_path / "none.json")) == 0
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (userwords.MAX_BYTES + 1))
    with pytest.raises(UserWordsError, match="larger than"):
        UserWords.load(big)
    with pytest.raises(UserWordsError, match="cannot read"):
        UserWords.load(tmp_path)  # a folder


def test_file_is_json_with_format_and_version(tmp_path):
    w = UserWords()
    w.record("中文")
    obj = json.loads(w.save(tmp_path / "w.json").read_text(encoding="utf-8"))
    assert obj["format"] == "hanzipad-user-words" and obj["version"] == 1
    assert obj["words"][0][:2] == ["中文", 1]


def test_import_stays_light():
    import subprocess
    import sys

    code = ("import sys, hanzipad.userwords, hanzipad.lexicon; "
            "print(sorted(m for m in ('numpy', 'PySide6', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_read_beside_a_profile_never_renames(tmp_path):
    from hanzipad.userwords import read_beside

    profile = tmp_path / "me.json"
    assert read_beside(profile) is None  # none there
    w = UserWords(beside(profile))
    w.record("张伟明")
    w.save()
    assert read_beside(profile).count("张伟明") == 1
    beside(profile).write_bytes(b"{")
    said = []
    assert read_beside(profile, said.append) is None
    assert len(said) == 1 and str(beside(profile)) in said[0] and "\n" not in said[0]
    assert beside(profile).read_bytes() == b"{"  # classify writes nothing: left as it is


def test_classify_line_with_a_profile_reads_the_words_beside_it(tmp_path, capsys, line_ink):
    """classify --line --profile FILE mixes in FILE's word list; a damaged one is said, left
    as it is, and the line read without it."""
    from hanzipad.cli import main
    from hanzipad.ink import iter_jsonl, save
    from tests.helpers import REAL_INK

    save(line_ink, tmp_path / "line.json")  # 近代化 (tests/hanzipad/conftest.py)
    learned = tmp_path / "learn.jsonl"
    learned.write_text("".join(json.dumps(ink.to_dict() | {"label": ink.label},
                                          ensure_ascii=False) + "\n"
                               for _, ink in list(iter_jsonl(REAL_INK))[:5]), encoding="utf-8")
    profile = tmp_path / "me.json"
    assert main(["learn", "--profile", str(profile), str(learned)]) == 0
    words = UserWords(beside(profile))
    words.record("近代化")
    words.save()
    capsys.readouterr()
    args = ["classify", "--line", "--json", "--profile", str(profile), str(tmp_path / "line.json")]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["text"] == "近代化" and "words" not in err
    beside(profile).write_bytes(b'{"format": "hanzipad-user-words", "version": 9}')
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["text"] == "近代化"
    assert str(beside(profile)) in err and "newer HanziPad" in err
    assert beside(profile).read_bytes().endswith(b"9}")
