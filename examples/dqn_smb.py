"""DQN with a replay buffer (stable-baselines3) on SuperMarioBros-1-1 through nesenv's native
vector env, as the DQN tutorials do it (Mnih et al. 2015's observation, epsilon-greedy, a target
network).

    python examples/dqn_smb.py                 # a long run (default 1M steps or 50 minutes)
    python examples/dqn_smb.py --quick         # a few hundred steps, as CI runs it

Same observation and actions as ``ppo_smb.py`` (``(4, 84, 84)`` uint8, SIMPLE_MOVEMENT), rewards
scaled by ``VecNormalize``. The replay buffer stores each observation once
(``optimize_memory_usage``): ``--buffer`` transitions take about 28 KB each (100,000: 2.8 GB).

Writes into ``--out`` (default ``runs/dqn_smb``) the same files as ``ppo_smb.py``: ``curve.csv``,
``curve.png``, ``tb/``, ``model.zip``, ``agent.mp4``, ``summary.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smb_common as common  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=1_000_000, help="env steps to train (default 1M)")
    p.add_argument("--max-minutes", type=float, default=50.0,
                   help="stop training after this much wall time (default 50)")
    p.add_argument("--n-envs", type=int, default=4, help="consoles in the vector env")
    p.add_argument("--buffer", type=int, default=50_000, help="replay buffer size (transitions)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--eval-episodes", type=int, default=32)
    p.add_argument("--out", default=os.path.join("runs", "dqn_smb"))
    p.add_argument("--no-video", action="store_true", help="skip agent.mp4 (needs imageio-ffmpeg)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: 512 steps, learning from step 128, 8 evaluation episodes")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from stable_baselines3 import DQN
    from stable_baselines3.common.vec_env import VecNormalize

    import nesenv.sb3

    common.set_torch_threads(args.threads)
    hp = dict(learning_rate=1e-4, learning_starts=10_000, batch_size=32, gamma=0.99,
              train_freq=4, gradient_steps=1, target_update_interval=1000,
              exploration_fraction=0.1, exploration_final_eps=0.05)
    env_limit = {}
    if args.quick:
        args.steps, args.n_envs, args.eval_episodes, args.buffer = 512, 4, 8, 1000
        hp.update(learning_starts=128, target_update_interval=100)
        env_limit = dict(max_episode_steps=200)
    os.makedirs(args.out, exist_ok=True)
    title = f"DQN on {common.ENV_ID} (nesenv, SB3)"

    baseline = common.random_baseline(args.eval_episodes, args.n_envs, args.seed, **env_limit)
    print(f"random policy: mean max x_pos {baseline['mean_max_x_pos']:.1f} "
          f"over {baseline['episodes']} episodes")

    venv = nesenv.sb3.make_vec_env(common.ENV_ID, n_envs=args.n_envs, seed=args.seed,
                                   actions=common.ACTIONS, spin_us=0, **common.OBS_OPTIONS,
                                   **env_limit)
    venv = VecNormalize(venv, norm_obs=False, norm_reward=True, gamma=hp["gamma"])
    model = DQN("CnnPolicy", venv, buffer_size=args.buffer, seed=args.seed, verbose=0,
                optimize_memory_usage=True,
                replay_buffer_kwargs=dict(handle_timeout_termination=False),
                tensorboard_log=os.path.join(args.out, "tb"), **hp)
    callback = common.make_sb3_callback(
        log_every=max(args.n_envs * 250, 100), out_dir=args.out, title=title,
        total_steps=args.steps, max_seconds=args.max_minutes * 60, baseline=baseline)
    start = time.monotonic()
    model.learn(args.steps, callback=callback, tb_log_name="dqn")
    train_s = time.monotonic() - start
    model.save(os.path.join(args.out, "model.zip"))
    venv.close()

    def policy(obs):
        return model.predict(obs, deterministic=True)[0]

    trained = common.evaluate_vec(policy, args.eval_episodes, args.n_envs, **env_limit)
    summary = dict(
        env_id=common.ENV_ID, env_steps=int(model.num_timesteps), train_wall_s=round(train_s, 1),
        steps_per_s=round(model.num_timesteps / train_s, 1),
        stopped_by_time_limit=callback.stopped_early, hyperparameters=hp, n_envs=args.n_envs,
        buffer_size=args.buffer, trained=trained, random=baseline, curve_last=callback.rows[-1],
    )
    if not args.no_video:
        summary["video"] = common.record_video(
            lambda obs: policy(obs[None])[0], os.path.join(args.out, "agent.mp4"),
            max_steps=200 if args.quick else 3000)
    with open(os.path.join(args.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print(f"trained {summary['env_steps']} steps in {train_s / 60:.1f} min; mean max x_pos: "
          f"agent {trained['mean_max_x_pos']:.1f}, random {baseline['mean_max_x_pos']:.1f}; "
          f"written to {args.out}")
    return summary


if __name__ == "__main__":
    main()
