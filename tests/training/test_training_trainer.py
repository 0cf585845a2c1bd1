"""The trainer: a tiny run learns, resume continues exactly, DDP on CPU, the command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from training.config import TrainConfig, parse_kv
from training.train import build_parser, main
from training.trainer import Trainer, load_checkpoint

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _one_thread():  # noqa: ANN202 - deterministic and polite on a shared 2-core machine
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_tiny_run_lowers_l1(color_data: Path, tmp_path: Path, make_config) -> None:
    cfg = make_config(color_data, tmp_path / "run", max_steps=40, lr_g=2e-3, lr_d=1e-3, decay_from=1.0,
                      hint_none=1.0)
    trainer = Trainer(cfg)
    summary = trainer.fit()
    l1 = [h["l1"] for h in trainer.history]
    assert summary["step"] == 40 and len(l1) == 40
    assert np.mean(l1[-8:]) < 0.7 * np.mean(l1[:4])
    out = tmp_path / "run"
    rows = [json.loads(line) for line in (out / "stats.jsonl").read_text().splitlines()]
    assert rows[-1]["step"] == 40 and {"l1", "tv", "hint", "loss_d", "g_gan", "img_per_s"} <= set(rows[-1])
    assert (out / "samples" / "final.png").is_file() and (out / "checkpoint.pt").is_file()
    assert trainer.sched_g.get_last_lr()[0] == pytest.approx(2e-3)


def test_resume_gives_the_same_next_losses(color_data: Path, tmp_path: Path, make_config) -> None:
    cfg = make_config(color_data, tmp_path / "a", max_steps=6, accum=2, decay_from=0.3)
    full = Trainer(cfg)
    full.fit()
    part = Trainer(cfg.replace(out=str(tmp_path / "b")))
    part.fit(until_step=3)
    resumed = Trainer(cfg.replace(out=str(tmp_path / "b")))
    resumed.resume()
    assert resumed.step == 3
    resumed.fit()
    assert resumed.step == 6
    for a, b in zip(full.history[3:], resumed.history, strict=True):
        assert a["l1"] == pytest.approx(b["l1"], rel=1e-5, abs=1e-7)
        assert a["loss_d"] == pytest.approx(b["loss_d"], rel=1e-5, abs=1e-7)
    sa, sb = full.G.state_dict(), resumed.G.state_dict()
    assert all(torch.allclose(sa[k].float(), sb[k].float(), atol=1e-6) for k in sa)


def test_bce_and_resnet_and_no_gan_configs_train(color_data: Path, tmp_path: Path, make_config) -> None:
    for i, kw in enumerate([dict(gan_mode="bce"), dict(gan_mode="none", lambda_tv=0.0),
                            dict(arch="resnet", gen="base_width=4,n_blocks=1,n_down=2")]):
        t = Trainer(make_config(color_data, tmp_path / f"r{i}", max_steps=2, **kw))
        t.fit()
        assert t.step == 2 and all(np.isfinite(v) for v in t.history[-1].values())


def test_checkpoint_is_plain_data(color_data: Path, tmp_path: Path, make_config) -> None:
    t = Trainer(make_config(color_data, tmp_path / "c", max_steps=1))
    t.fit()
    state = load_checkpoint(tmp_path / "c" / "checkpoint.pt")  # weights_only=True
    assert state["step"] == 1 and state["config"]["gen"].startswith("base_width=4")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ValueError, match="junk.pt"):  # a plain error naming the file (unpickling: test_hostile_models)
        load_checkpoint(tmp_path / "junk.pt")


def test_cli_help_overrides_and_resume(color_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = build_parser().format_help()
    for flag in ("--lambda-l1", "--gan-mode", "--gen", "--resume", "--accum", "--checkpoint-minutes"):
        assert flag in text
    assert parse_kv("base_width=32,norm=instance,dropout=0.5") == {
        "base_width": 32, "norm": "instance", "dropout": 0.5}
    with pytest.raises(ValueError):
        TrainConfig(gen="no_such_key=1")
    out = tmp_path / "cli"
    args = ["--data", str(color_data), "--out", str(out), "--gen", "base_width=4,depth=3",
            "--d-width", "4", "--batch-size", "2", "--canvas", "32", "--crop", "32", "--max-steps", "2",
            "--threads", "1", "--progress", "false"]
    assert main(args) == 0
    assert main(["--out", str(out), "--resume", "--max-steps", "3", "--progress", "false"]) == 0
    assert load_checkpoint(out / "checkpoint.pt")["step"] == 3
    assert main(["--out", str(out), "--resume", "--print-config"]) == 0
    assert json.loads(capsys.readouterr().out)["max_steps"] == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ddp_on_cpu_with_gloo(color_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(_free_port()),
           "-m", "training.train", "--data", str(color_data), "--out", str(out),
           "--gen", "base_width=4,depth=3", "--d-width", "4", "--d-layers", "2", "--batch-size", "2",
           "--canvas", "32", "--crop", "32", "--max-steps", "3", "--threads", "1", "--progress", "false",
           "--device", "cpu"]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    state = load_checkpoint(out / "checkpoint.pt")
    assert state["step"] == 3 and state["images_seen"] == 3 * 2 * 2  # 2 processes x batch 2


def test_init_fine_tunes_from_a_checkpoint_or_an_exported_model(trained_run: tuple[Path, Path],
                                                                 tmp_path: Path, make_config) -> None:
    from training.export import main as export_main

    data, ckpt = trained_run
    state = load_checkpoint(ckpt)
    tuned = Trainer(make_config(data, tmp_path / "ft", max_steps=2, lambda_tv=1e-3))
    tuned.init_from(ckpt)
    assert tuned.step == 0
    assert all(torch.equal(tuned.G.state_dict()[k], v) for k, v in state["G"].items())
    assert all(torch.equal(tuned.D.state_dict()[k], v) for k, v in state["D"].items())
    tuned.fit()
    assert tuned.step == 2 and any(not torch.equal(tuned.G.state_dict()[k], v) for k, v in state["G"].items())
    from training.export import provenance

    facts = provenance(load_checkpoint(tmp_path / "ft" / "checkpoint.pt"))  # totals count every stage
    assert facts["steps"] == 3 + 2 and facts["this_run"]["steps"] == 2
    assert [s["steps"] for s in facts["lineage"]] == [3] and facts["lineage"][0]["source"] == str(ckpt)
    assert facts["images_seen"] == state["images_seen"] + facts["this_run"]["images_seen"]
    assert facts["config"]["lambda_tv"] == 1e-3 and facts["lineage"][0]["config"]["lambda_tv"] != 1e-3

    model = tmp_path / "m.safetensors"
    assert export_main([str(ckpt), "-o", str(model), "--precision", "fp32"]) == 0
    from_model = Trainer(make_config(data, tmp_path / "ft2", max_steps=2))
    from_model.init_from(model)
    assert all(torch.equal(from_model.G.state_dict()[k], v) for k, v in state["G"].items())
    assert [s["steps"] for s in from_model.lineage] == [3]

    other = Trainer(make_config(data, tmp_path / "ft3", gen="base_width=8,depth=3,dropout=0.0"))
    for source in (ckpt, model):
        with pytest.raises(ValueError, match="match"):
            other.init_from(source)
    out = tmp_path / "cli"
    assert main(["--data", str(data), "--out", str(out), "--init", str(model), "--gen", "base_width=4,depth=3,dropout=0.0",
                 "--d-width", "4", "--d-layers", "2", "--batch-size", "2", "--canvas", "32", "--crop", "32",
                 "--max-steps", "1", "--threads", "1", "--progress", "false"]) == 0
    assert load_checkpoint(out / "checkpoint.pt")["step"] == 1
    assert main(["--data", str(data), "--out", str(tmp_path / "bad"), "--init", str(tmp_path / "missing.pt"),
                 "--progress", "false"]) == 2
