"""Training on several processes (gloo on the CPU): the same model on every rank, the same
steps as one process on the union of their batches, and the real command under torchrun."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp

from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.distributed import World, epoch_rows, from_environment, leave
from aeviewer.core.model import build_model, to_tensor
from aeviewer.core.session import load_session, read_header
from aeviewer.core.training.loop import Objective, Trainer
from tests.small_data import grey_mvtec

CONFIG = ModelConfig(image_size=16, channels=1, latent_dim=4, base_width=4)
TRAIN = TrainConfig(epochs=2, batch_size=6, learning_rate=2e-3, seed=3)
STEPS = 4  # 24 pictures: 12 a rank, 2 batches of 6 an epoch, 2 epochs


def pictures() -> np.ndarray:
    return np.random.default_rng(7).integers(0, 255, (24, 16, 16, 1), dtype=np.uint8)


def _rank(rank: int, size: int, port: int, out: str) -> None:
    import torch.distributed as dist

    torch.set_num_threads(1)
    store = dist.TCPStore("127.0.0.1", port, is_master=False)
    dist.init_process_group("gloo", store=store, rank=rank, world_size=size)
    world = World(rank, size, rank, "gloo")
    try:
        model = build_model(CONFIG, seed=rank)  # other weights on purpose: DDP starts every rank from rank 0's
        trainer = Trainer(model, pictures(), TRAIN, torch.device("cpu"), record=False, world=world)
        weights = []
        for _ in trainer.fit():
            weights.append(torch.cat([p.detach().flatten() for p in model.parameters()]).numpy().copy())
        np.save(f"{out}/rank{rank}.npy", np.stack(weights))
        np.save(f"{out}/losses{rank}.npy", np.array(trainer.losses))
    finally:
        leave(world)


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    """Two ranks whose rendezvous store lives in this process: rank 0 may then exit first
    without pulling the store from under rank 1 (a race that aborted a loaded CI run)."""
    import torch.distributed as dist

    out = tmp_path_factory.mktemp("ddp")
    store = dist.TCPStore("127.0.0.1", 0, is_master=True, wait_for_workers=False)
    mp.start_processes(_rank, args=(2, store.port, str(out)), nprocs=2, join=True, start_method="spawn")
    del store
    return np.load(out / "rank0.npy"), np.load(out / "rank1.npy"), np.load(out / "losses0.npy")


def test_the_environment_names_the_world():
    assert not from_environment({}).distributed
    w = from_environment({"WORLD_SIZE": "4", "RANK": "2", "LOCAL_RANK": "0"})
    assert (w.size, w.rank, w.local_rank, w.distributed, w.main) == (4, 2, 0, True, False)


def test_each_epoch_is_dealt_out_whole_and_evenly():
    shares = [epoch_rows(10, 3, 0, World(r, 3)) for r in range(3)]
    assert {len(s) for s in shares} == {4}  # 10 rows to 3 ranks: 4 each, two repeated
    assert set(torch.cat(shares).tolist()) == set(range(10))
    assert not torch.equal(epoch_rows(10, 3, 0, World(0, 3)), epoch_rows(10, 4, 0, World(0, 3)))


def test_both_ranks_hold_the_same_weights_after_every_step(two_ranks):
    rank0, rank1, _ = two_ranks
    assert rank0.shape[0] == STEPS
    np.testing.assert_array_equal(rank0, rank1)
    assert not np.allclose(rank0[0], rank0[-1])  # and they trained


def test_the_steps_are_one_process_on_the_union_of_the_ranks_batches(two_ranks):
    """DistributedDataParallel averages the two ranks' gradients: the same as one process
    taking both ranks' batches at once (to float rounding)."""
    rank0, _, losses = two_ranks
    model = build_model(CONFIG, seed=0)
    objective = Objective(model)
    optimiser = torch.optim.Adam(model.parameters(), lr=TRAIN.learning_rate)
    data = to_tensor(pictures(), torch.device("cpu"))
    reference_losses = []
    step = 0
    for epoch in range(TRAIN.epochs):
        shares = [epoch_rows(len(data), epoch, TRAIN.seed, World(r, 2)) for r in range(2)]
        for start in range(0, len(shares[0]), TRAIN.batch_size):
            rows = torch.cat([s[start : start + TRAIN.batch_size] for s in shares])
            x = data[rows]
            loss = objective(x, x)[3]
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            reference_losses.append(float(loss.detach()))
            weights = torch.cat([p.detach().flatten() for p in model.parameters()]).numpy()
            np.testing.assert_allclose(rank0[step], weights, rtol=1e-4, atol=1e-6)
            step += 1
    np.testing.assert_allclose(losses, reference_losses, rtol=1e-4)


def test_torchrun_trains_one_model_and_only_rank_0_speaks(tmp_path, rng):
    """The real command under torchrun, two gloo processes; against one process with the same
    pictures per step (batch 8 on each of 2 ranks, batch 16 alone): the last losses agree to 15 %."""
    data = grey_mvtec(tmp_path / "data", rng, train=48, good=8, defect=8, size=24)
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    common = [str(data), "--epochs", "6", "--checkpoint-every", "2", "--seed", "1", "--device", "cpu"]
    two = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "aeviewer", "train", *common, "--out", str(tmp_path / "two.aesession"), "--batch-size", "8"],
        capture_output=True, text=True, env=env, timeout=240)
    assert two.returncode == 0, two.stderr[-3000:]
    assert "distributed: 2 processes, gloo, cpu" in two.stderr
    assert "16 a step, so an epoch is 1/2 of one process's steps; to learn as one process does, --batch-size 4" \
        in two.stderr
    assert two.stdout.count("saved ") == 1  # rank 1 printed nothing
    assert two.stderr.count("done: 6 epochs") == 1
    one = subprocess.run(
        [sys.executable, "-m", "aeviewer", "train", *common, "--out", str(tmp_path / "one.aesession"),
         "--batch-size", "16"], capture_output=True, text=True, env=env, timeout=240)
    assert one.returncode == 0, one.stderr[-3000:]

    header = read_header(tmp_path / "two.aesession")
    assert header["info"]["world_size"] == 2
    _, session = load_session(tmp_path / "two.aesession")
    _, alone = load_session(tmp_path / "one.aesession")
    assert session.checkpoint is not None and session.checkpoint.finished
    assert session.checkpoint.world_size == 2 and alone.checkpoint.world_size == 1
    last, last_alone = session.checkpoint.losses[-3:].mean(), alone.checkpoint.losses[-3:].mean()
    assert abs(last - last_alone) / last_alone < 0.15, (last, last_alone)
    assert last < 0.8 * session.checkpoint.losses[0]  # and it learned
