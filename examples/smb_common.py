"""What the Super Mario Bros. examples share: the env options, the learning curve (CSV + PNG),
the random-policy baseline, the SB3 callback that records episodes, and the video of an agent.

Not an API of nesenv: a helper module for the scripts in this folder (they add its folder to
``sys.path`` by being run from it).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import time
from typing import Callable, Dict, List, Optional, Sequence

import gymnasium as gym
import numpy as np

import nesenv  # noqa: F401  (registers the ids)
from nesenv.actions import SIMPLE_MOVEMENT

ENV_ID = "SuperMarioBros-1-1-v0"
#: the observations the SB3 examples train on (``--obs``), each 4 frames a step, the last 4
#: observations stacked: "pixels" is the ALE pipeline (Mnih et al. 2015), computed in C,
#: ``(4, 84, 84)``; "pixels42" the same at 42 x 42; "tiles" the tile and sprite indices of
#: the screen, ``(4, 30, 32, 4)`` (the last frame's; tiles are not max-pooled)
OBSERVATIONS = {
    "pixels": dict(obs_type="grayscale", shape=(84, 84), frameskip=4, stack=4),
    "pixels42": dict(obs_type="grayscale", shape=(42, 42), frameskip=4, stack=4),
    "tiles": dict(obs_type="tiles", frameskip=4, stack=4),
}
#: the ALE pipeline, which the RLlib example uses
OBS_OPTIONS = OBSERVATIONS["pixels"]
ACTIONS = SIMPLE_MOVEMENT
#: the columns of curve.csv, one row per logging point
CURVE_FIELDS = ("env_steps", "wall_s", "episodes", "mean_return", "mean_max_x_pos", "load_avg")


def set_torch_threads(n: int) -> None:
    """Use ``n`` threads for torch's CPU kernels (its default takes every core)."""
    import torch

    torch.set_num_threads(n)


class EpisodeLog:
    """Finished episodes (return, length, max ``x_pos``) of N parallel envs, fed step by step.

    ``update(rewards, dones, x_pos)`` takes ``(N,)`` arrays of one vector step; an episode's
    max ``x_pos`` includes its last step's ``x_pos``.
    """

    def __init__(self, num_envs: int):
        self.returns = np.zeros(num_envs)
        self.lengths = np.zeros(num_envs, dtype=np.int64)
        self.max_x = np.zeros(num_envs, dtype=np.int64)
        self.episodes: List[Dict[str, float]] = []  # return, length, max_x_pos, env_steps

    def update(self, rewards, dones, x_pos, env_steps: int) -> None:
        self.returns += rewards
        self.lengths += 1
        np.maximum(self.max_x, np.asarray(x_pos, dtype=np.int64), out=self.max_x)
        for i in np.flatnonzero(dones):
            self.episodes.append(dict(ret=float(self.returns[i]), length=int(self.lengths[i]),
                                      max_x_pos=int(self.max_x[i]), env_steps=int(env_steps)))
            self.returns[i] = 0.0
            self.lengths[i] = 0
            self.max_x[i] = 0

    def recent(self, window: int = 100):
        """Mean return and mean max ``x_pos`` of the last ``window`` episodes (NaN if none)."""
        last = self.episodes[-window:]
        if not last:
            return float("nan"), float("nan")
        return (float(np.mean([e["ret"] for e in last])),
                float(np.mean([e["max_x_pos"] for e in last])))


def random_baseline(episodes: int = 64, n_envs: int = 8, seed: int = 0,
                    obs_options: Optional[dict] = None, **env_options) -> dict:
    """The uniformly random policy over :data:`ACTIONS`, measured as :func:`evaluate_vec`."""
    rng = np.random.default_rng(seed)
    return evaluate_vec(lambda obs: rng.integers(0, len(ACTIONS), len(obs)), episodes, n_envs,
                        seed, obs_options, **env_options)


