"""PPO (stable-baselines3) on SuperMarioBros-1-1 through nesenv's native vector env.

    python examples/ppo_smb.py                 # the full run (see examples/README.md)
    python examples/ppo_smb.py --obs pixels    # on the ALE pipeline's 84 x 84 pixels
    python examples/ppo_smb.py --quick         # a few hundred steps, as CI runs it

Observation (``--obs``, ``smb_common.OBSERVATIONS``), 4 frames a step, the last 4 stacked:
``pixels42`` (default: the ALE pipeline computed in C by the vector env's pool threads,
grayscale, area-averaged to 42 x 42, the last two frames max-pooled, ``(4, 42, 42)`` uint8,
through ``smb_nets.SmallCNN``), ``pixels`` (the same at 84 x 84, SB3's ``NatureCNN``) or
``tiles`` (the screen's tile and sprite indices, ``(4, 30, 32, 4)`` uint8, through
``smb_nets.TilesCNN``). See examples/README.md for what each costs.
Actions: SIMPLE_MOVEMENT (7). Rewards are scaled by SB3's ``VecNormalize`` (the curve shows the
game's own rewards).

Writes into ``--out`` (default ``runs/ppo_smb``): ``curve.csv`` and ``curve.png`` (mean episode
return and mean max ``x_pos`` of the last 100 episodes against env steps, the random policy's as
a dashed line), ``tb/`` (TensorBoard: ``tensorboard --logdir runs/ppo_smb/tb``), ``model.zip``,
``agent.mp4`` (one episode of the trained agent, with sound) and ``summary.json`` (steps, wall
time, load average, the trained and the random policy's mean max ``x_pos``).
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smb_common as common  # noqa: E402

#: PPO's hyperparameters for each observation: "pixels" keeps Atari PPO's (Schulman et al.
#: 2017); the small nets get the short horizon SMB's dense reward (x_pos gained) allows,
#: gamma 0.9 as the SMB PPO examples use it, longer rollouts and clip 0.2
HYPERPARAMETERS = {
    "pixels": dict(n_steps=256, batch_size=256, n_epochs=4, learning_rate=2.5e-4, gamma=0.99,
                   gae_lambda=0.95, clip_range=0.1, ent_coef=0.01, vf_coef=0.5),
}
HYPERPARAMETERS["pixels42"] = HYPERPARAMETERS["tiles"] = dict(
    HYPERPARAMETERS["pixels"], n_steps=512, gamma=0.9, clip_range=0.2)


def parse_args(argv=None):
    return common.sb3_parser(
        __doc__, "ppo_smb", steps=2_000_000, n_envs=8, obs="pixels42",
        quick_help="a smoke run: 512 steps, 4 envs, 8 evaluation episodes of 200 steps at most",
    ).parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from stable_baselines3 import PPO

    hp = dict(HYPERPARAMETERS[args.obs])
    env_limit = {}
    if args.quick:
        args.steps, args.n_envs, args.eval_episodes = 512, 4, 8
        hp.update(n_steps=64, batch_size=128, n_epochs=1)
        env_limit = dict(max_episode_steps=200)  # keep the evaluations short
    return common.run_sb3(args, PPO, hp, log_every=args.n_envs * hp["n_steps"],
                          deterministic=False, env_limit=env_limit)


if __name__ == "__main__":
    main()
