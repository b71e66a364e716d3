"""Config precedence (defaults < stored < TOML < flags < --set), validation, class subsets."""

from __future__ import annotations

import json

import pytest

from trainer.config import Config, ConfigError, class_list, resolve


def test_precedence_file_then_cli_then_set(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('lr = 0.01\nbatch_size = 64\nmax_steps = 10\n[model]\narch = "residual"\n'
                 'width = 0.5\n')
    cfg = resolve(f, {"batch_size": 32, "lr": None}, ["max_steps=99", "augment=false"],
                  base={"lr": 0.5, "seed": 7, "batch_size": 8})
    assert cfg.lr == 0.01  # file beats the stored config; a flag not given (None) changes nothing
    assert cfg.batch_size == 32  # flag beats file
    assert cfg.max_steps == 99 and cfg.augment is False  # --set beats everything
    assert cfg.arch == "residual" and cfg.width == 0.5  # tables are flattened
    assert cfg.seed == 7  # stored config kept where nothing overrides it
    assert Config().lr != 0.01


@pytest.mark.parametrize("text, needle", [
    ("lr = 'fast'", "lr must be a float"),
    ("nonsense = 1", "unknown setting 'nonsense'"),
    ("arch = 'resnet'", "arch must be one of compact, residual"),
    # the networks earlier versions offered: named as removed
    ("arch = 'layout'", "arch 'layout' was removed (the compact network with a 4x4 grid head"),
    ("arch = 'article'", "arch 'article' was removed (the article's reference network"),
    ("max_steps = 1.5", "max_steps must be a int"),
    ("lr = ", "not valid TOML"),
    ("lr = " + "[" * 100_000 + "]" * 100_000, "nested too deeply"),  # was a RecursionError
])
def test_bad_config_file_named(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(text + "\n")
    with pytest.raises(ConfigError) as e:
        resolve(f)
    assert needle in str(e.value) and str(f) in str(e.value)


def test_set_syntax_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="expected key=value"):
        resolve(sets=["lr"])
    with pytest.raises(ConfigError, match="config file not found"):
        resolve(tmp_path / "nope.toml")
    import os

    os.mkfifo(tmp_path / "fifo.toml")  # refused unread, never waited on
    with pytest.raises(ConfigError, match="fifo.toml: cannot read .is a FIFO"):
        resolve(tmp_path / "fifo.toml")


def test_class_subset_in_given_order(tmp_path):
    assert class_list(Config(classes="人 一人口")) == ["人", "一", "口"]
    assert len(class_list(Config())) == 3755
    f = tmp_path / "cls.txt"
    f.write_text("日\n月\n")
    assert class_list(Config(classes_file=str(f))) == ["日", "月"]
    with pytest.raises(ConfigError, match="not a GB2312 level-1"):
        class_list(Config(classes="一A"))


def test_hash_ignores_bookkeeping_and_dump_is_json():
    a, b = Config(max_steps=10), Config(max_steps=20, run_dir="x")
    assert a.hash() == b.hash()
    assert a.hash() != Config(lr=1.0).hash()
    assert json.loads(a.dump())["max_steps"] == 10


def test_example_configs_resolve():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "resources" / "train"
    # *-chain.toml: a chain of runs for resources/train/run-chain, not a config (test_chain.py)
    files = sorted(f for f in folder.glob("*.toml") if not f.name.endswith("-chain.toml"))
    assert files
    for f in files:
        resolve(f)


@pytest.mark.parametrize("setting, needle", [
    ("log_every=0", "log_every must be at least 1"),
    ("batch_size=0", "batch_size must be at least 1"),
    ("steps_per_execution=0", "steps_per_execution must be at least 1"),
    ("checkpoint_every=-5", "checkpoint_every must be 0 or more"),
    ("seed=-1", "seed must be 0 or more"),
    ("lr=nan", "lr must be a positive finite number"),
    ("lr=-0.001", "lr must be a positive finite number"),
    ("lr=0", "lr must be a positive finite number"),
    ("lr=inf", "lr must be a positive finite number"),
    ("min_lr=-1e-5", "min_lr must be a finite number of 0 or more"),
    ("width=0", "width must be a positive finite number"),
    ("width=-1", "width must be a positive finite number"),
    ("width=nan", "width must be a positive finite number"),
    ("dropout=1", "dropout must be a fraction from 0 to below 1"),
    ("elastic=1.5", "elastic must be a fraction from 0 to 1"),
    ("thickness=-0.1", "thickness must be a fraction from 0 to 1"),
    ("label_smoothing=2", "label_smoothing must be a fraction from 0 to 1"),
    ("translate=nan", "translate must be a fraction from 0 to 1"),
    ("brightness=1.2", "brightness must be a fraction from 0 to 1"),
    ("rotation=-3", "rotation must be a finite number of 0 or more"),
    ("batch_size=1000000000", "batch_size must be at most 65,536"),  # was a TF traceback
    ("width=1e30", "width must be at most 16.0"),
    ("max_steps=" + "9" * 30, "max_steps must be at most"),
])
def test_out_of_range_settings_refused_naming_the_key(setting, needle):
    """Settings that crash later (log_every=0: ZeroDivisionError) or train garbage (lr=nan,
    width<=0, shares outside 0..1) are refused up front, naming the key and where it came from."""
    with pytest.raises(ConfigError) as e:
        resolve(sets=[setting])
    assert needle in str(e.value) and str(e.value).startswith("--set: "), str(e.value)


def test_range_errors_name_the_layer_the_value_came_from(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("lr = -1.0\n")
    with pytest.raises(ConfigError, match=f"^{f}: lr must be a positive finite number, got -1.0"):
        resolve(f)
    with pytest.raises(ConfigError, match="^command line: width must be"):
        resolve(overrides={"width": 0.0})
    # a bad stored value is fine once the command line replaces it
    assert resolve(overrides={"lr": 0.01}, base={"lr": float("nan")}).lr == 0.01
    with pytest.raises(ConfigError, match="^stored config: lr must be"):
        resolve(base={"lr": float("nan")})
    # edges that are allowed
    cfg = resolve(sets=["dropout=0", "elastic=1", "checkpoint_every=0", "val_every=0",
                        "shuffle_buffer=0", "warmup_steps=0", "min_lr=0", "rotation=0"])
    assert cfg.elastic == 1.0 and cfg.checkpoint_every == 0


def test_classes_file_that_is_a_fifo_or_dev_zero_is_refused_unread(tmp_path):
    import os

    from trainer.config import Config, class_list

    os.mkfifo(tmp_path / "fifo.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    for name, needle in (("fifo.txt", "is a FIFO"), ("zero.txt", "is a character device")):
        with pytest.raises(ConfigError, match=f"{name}: cannot read classes file .{needle}"):
            class_list(Config(classes_file=str(tmp_path / name)))