def write_curve(rows: Sequence[dict], out_dir: str, title: str,
                baseline: Optional[dict] = None) -> Dict[str, str]:
    """Write ``curve.csv`` (:data:`CURVE_FIELDS`) and ``curve.png`` (mean return and mean max
    ``x_pos`` against env steps, the random policy's means as dashed lines) into ``out_dir``;
    return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    csv_path = os.path.join(out_dir, "curve.csv")
    with open(csv_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CURVE_FIELDS)
        w.writeheader()
        for row in rows:
            w.writerow({k: row[k] for k in CURVE_FIELDS})
    png_path = os.path.join(out_dir, "curve.png")
    steps = [r["env_steps"] for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label, base_key in (
        (axes[0], "mean_return", "mean episode return", "mean_return"),
        (axes[1], "mean_max_x_pos", "mean max x_pos (pixels)", "mean_max_x_pos"),
    ):
        ax.plot(steps, [r[key] for r in rows], label="agent (last 100 episodes)")
        if baseline is not None:
            ax.axhline(baseline[base_key], color="gray", linestyle="--",
                       label=f"random policy ({baseline['episodes']} episodes)")
        ax.set_xlabel("env steps (4 frames each)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
    return dict(csv=csv_path, png=png_path)


def make_sb3_callback(log_every: int, out_dir: str, title: str, total_steps: int,
                      max_seconds: Optional[float] = None, baseline: Optional[dict] = None):
    """An SB3 callback that feeds an :class:`EpisodeLog` from the infos, logs
    ``rollout/max_x_pos_mean`` to TensorBoard, writes the curve every ``log_every`` env steps
    (with the machine's 1-minute load average), shows a tqdm bar, and stops training after
    ``max_seconds`` of wall time."""
    from stable_baselines3.common.callbacks import BaseCallback
    from tqdm import tqdm

    class CurveCallback(BaseCallback):
        def _on_training_start(self) -> None:
            self.log = EpisodeLog(self.training_env.num_envs)
            self.rows: List[dict] = []
            self.start = time.monotonic()
            self.next_log = log_every
            self.bar = tqdm(total=total_steps, unit="step", mininterval=1.0, smoothing=0.05)
            self.stopped_early = False

        def _on_step(self) -> bool:
            infos = self.locals["infos"]
            x_pos = [info.get("x_pos", 0) for info in infos]
            self.log.update(self._raw_rewards(), self.locals["dones"], x_pos,
                            self.num_timesteps)
            self.bar.update(self.training_env.num_envs)
            if self.num_timesteps >= self.next_log:
                self.next_log += log_every
                self._record()
            if max_seconds is not None and time.monotonic() - self.start > max_seconds:
                self.stopped_early = True
                return False
            return True

        def _raw_rewards(self):
            # the rewards before VecNormalize scales them
            env = self.training_env
            if hasattr(env, "get_original_reward"):
                return env.get_original_reward()
            return self.locals["rewards"]

        def _record(self) -> None:
            mean_ret, mean_x = self.log.recent()
            self.rows.append(dict(env_steps=self.num_timesteps,
                                  wall_s=round(time.monotonic() - self.start, 1),
                                  episodes=len(self.log.episodes), mean_return=round(mean_ret, 2),
                                  mean_max_x_pos=round(mean_x, 1),
                                  load_avg=round(os.getloadavg()[0], 2)))
            self.logger.record("rollout/max_x_pos_mean", mean_x)
            self.bar.set_postfix(episodes=len(self.log.episodes), x_pos=f"{mean_x:.0f}")
            write_curve(self.rows, out_dir, title, baseline)

        def _on_training_end(self) -> None:
            if not self.rows or self.rows[-1]["env_steps"] != self.num_timesteps:
                self._record()
            self.bar.close()

    return CurveCallback()


def sb3_parser(doc: str, name: str, steps: int, n_envs: int, quick_help: str,
               obs: str = "pixels42") -> argparse.ArgumentParser:
    """The command line the SB3 examples share (``--steps``, ``--max-minutes``, ``--obs``,
    ``--n-envs``, ``--seed``, ``--threads``, ``--eval-episodes``, ``--out``, ``--no-video``,
    ``--quick``); outputs default to ``runs/<name>``."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    p.add_argument("--steps", type=int, default=steps, help=f"env steps to train (default {steps:,})")
    p.add_argument("--max-minutes", type=float, default=50.0,
                   help="stop training after this much wall time (default 50)")
    p.add_argument("--obs", choices=sorted(OBSERVATIONS), default=obs,
                   help=f"observation (smb_common.OBSERVATIONS; default {obs})")
    p.add_argument("--n-envs", type=int, default=n_envs, help="consoles in the vector env")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (1: on a shared 2-core machine 2 threads ran 20x slower)")
    p.add_argument("--eval-episodes", type=int, default=32,
                   help="episodes for the trained and the random policy's figures")
    p.add_argument("--out", default=os.path.join("runs", name))
    p.add_argument("--no-video", action="store_true", help="skip agent.mp4 (needs imageio-ffmpeg)")
    p.add_argument("--hp", nargs="+", default=[], metavar="KEY=VALUE",
                   help="override hyperparameters, e.g. --hp gamma=0.9 n_epochs=10")
    p.add_argument("--quick", action="store_true", help=quick_help)
    return p


def override(hp: dict, pairs: Sequence[str]) -> dict:
    """``hp`` with ``KEY=VALUE`` pairs applied (values as Python literals).

    Raises:
        ValueError: a pair without ``=``, a key ``hp`` lacks, or a value that is no literal.
    """
    import ast

    out = dict(hp)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in hp:
            raise ValueError(f"--hp {pair!r}: want KEY=VALUE with KEY one of {sorted(hp)}")
        out[key] = ast.literal_eval(value)
    return out


def run_sb3(args: argparse.Namespace, algo, hp: dict, log_every: int, deterministic: bool,
            env_limit: Optional[dict] = None, **model_kwargs) -> dict:
    """Train SB3's ``algo`` (``PPO``, ``DQN``) with hyperparameters ``hp`` (must hold
    ``gamma``) on ``args.n_envs`` consoles of the ``args.obs`` observation (policy from
    :func:`smb_nets.sb3_policy`, rewards scaled by ``VecNormalize``), for ``args.steps`` env
    steps or ``args.max_minutes``; measure the random policy before and the trained one after
    (``deterministic`` actions or sampled) on ``args.eval_episodes`` episodes; write the curve,
    TensorBoard logs, ``model.zip``, ``agent.mp4`` (unless ``args.no_video``) and
    ``summary.json`` into ``args.out``. ``env_limit`` goes to every env (``max_episode_steps``).
    Returns the summary."""
    from stable_baselines3.common.vec_env import VecNormalize

    import nesenv.sb3
    import smb_nets

    set_torch_threads(args.threads)
    hp = override(hp, args.hp)
    env_limit = env_limit or {}
    obs_options = OBSERVATIONS[args.obs]
    os.makedirs(args.out, exist_ok=True)
    name = algo.__name__
    title = f"{name} on {ENV_ID}, {args.obs} (nesenv, SB3)"

    t0 = time.monotonic()
    baseline = random_baseline(args.eval_episodes, args.n_envs, args.seed, obs_options,
                               **env_limit)
    print(f"random policy: mean max x_pos {baseline['mean_max_x_pos']:.1f} "
          f"over {baseline['episodes']} episodes ({time.monotonic() - t0:.0f} s)")

    venv = nesenv.sb3.make_vec_env(ENV_ID, n_envs=args.n_envs, seed=args.seed, actions=ACTIONS,
                                   spin_us=0, **obs_options, **env_limit)
    venv = VecNormalize(venv, norm_obs=False, norm_reward=True, gamma=hp["gamma"])
    policy_name, policy_kwargs = smb_nets.sb3_policy(args.obs)
    model = algo(policy_name, venv, seed=args.seed, verbose=0, policy_kwargs=policy_kwargs,
                 tensorboard_log=os.path.join(args.out, "tb"), **model_kwargs, **hp)
    callback = make_sb3_callback(log_every=log_every, out_dir=args.out, title=title,
                                 total_steps=args.steps, max_seconds=args.max_minutes * 60,
                                 baseline=baseline)
    start, cpu_start = time.monotonic(), time.process_time()
    model.learn(args.steps, callback=callback, tb_log_name=name.lower())
    train_s, cpu_s = time.monotonic() - start, time.process_time() - cpu_start
    model.save(os.path.join(args.out, "model.zip"))
    venv.close()

    def policy(obs):
        return model.predict(obs, deterministic=deterministic)[0]

    trained = evaluate_vec(policy, args.eval_episodes, args.n_envs, obs_options=obs_options,
                           **env_limit)
    loads = [r["load_avg"] for r in callback.rows]
    summary = dict(
        env_id=ENV_ID, algorithm=name, obs=args.obs, obs_options=obs_options,
        env_steps=int(model.num_timesteps), train_wall_s=round(train_s, 1),
        steps_per_s=round(model.num_timesteps / train_s, 1),
        # the process's CPU time (torch and the emulator's pool threads) per env step
        cpu_ms_per_step=round(1000 * cpu_s / max(model.num_timesteps, 1), 2),
        stopped_by_time_limit=callback.stopped_early, hyperparameters=hp, n_envs=args.n_envs,
        load_avg_during_training=dict(min=min(loads), mean=round(float(np.mean(loads)), 2),
                                      max=max(loads)),
        trained=trained, random=baseline, curve_last=callback.rows[-1],
        **{k: v for k, v in model_kwargs.items() if isinstance(v, (int, float, str))},
    )
    if not args.no_video:
        summary["video"] = record_video(
            lambda obs: policy(obs[None])[0], os.path.join(args.out, "agent.mp4"),
            max_steps=env_limit.get("max_episode_steps", 3000), obs_options=obs_options)
    with open(os.path.join(args.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print(f"trained {summary['env_steps']} steps in {train_s / 60:.1f} min "
          f"({summary['steps_per_s']} steps/s); mean max x_pos: agent "
          f"{trained['mean_max_x_pos']:.1f}, random {baseline['mean_max_x_pos']:.1f} "
          f"({args.eval_episodes} episodes each); written to {args.out}")
    return summary


def evaluate_vec(policy: Callable[[np.ndarray], np.ndarray], episodes: int = 32, n_envs: int = 8,
                 seed: int = 1000, obs_options: Optional[dict] = None, **env_options) -> dict:
    """Run ``policy(obs) -> actions`` (batched, ``(N,) + obs shape`` to ``(N,)`` ints) on the
    native vector env with ``obs_options`` (default :data:`OBS_OPTIONS`) and ``env_options``
    until ``episodes`` episodes ended; return mean return and mean max ``x_pos`` (as
    :func:`random_baseline`), and each episode's max ``x_pos`` (``max_x_pos``, in the order
    they ended)."""
    options = dict(OBS_OPTIONS if obs_options is None else obs_options, **env_options)
    vec = gym.make_vec(ENV_ID, num_envs=n_envs, vectorization_mode="vector_entry_point",
                       actions=ACTIONS, spin_us=0, **options)
    log = EpisodeLog(n_envs)
    obs, _ = vec.reset(seed=seed)
    steps = 0
    ended = np.zeros(n_envs, dtype=bool)
    try:
        while len(log.episodes) < episodes:
            actions = np.asarray(policy(obs), dtype=np.int64)
            obs, rewards, term, trunc, infos = vec.step(actions)
            # a step right after an episode ended is the autoreset (NEXT_STEP): skip its numbers
            live = ~ended
            steps += int(live.sum())
            log.update(np.where(live, rewards, 0.0), (term | trunc) & live,
                       np.where(live, infos["x_pos"], 0), steps)
            ended = term | trunc
    finally:
        vec.close()
    eps = log.episodes[:episodes]
    x = np.array([e["max_x_pos"] for e in eps])
    r = np.array([e["ret"] for e in eps])
    return dict(episodes=len(eps), mean_return=float(r.mean()), std_return=float(r.std()),
                mean_max_x_pos=float(x.mean()), std_max_x_pos=float(x.std()), env_steps=steps,
                max_x_pos=x.tolist())


def record_video(policy: Callable[[np.ndarray], int], path: str, max_steps: int = 2000,
                 seed: int = 0, obs_options: Optional[dict] = None) -> dict:
    """Play one episode of ``policy(obs) -> action`` on a single env with ``obs_options``
    (default :data:`OBS_OPTIONS`) and write it to ``path`` (``.mp4`` with sound, needs imageio-ffmpeg) at the
    console's speed (one video frame per step, at 60.0988 / frameskip frames per second).
    Returns the episode's return, steps, max ``x_pos`` and ``flag_get``."""
    from nesenv.record import FRAME_RATE, Recorder
    from nesenv.wrappers import JoypadSpace

    options = OBS_OPTIONS if obs_options is None else obs_options
    env = JoypadSpace(gym.make(ENV_ID, **options), ACTIONS)
    nes = env.unwrapped.nes
    nes.audio_enabled = True
    rec = Recorder(path, nes.sample_rate, fps=FRAME_RATE / options["frameskip"])
    try:
        obs, info = env.reset(seed=seed)
        rec.add(env.unwrapped.screen, None)
        total, max_x, steps = 0.0, info["x_pos"], 0
        for steps in range(1, max_steps + 1):
            obs, reward, terminated, truncated, info = env.step(int(policy(obs)))
            rec.add(env.unwrapped.screen, env.unwrapped.audio)
            total += float(reward)
            max_x = max(max_x, info["x_pos"])
            if terminated or truncated:
                break
    finally:
        rec.close()
        env.close()
    return dict(ret=total, steps=steps, max_x_pos=int(max_x), flag_get=bool(info["flag_get"]))


def init_ray(address: Optional[str] = None, num_cpus: Optional[int] = None) -> None:
    """Start a local Ray (``num_cpus`` CPUs, default all) or connect to the cluster at
    ``address`` (``"auto"`` after ``ray start``), unless Ray is already initialized. This folder
    goes to every worker as Ray's ``working_dir``, so workers on any node import these modules."""
    import ray

    if ray.is_initialized():
        return
    here = os.path.dirname(os.path.abspath(__file__))
    ray.init(address=address, num_cpus=num_cpus if address is None else None,
             include_dashboard=False, log_to_driver=False,
             runtime_env={"working_dir": here, "excludes": ["runs/", "results/", "__pycache__/"]})
