"""The examples of examples/ run end to end in their --quick mode (each a few hundred env steps):
PPO and DQN (SB3) write their curve, TensorBoard log, model and video; NEAT evolves two
generations on the native vector env; RLlib PPO trains one iteration on a local Ray cluster with
a native vector env per env runner; Ray Core evaluates the NEAT population on two workers and
gets the fitnesses that NEAT gets in one process."""
import csv
import json
import sys
from pathlib import Path

import pytest

from tests.vector._support import smb_rom

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))

pytest.importorskip("stable_baselines3", reason="the examples extra is part of the test extra")
pytest.importorskip("neat", reason="the examples extra is part of the test extra")
import smb_common  # noqa: E402


def _curve(path):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == smb_common.CURVE_FIELDS
    return rows


def _check_sb3_outputs(out: Path, summary: dict):
    assert summary["env_steps"] == 512
    rows = _curve(out / "curve.csv")
    assert int(rows[-1]["env_steps"]) == 512
    assert (out / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list((out / "tb").rglob("events.out.tfevents.*"))
    assert (out / "model.zip").stat().st_size > 10_000
    assert (out / "agent.mp4").read_bytes()[4:8] == b"ftyp"
    assert json.loads((out / "summary.json").read_text())["env_steps"] == 512
    # 8 episodes each, capped at 200 steps (an untrained greedy DQN may walk left of the start,
    # x_pos 40); random actions get past the start (370.1 with this seed)
    for who in ("trained", "random"):
        assert summary[who]["episodes"] == 8
        assert 0 < summary[who]["mean_max_x_pos"] < 3200
    assert summary["random"]["mean_max_x_pos"] == 370.125
    assert 1 <= summary["video"]["steps"] <= 200


def test_ppo_quick(tmp_path):
    smb_rom()
    import ppo_smb

    _check_sb3_outputs(tmp_path, ppo_smb.main(["--quick", "--out", str(tmp_path)]))


def test_dqn_quick(tmp_path):
    smb_rom()
    import dqn_smb

    _check_sb3_outputs(tmp_path, dqn_smb.main(["--quick", "--out", str(tmp_path)]))


def test_tiles_cnn_reads_every_other_cell_as_categories():
    torch = pytest.importorskip("torch")
    import gymnasium as gym
    import numpy as np

    import smb_nets

    space = gym.spaces.Box(0, 255, (4, 30, 32, 4), np.uint8)
    torch.manual_seed(0)
    net = smb_nets.TilesCNN(space, features_dim=16)
    base = torch.zeros((1,) + space.shape)
    base[..., 0] = 0x24  # SMB's sky tile everywhere, no sprites
    out = net(base)
    assert out.shape == (1, 16) and out.dtype == torch.float32

    def changed(row, col, channel, value):
        x = base.clone()
        x[0, 3, row, col, channel] = value
        return not torch.equal(net(x), out)

    assert changed(10, 12, 0, 0x25)              # a background tile on a kept cell
    assert not changed(11, 12, 0, 0x25)          # odd rows and columns are skipped
    assert not changed(10, 13, 0, 0x25)
    assert not changed(10, 12, 2, 0x3A)          # a sprite tile without a sprite palette: none
    assert changed(10, 12, 3, 1) and not changed(10, 12, 1, 2)  # sprite present; bg palette dropped
    with pytest.raises(ValueError, match="tiles"):
        smb_nets.TilesCNN(gym.spaces.Box(0, 255, (4, 84, 84), np.uint8))


def test_hyperparameter_override():
    hp = dict(gamma=0.99, n_steps=256)
    assert smb_common.override(hp, ["gamma=0.9", "n_steps=512"]) == dict(gamma=0.9, n_steps=512)
    assert hp == dict(gamma=0.99, n_steps=256)
    with pytest.raises(ValueError, match="KEY=VALUE"):
        smb_common.override(hp, ["lr=1e-4"])
    with pytest.raises(ValueError, match="KEY=VALUE"):
        smb_common.override(hp, ["gamma"])


def test_episode_log_counts_finished_episodes():
    log = smb_common.EpisodeLog(2)
    log.update([1.0, 2.0], [False, False], [50, 60], 2)
    log.update([3.0, -1.0], [True, False], [45, 70], 4)
    log.update([5.0, 1.0], [False, True], [41, 65], 6)
    assert log.episodes == [dict(ret=4.0, length=2, max_x_pos=50, env_steps=4),
                            dict(ret=2.0, length=3, max_x_pos=70, env_steps=6)]
    assert log.recent() == (3.0, 60.0)


def test_neat_ram_features_show_ground_pipe_and_goomba():
    smb_rom()
    import gymnasium as gym
    import numpy as np

    import neat_smb

    env = gym.make("SuperMarioBros-1-1-v0", obs_type="ram", frameskip=4)
    ram, _ = env.reset(seed=0)
    for t in range(60):
        ram, *_ = env.step(0x80 if t % 8 else 0x81)  # right, jumping now and then
    env.close()
    feats = neat_smb.ram_features(ram[None])
    assert feats.shape == (1, neat_smb.N_INPUTS)
    grid = feats[0, :-1].reshape(13, 12)
    assert (grid[11:] == 1).all()                      # the ground: the two bottom rows
    assert grid[9:11, 11].tolist() == [1, 1]           # the first pipe, ahead on the right
    assert (grid == -1).sum() == 1                     # one goomba, on the ground
    assert grid[10].tolist().index(-1) == 2


@pytest.fixture(scope="module")
def neat_quick(tmp_path_factory):
    smb_rom()
    import neat_smb

    return neat_smb.main(["--quick", "--out", str(tmp_path_factory.mktemp("neat"))])


def test_neat_quick(neat_quick):
    assert neat_quick["generations"] == 2 and neat_quick["pop_size"] == 8
    # fitness = the max x_pos of 100 steps (400 frames); the start is at x_pos 40
    assert [r["best"] for r in neat_quick["curve"]] == [434.0, 694.0]


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="the examples extra is part of the test extra")
    smb_common.init_ray(num_cpus=2)
    yield ray
    ray.shutdown()


