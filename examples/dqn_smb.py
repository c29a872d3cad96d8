"""DQN with a replay buffer (stable-baselines3) on SuperMarioBros-1-1 through nesenv's native
vector env, as the DQN tutorials do it (Mnih et al. 2015's observation, epsilon-greedy, a target
network).

    python examples/dqn_smb.py                 # a long run (default 1M steps or 50 minutes)
    python examples/dqn_smb.py --quick         # a few hundred steps, as CI runs it

Same observations (``--obs``, default ``pixels42``) and actions as ``ppo_smb.py``
(SIMPLE_MOVEMENT), rewards scaled by ``VecNormalize``. The replay buffer stores each observation
once (``optimize_memory_usage``): ``--buffer`` transitions take about 7 KB each with
``pixels42``, 28 KB with ``pixels`` (100,000: 2.8 GB), 15 KB with ``tiles``.

Writes into ``--out`` (default ``runs/dqn_smb``) the same files as ``ppo_smb.py``: ``curve.csv``,
``curve.png``, ``tb/``, ``model.zip``, ``agent.mp4``, ``summary.json``.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smb_common as common  # noqa: E402


def parse_args(argv=None):
    p = common.sb3_parser(
        __doc__, "dqn_smb", steps=1_000_000, n_envs=4, obs="pixels42",
        quick_help="a smoke run: 512 steps, learning from step 128, 8 evaluation episodes")
    p.add_argument("--buffer", type=int, default=50_000, help="replay buffer size (transitions)")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from stable_baselines3 import DQN

    hp = dict(learning_rate=1e-4, learning_starts=10_000, batch_size=32, gamma=0.99,
              train_freq=4, gradient_steps=1, target_update_interval=1000,
              exploration_fraction=0.1, exploration_final_eps=0.05)
    env_limit = {}
    if args.quick:
        args.steps, args.n_envs, args.eval_episodes, args.buffer = 512, 4, 8, 1000
        hp.update(learning_starts=128, target_update_interval=100)
        env_limit = dict(max_episode_steps=200)
    return common.run_sb3(args, DQN, hp, log_every=max(args.n_envs * 250, 100),
                          deterministic=True, env_limit=env_limit, buffer_size=args.buffer,
                          optimize_memory_usage=True,
                          replay_buffer_kwargs=dict(handle_timeout_termination=False))


if __name__ == "__main__":
    main()
