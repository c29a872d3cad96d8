"""PPO (stable-baselines3) on SuperMarioBros-1-1 through nesenv's native vector env.

    python examples/ppo_smb.py                 # the full run (see examples/README.md)
    python examples/ppo_smb.py --quick         # a few hundred steps, as CI runs it

Observation: the ALE pipeline computed in C by the vector env's pool threads (grayscale,
84 x 84 area average, 4 frames a step with the last two max-pooled, the last 4 observations
stacked: ``(4, 84, 84)`` uint8); actions: SIMPLE_MOVEMENT (7). Rewards are scaled by SB3's
``VecNormalize`` (the curve shows the game's own rewards).

Writes into ``--out`` (default ``runs/ppo_smb``): ``curve.csv`` and ``curve.png`` (mean episode
return and mean max ``x_pos`` of the last 100 episodes against env steps, the random policy's as
a dashed line), ``tb/`` (TensorBoard: ``tensorboard --logdir runs/ppo_smb/tb``), ``model.zip``,
``agent.mp4`` (one episode of the trained agent, with sound) and ``summary.json`` (steps, wall
time, the trained and the random policy's mean max ``x_pos``).
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
    p.add_argument("--steps", type=int, default=2_000_000, help="env steps to train (default 2M)")
    p.add_argument("--max-minutes", type=float, default=50.0,
                   help="stop training after this much wall time (default 50)")
    p.add_argument("--n-envs", type=int, default=8, help="consoles in the vector env")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (1: on a shared 2-core machine 2 threads ran 20x slower)")
    p.add_argument("--eval-episodes", type=int, default=32,
                   help="episodes for the trained and the random policy's figures")
    p.add_argument("--out", default=os.path.join("runs", "ppo_smb"))
    p.add_argument("--no-video", action="store_true", help="skip agent.mp4 (needs imageio-ffmpeg)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: 512 steps, 4 envs, 8 evaluation episodes of 200 steps at most")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import VecNormalize

    import nesenv.sb3

    common.set_torch_threads(args.threads)
    hp = dict(n_steps=256, batch_size=256, n_epochs=4, learning_rate=2.5e-4, gamma=0.99,
              gae_lambda=0.95, clip_range=0.1, ent_coef=0.01, vf_coef=0.5)
    env_limit = {}
    if args.quick:
        args.steps, args.n_envs, args.eval_episodes = 512, 4, 8
        hp.update(n_steps=64, batch_size=128, n_epochs=1)
        env_limit = dict(max_episode_steps=200)  # keep the evaluations short
    os.makedirs(args.out, exist_ok=True)
    title = f"PPO on {common.ENV_ID} (nesenv, SB3)"

    t0 = time.monotonic()
    baseline = common.random_baseline(args.eval_episodes, args.n_envs, args.seed, **env_limit)
    print(f"random policy: mean max x_pos {baseline['mean_max_x_pos']:.1f} "
          f"over {baseline['episodes']} episodes ({time.monotonic() - t0:.0f} s)")

    venv = nesenv.sb3.make_vec_env(common.ENV_ID, n_envs=args.n_envs, seed=args.seed,
                                   actions=common.ACTIONS, spin_us=0, **common.OBS_OPTIONS,
                                   **env_limit)
    venv = VecNormalize(venv, norm_obs=False, norm_reward=True, gamma=hp["gamma"])
    model = PPO("CnnPolicy", venv, seed=args.seed, verbose=0,
                tensorboard_log=os.path.join(args.out, "tb"), **hp)
    callback = common.make_sb3_callback(
        log_every=args.n_envs * hp["n_steps"], out_dir=args.out, title=title,
        total_steps=args.steps, max_seconds=args.max_minutes * 60, baseline=baseline)
    start = time.monotonic()
    model.learn(args.steps, callback=callback, tb_log_name="ppo")
    train_s = time.monotonic() - start
    model.save(os.path.join(args.out, "model.zip"))
    venv.close()

    def policy(obs):
        return model.predict(obs, deterministic=False)[0]

    trained = common.evaluate_vec(policy, args.eval_episodes, args.n_envs, **env_limit)
    summary = dict(
        env_id=common.ENV_ID, env_steps=int(model.num_timesteps), train_wall_s=round(train_s, 1),
        steps_per_s=round(model.num_timesteps / train_s, 1),
        stopped_by_time_limit=callback.stopped_early, hyperparameters=hp, n_envs=args.n_envs,
        trained=trained, random=baseline, curve_last=callback.rows[-1],
    )
    if not args.no_video:
        summary["video"] = common.record_video(
            lambda obs: policy(obs[None])[0], os.path.join(args.out, "agent.mp4"),
            max_steps=200 if args.quick else 3000)
    with open(os.path.join(args.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print(f"trained {summary['env_steps']} steps in {train_s / 60:.1f} min "
          f"({summary['steps_per_s']} steps/s); mean max x_pos: agent "
          f"{trained['mean_max_x_pos']:.1f}, random {baseline['mean_max_x_pos']:.1f} "
          f"({args.eval_episodes} episodes each); written to {args.out}")
    return summary


if __name__ == "__main__":
    main()