def test_ray_eval_gives_the_fitnesses_of_one_process(local_ray, neat_quick):
    import ray_eval

    summary = ray_eval.main(["--quick"])
    assert summary["workers"] == 2 and summary["generations"] == 2
    assert [r["best"] for r in summary["per_generation"]] == [r["best"] for r in neat_quick["curve"]]
    assert summary["env_steps"] > 0


def test_rllib_ppo_trains_one_iteration(local_ray):
    import rllib_ppo

    history = rllib_ppo.main(["--quick"])["history"]
    assert len(history) == 1 and history[0]["iteration"] == 1
    assert history[0]["env_steps"] >= 128


def test_rllib_env_creator_gives_a_channels_last_native_vector_env():
    smb_rom()
    pytest.importorskip("ray", reason="the examples extra is part of the test extra")
    import numpy as np

    import rllib_ppo
    from nesenv.vector import NESVectorEnv

    vec = rllib_ppo.make_env(dict(num_envs=3, actions=smb_common.ACTIONS, **smb_common.OBS_OPTIONS))
    try:
        assert isinstance(vec.unwrapped, NESVectorEnv) and vec.num_envs == 3
        assert vec.single_observation_space.shape == (84, 84, 4)
        obs, _ = vec.reset(seed=0)
        raw, _ = vec.unwrapped.reset(seed=0)
        assert obs.shape == (3, 84, 84, 4) and obs.dtype == np.float32
        assert np.array_equal(obs * 255.0, np.moveaxis(raw, 1, -1).astype(np.float32))
    finally:
        vec.close()
    with pytest.raises(ValueError, match="vector_entry_point"):
        rllib_ppo.make_env({})
