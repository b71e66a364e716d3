"""Atomic file writing (hanzipad.fileio): what a save does to the file already there."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from hanzipad import fileio


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


def test_new_file_gets_the_usual_mode(tmp_path):
    path = tmp_path / "ink.json"
    assert fileio.write_text(path, "héllo\n") == path
    assert path.read_text(encoding="utf-8") == "héllo\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~_umask()
    assert _listing(tmp_path) == ["ink.json"]  # no temp file left behind


def test_replaces_content_and_keeps_private_mode(tmp_path):
    path = tmp_path / "secret.json"
    path.write_text("old")
    path.chmod(0o600)
    fileio.write_text(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # not widened to 0644
    path.chmod(0o640)
    fileio.write_bytes(path, b"newer")
    assert path.read_bytes() == b"newer" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert _listing(tmp_path) == ["secret.json"]


def test_writes_through_a_symlink_to_its_target(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "target.json"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    chain = tmp_path / "chain.json"
    chain.symlink_to(link.name)  # a relative link to a link
    assert fileio.write_text(chain, "new") == target
    assert chain.is_symlink() and link.is_symlink()  # the links stay links
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _listing(tmp_path) == ["chain.json", "link.json", "real"]
    assert _listing(real_dir) == ["target.json"]  # the temp file was made next to the target


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    fileio.write_text(link, "x")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "x"


def test_read_only_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "ro.json"
    path.write_text("keep me")
    path.chmod(0o444)
    with pytest.raises(fileio.ReadOnlyFileError) as info:
        fileio.write_text(path, "new")  # also as root, who could write it
    assert isinstance(info.value, PermissionError)
    assert info.value.filename == str(path) and "read-only" in str(info.value)
    assert path.read_text() == "keep me" and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert _listing(tmp_path) == ["ro.json"]


def test_read_only_symlink_target_is_refused(tmp_path):
    target = tmp_path / "t.json"
    target.write_text("keep")
    target.chmod(0o444)
    link = tmp_path / "l.json"
    link.symlink_to(target)
    with pytest.raises(fileio.ReadOnlyFileError):
        fileio.write_text(link, "new")
    assert target.read_text() == "keep" and link.is_symlink()


def test_folder_and_special_files_are_refused(tmp_path):
    folder = tmp_path / "ink.json"
    folder.mkdir()
    with pytest.raises(IsADirectoryError):
        fileio.write_text(folder, "x")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(fileio.NotAFileError):
        fileio.write_text(fifo, "x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert _listing(tmp_path) == ["ink.json", "pipe.json"]


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_failure_removes_temp_file_and_keeps_old_content(tmp_path, monkeypatch, step):
    path = tmp_path / "ink.json"
    path.write_text("old")

    def fail(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, step, fail)
    with pytest.raises(OSError) as info:
        fileio.write_text(path, "new" * 1000)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert _listing(tmp_path) == ["ink.json"]


def test_interrupted_write_removes_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "ink.json"
    real_write = os.write

    def interrupted(fd, data):
        real_write(fd, bytes(data)[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio.os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fileio.write_bytes(path, b"x" * 100)
    monkeypatch.undo()
    assert _listing(tmp_path) == []


def test_missing_folder_is_an_ordinary_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        fileio.write_text(tmp_path / "no" / "ink.json", "x")
    assert _listing(tmp_path) == []


def test_text_that_cannot_be_encoded_writes_nothing(tmp_path):
    path = tmp_path / "ink.json"
    path.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        fileio.write_text(path, "bad \udc80 surrogate")
    assert path.read_text() == "old" and _listing(tmp_path) == ["ink.json"]


def test_replacing_gives_a_writer_a_temp_name_and_replaces_atomically(tmp_path):
    """For writers that need a file name (Keras, numpy): the temp file beside the target,
    with its suffix (Keras wants .keras), replaces the target when the block ends."""
    target = tmp_path / "best.keras"
    target.write_bytes(b"old")
    with fileio.replacing(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".keras" and tmp != target
        tmp.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # not yet
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.keras"]
    with fileio.replacing(target, "tmp-123-best.keras") as tmp:
        assert tmp == tmp_path / "tmp-123-best.keras"
        tmp.write_bytes(b"newer")
    assert target.read_bytes() == b"newer" and not tmp.exists()


def test_replacing_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "x.npy"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with fileio.replacing(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("the writer failed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npy"]
    with pytest.raises(fileio.WriteError, match=f"writing {target}: No space left"):
        with fileio.replacing(target):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npy"]


def test_replacing_refuses_a_read_only_file_before_anything_is_written(tmp_path):
    target = tmp_path / "ro.keras"
    target.write_bytes(b"keep")
    target.chmod(0o444)  # refused by its mode, even for root
    with pytest.raises(fileio.ReadOnlyFileError):
        with fileio.replacing(target):
            raise AssertionError("never reached")
    assert target.read_bytes() == b"keep"
