"""RLlib PPO (Ray, new API stack) on SuperMarioBros-1-1: each env runner drives one native nesenv
vector env (its consoles stepped by the C thread pool in that runner's process).

    python examples/rllib_ppo.py --num-env-runners 2 --num-envs-per-env-runner 8 --iterations 50
    python examples/rllib_ppo.py --quick                       # one small iteration, as CI runs it
    python examples/rllib_ppo.py --measure --num-env-runners 2 # sampling env-steps/s only
    python examples/rllib_ppo.py --address auto ...            # on a running cluster (ray start)

How the env is plugged in: ``register_env`` names a creator; RLlib's ``SingleAgentEnvRunner``
registers it with Gymnasium as both ``entry_point`` and ``vector_entry_point`` and calls
``gym.make_vec(..., vectorization_mode=config.gym_env_vectorize_mode)``; with
``"vector_entry_point"`` the creator gets ``num_envs`` (``num_envs_per_env_runner``) and returns
one ``NESVectorEnv`` (autoreset ``NEXT_STEP``, which RLlib's runner expects). The creator imports
nesenv itself, so runner processes on other machines register the ids too. Observations are the
examples' ``(4, 84, 84)`` uint8 stack, moved to ``(84, 84, 4)`` float32 in [0, 1] for RLlib's CNN
encoder (channels last; its torch layers take floats).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smb_common as common  # noqa: E402

ENV_NAME = "nesenv-smb-vector"


def make_env(ctx):
    """RLlib env creator: ``ctx`` is the ``env_config`` (an ``EnvContext``), with ``num_envs``
    added by RLlib when it asks for a vector env. Returns a channels-last ``NESVectorEnv``."""
    import gymnasium as gym
    from gymnasium.wrappers.vector import TransformObservation

    import nesenv  # noqa: F401  (registers the ids in this process)

    kwargs = dict(ctx)
    env_id = kwargs.pop("env_id", common.ENV_ID)
    num_envs = kwargs.pop("num_envs", None)
    if num_envs is None:
        raise ValueError("make_env builds vector envs: use gym_env_vectorize_mode="
                         "'vector_entry_point' (RLlib then passes num_envs)")
    vec = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                       **kwargs)
    k, h, w = vec.single_observation_space.shape
    single = gym.spaces.Box(0.0, 1.0, (h, w, k), np.float32)
    return TransformObservation(
        vec, lambda obs: np.moveaxis(obs, 1, -1).astype(np.float32) / 255.0,
        observation_space=gym.vector.utils.batch_space(single, num_envs),
        single_observation_space=single)


def build_config(args):
    from ray.rllib.algorithms.ppo import PPOConfig

    env_config = dict(env_id=common.ENV_ID, actions=common.ACTIONS, spin_us=0,
                      num_threads=args.threads_per_runner, **common.OBS_OPTIONS)
    if args.quick:
        env_config["max_episode_steps"] = 100
    config = (
        PPOConfig()
        .environment(ENV_NAME, env_config=env_config)
        .env_runners(num_env_runners=args.num_env_runners,
                     num_envs_per_env_runner=args.num_envs_per_env_runner,
                     gym_env_vectorize_mode="vector_entry_point",
                     rollout_fragment_length="auto",
                     num_cpus_per_env_runner=1)
        .learners(num_learners=0)
        .fault_tolerance(restart_failed_env_runners=False)  # an env error fails the run
        .training(train_batch_size_per_learner=args.train_batch, minibatch_size=args.minibatch,
                  num_epochs=args.num_epochs, lr=2.5e-4, gamma=0.99, lambda_=0.95,
                  clip_param=0.1, entropy_coeff=0.01, vf_loss_coeff=0.5)
        .debugging(seed=args.seed)
    )
    return config


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--num-env-runners", type=int, default=2,
                   help="remote env runner actors (0: sample in the driver)")
    p.add_argument("--num-envs-per-env-runner", type=int, default=8,
                   help="consoles in each runner's vector env")
    p.add_argument("--threads-per-runner", type=int, default=1,
                   help="C pool threads of each runner's vector env")
    p.add_argument("--learner-threads", type=int, default=1,
                   help="torch CPU threads of the learner in the driver (Ray gives each runner 1)")
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--train-batch", type=int, default=2048)
    p.add_argument("--minibatch", type=int, default=256)
    p.add_argument("--num-epochs", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--address", default=None,
                   help="Ray cluster address (e.g. 'auto' after `ray start`); default: a local Ray")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray (default: all)")
    p.add_argument("--measure", type=int, nargs="?", const=4096, default=None, metavar="STEPS",
                   help="only measure sampling: each runner samples STEPS env steps (default "
                        "4096) with the initial policy; print env-steps/s")
    p.add_argument("--quick", action="store_true",
                   help="1 iteration: 1 runner x 2 consoles, a 128-step batch, episodes of 100 steps")
    return p.parse_args(argv)


def measure_sampling(algo, steps_per_runner: int, num_runners: int) -> dict:
    """Time one ``sample(num_timesteps=steps_per_runner)`` on every env runner at once (after a
    warm-up sample); return env-steps/s over all runners, each runner's wall and CPU time per env
    step, and a breakdown of one runner's CPU time per env step: its vector env alone (random
    actions), its RLModule's forward pass (a batch of its observations) and the rest (RLlib's
    connectors and episode bookkeeping)."""
    group = algo.env_runner_group
    local = num_runners == 0

    def sample(runner):
        wall, cpu = time.perf_counter(), time.process_time()
        episodes = runner.sample(num_timesteps=steps_per_runner, random_actions=False)
        steps = sum(len(e) for e in episodes)
        return steps, time.perf_counter() - wall, time.process_time() - cpu

    def breakdown(runner, vector_steps=100):
        import torch

        env = runner.env
        n = env.num_envs
        obs, _ = env.reset()
        cpu = time.process_time()
        for _ in range(vector_steps):
            obs, *_ = env.step(env.action_space.sample())
        env_ms = (time.process_time() - cpu) / (vector_steps * n) * 1e3
        batch = {"obs": torch.as_tensor(np.asarray(obs))}
        with torch.no_grad():
            runner.module.forward_exploration(batch)
            cpu = time.process_time()
            for _ in range(vector_steps):
                runner.module.forward_exploration(batch)
        module_ms = (time.process_time() - cpu) / (vector_steps * n) * 1e3
        runner.make_env()  # the next sample starts from fresh episodes
        return env_ms, module_ms

    group.foreach_env_runner(lambda r: r.sample(num_timesteps=256), local_env_runner=local)
    t = time.perf_counter()
    results = group.foreach_env_runner(sample, local_env_runner=local)
    wall = time.perf_counter() - t
    steps = sum(r[0] for r in results)
    env_ms, module_ms = group.foreach_env_runner(breakdown, local_env_runner=local)[0]
    cpu_ms = sum(r[2] for r in results) / steps * 1e3
    return dict(
        runners=max(num_runners, 1), env_steps=steps, wall_s=round(wall, 2),
        env_steps_per_s=round(steps / wall, 1),
        per_runner_steps_per_s=[round(s / w, 1) for s, w, _ in results],
        runner_cpu_ms_per_step=round(cpu_ms, 3),
        of_which_env_ms=round(env_ms, 3), of_which_module_forward_ms=round(module_ms, 3),
        of_which_rllib_ms=round(cpu_ms - env_ms - module_ms, 3))


def main(argv=None) -> dict:
    args = parse_args(argv)
    from ray.tune.registry import register_env

    if args.quick:
        args.num_env_runners, args.num_envs_per_env_runner, args.iterations = 1, 2, 1
        args.train_batch, args.minibatch, args.num_epochs = 128, 64, 1
    common.set_torch_threads(args.learner_threads)
    common.init_ray(args.address, args.num_cpus)
    register_env(ENV_NAME, make_env)
    algo = build_config(args).build_algo()
    try:
        if args.measure is not None:
            result = measure_sampling(algo, args.measure, args.num_env_runners)
            print(f"sampling: {result}")
            return result
        from tqdm import tqdm

        history = []
        for _ in tqdm(range(args.iterations), unit="iter"):
            t, cpu = time.perf_counter(), time.process_time()
            res = algo.train()
            cpu = time.process_time() - cpu  # the driver's: the learner's update (num_learners=0)
            runners = res.get("env_runners", {})
            history.append(dict(
                iteration=res["training_iteration"],
                env_steps=int(res.get("num_env_steps_sampled_lifetime",
                                      runners.get("num_env_steps_sampled_lifetime", 0))),
                episode_return_mean=runners.get("episode_return_mean"),
                wall_s=round(time.perf_counter() - t, 2), driver_cpu_s=round(cpu, 2)))
            print(history[-1])
        return dict(history=history)
    finally:
        algo.stop()


if __name__ == "__main__":
    main()
