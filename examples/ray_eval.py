"""Plain Ray Core: a NEAT population (``neat_smb.py``'s networks and fitness) evaluated over many
consoles on many workers. Each worker is a Ray actor that owns one native vector env of
``--consoles-per-worker`` consoles; every generation the driver splits the population over the
workers and gathers the fitnesses.

    python examples/ray_eval.py --workers 2 --consoles-per-worker 24 --generations 5
    python examples/ray_eval.py --quick                        # CI: 2 workers, 2 generations of 8
    ray start --head                                           # then, on each other machine:
    ray start --address=HEAD_IP:6379                           # and on any of them:
    python examples/ray_eval.py --address auto --workers 16 --consoles-per-worker 32

The examples folder goes to the workers as Ray's ``working_dir``; each machine needs nesenv (and
neat-python) installed and the ROM imported (``nesenv import-roms``).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smb_common as common  # noqa: E402


def make_worker_class():
    import ray

    @ray.remote(num_cpus=1)
    class EvalWorker:
        """A Ray actor owning one native vector env; ``fitness`` evaluates a list of genomes."""

        def __init__(self, consoles: int, max_steps: int, patience: int, seed: int):
            import neat_smb

            self.evaluator = neat_smb.VectorEvaluator(consoles, max_steps, patience, seed)

        def fitness(self, genomes, config):
            import neat

            nets = [neat.nn.FeedForwardNetwork.create(g, config) for g in genomes]
            before = self.evaluator.env_steps
            cpu = time.process_time()
            fits = self.evaluator.fitness(nets)
            return (fits.tolist(), self.evaluator.env_steps - before, time.process_time() - cpu)

    return EvalWorker


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=2, help="Ray actors (one vector env each)")
    p.add_argument("--consoles-per-worker", type=int, default=24)
    p.add_argument("--generations", type=int, default=5)
    p.add_argument("--pop-size", type=int, default=None, help="default: neat_smb.cfg's (48)")
    p.add_argument("--max-steps", type=int, default=1000)
    p.add_argument("--patience", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--address", default=None, help="Ray cluster address ('auto' after ray start)")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray (default: all)")
    p.add_argument("--quick", action="store_true",
                   help="2 workers x 4 consoles, 2 generations of 8 genomes, 100 steps")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    import neat
    import ray
    from tqdm import tqdm

    import neat_smb

    if args.quick:
        args.workers, args.consoles_per_worker, args.generations = 2, 4, 2
        args.pop_size, args.max_steps = 8, 100
    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                         neat.DefaultStagnation, neat_smb.CONFIG)
    if args.pop_size is not None:
        config.pop_size = args.pop_size
    config.seed = args.seed
    common.init_ray(args.address, args.num_cpus)
    EvalWorker = make_worker_class()
    workers = [EvalWorker.remote(args.consoles_per_worker, args.max_steps, args.patience, args.seed)
               for _ in range(args.workers)]
    rows = []
    bar = tqdm(total=args.generations, unit="gen")

    def eval_genomes(genomes, cfg):
        start = time.perf_counter()
        items = [g for _, g in genomes]
        chunks = [items[i::len(workers)] for i in range(len(workers))]
        futures = [w.fitness.remote(chunk, cfg) for w, chunk in zip(workers, chunks) if chunk]
        results = ray.get(futures)
        for w_index, (fits, _, _) in enumerate(results):
            for g, f in zip(chunks[w_index], fits):
                g.fitness = float(f)
        wall = time.perf_counter() - start
        steps = sum(r[1] for r in results)
        cpu = sum(r[2] for r in results)
        best = max(g.fitness for g in items)
        rows.append(dict(generation=len(rows), best=best, env_steps=steps, wall_s=round(wall, 2),
                         env_steps_per_s=round(steps / wall, 1),
                         worker_cpu_ms_per_step=round(cpu / max(steps, 1) * 1e3, 3)))
        bar.update(1)
        bar.set_postfix(best=f"{best:.0f}", steps_s=f"{steps / wall:.0f}")

    try:
        winner = neat.Population(config).run(eval_genomes, args.generations)
    finally:
        bar.close()
        for w in workers:
            ray.kill(w)
    steps = sum(r["env_steps"] for r in rows)
    wall = sum(r["wall_s"] for r in rows)
    summary = dict(workers=args.workers, consoles_per_worker=args.consoles_per_worker,
                   generations=len(rows), pop_size=config.pop_size, env_steps=steps,
                   eval_wall_s=round(wall, 2), env_steps_per_s=round(steps / wall, 1),
                   best_fitness=float(winner.fitness), per_generation=rows)
    print(f"{args.workers} workers: {steps} env steps in {wall:.1f} s of evaluation "
          f"({summary['env_steps_per_s']} steps/s); best max x_pos {winner.fitness:.0f}")
    return summary


if __name__ == "__main__":
    main()
