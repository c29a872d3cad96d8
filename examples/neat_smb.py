"""NEAT (neat-python) on SuperMarioBros-1-1 from the RAM observation, the population evaluated in
parallel on nesenv's native vector env (one console per genome, stepped by the C thread pool).

    python examples/neat_smb.py                 # 30 generations of 48 genomes
    python examples/neat_smb.py --quick         # 2 generations of 8 genomes, 100 steps each

As the retro NEAT tutorials do: the network sees the level around Mario as a grid of tiles, here
read from the console's RAM (``obs_type="ram"``, 2048 bytes): 13 rows by 12 columns of the level
(2 columns behind Mario, 9 ahead; 1 for a solid tile, -1 for an enemy, 0 for air) and Mario's
height; its strongest of 7 outputs picks the SIMPLE_MOVEMENT action. Fitness = distance: the max
``x_pos`` of the episode, which ends at death, at the flag, or when Mario has not gone further
right for ``--patience`` steps.

Writes into ``--out`` (default ``runs/neat_smb``) ``curve.csv`` (per generation: best and mean
fitness, env steps, wall time), ``best_genome.pkl`` and ``summary.json``.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import sys
import time

import gymnasium as gym
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smb_common as common  # noqa: E402

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "neat_smb.cfg")

# Super Mario Bros. RAM (facts of the game's memory map)
TILE_MAP = 0x0500          # two pages of 13 rows x 16 columns of metatiles, the level on screen
PAGE_SIZE = 13 * 16
PLAYER_PAGE, PLAYER_X, PLAYER_Y = 0x006D, 0x0086, 0x00CE
ENEMY_FLAGS, ENEMY_PAGE, ENEMY_X, ENEMY_Y = 0x000F, 0x006E, 0x0087, 0x00CF  # 5 enemy slots
GRID_ROWS, COLS_BEHIND, COLS_AHEAD = 13, 2, 9
N_INPUTS = GRID_ROWS * (COLS_BEHIND + 1 + COLS_AHEAD) + 1


def ram_features(ram: np.ndarray) -> np.ndarray:
    """The network's inputs of N consoles: ``(N, 2048)`` uint8 RAM to ``(N, 157)`` float64 (13 x 12
    tile grid around Mario, row-major, then Mario's height in screens)."""
    ram = ram.astype(np.int64)
    n = len(ram)
    mario_x = ram[:, PLAYER_PAGE] * 256 + ram[:, PLAYER_X]
    mario_col = (mario_x + 8) // 16
    offsets = np.arange(-COLS_BEHIND, COLS_AHEAD + 1)
    cols = mario_col[:, None] + offsets[None, :]                       # (N, 12) level columns
    rows = np.arange(GRID_ROWS)
    addr = (TILE_MAP + (cols // 16 % 2)[:, None, :] * PAGE_SIZE + rows[None, :, None] * 16
            + (cols % 16)[:, None, :])                                 # (N, 13, 12)
    grid = (np.take_along_axis(ram, addr.reshape(n, -1), axis=1) != 0).astype(np.float64)
    grid = grid.reshape(n, GRID_ROWS, -1)
    for slot in range(5):
        active = ram[:, ENEMY_FLAGS + slot] != 0
        ex = ram[:, ENEMY_PAGE + slot] * 256 + ram[:, ENEMY_X + slot]
        col = (ex + 8) // 16 - mario_col + COLS_BEHIND
        row = (ram[:, ENEMY_Y + slot] + 8 - 32) // 16   # the grid starts below the status bar
        ok = active & (col >= 0) & (col < grid.shape[2]) & (row >= 0) & (row < GRID_ROWS)
        grid[np.flatnonzero(ok), row[ok], col[ok]] = -1.0
    return np.concatenate([grid.reshape(n, -1), (ram[:, PLAYER_Y] / 240.0)[:, None]], axis=1)


class VectorEvaluator:
    """Evaluates genomes in parallel: one console of a native vector env per genome.

    Args:
        num_envs: consoles (a population larger than this is evaluated in batches).
        max_steps: steps an episode may last at most (4 frames each).
        patience: end an episode when ``x_pos`` has not passed its max for this many steps.
    """

    def __init__(self, num_envs: int, max_steps: int, patience: int, seed: int = 0):
        self.vec = gym.make_vec(common.ENV_ID, num_envs=num_envs, actions=common.ACTIONS,
                                vectorization_mode="vector_entry_point", obs_type="ram",
                                frameskip=4, spin_us=0)
        self.max_steps, self.patience, self.seed = max_steps, patience, seed
        self.env_steps = 0

    def fitness(self, networks) -> np.ndarray:
        """Max ``x_pos`` of one episode of each network (``activate(inputs) -> outputs``)."""
        n = self.vec.num_envs
        out = np.zeros(len(networks))
        for start in range(0, len(networks), n):
            batch = networks[start:start + n]
            out[start:start + len(batch)] = self._episode(batch)
        return out

    def _episode(self, nets) -> np.ndarray:
        n = self.vec.num_envs
        ram, info = self.vec.reset(seed=self.seed)
        best = info["x_pos"].astype(np.int64)
        since = np.zeros(n, dtype=np.int64)
        live = np.zeros(n, dtype=bool)
        live[:len(nets)] = True  # consoles without a genome this batch idle
        actions = np.zeros(n, dtype=np.int64)
        for _ in range(self.max_steps):
            feats = ram_features(ram)
            for i in np.flatnonzero(live):
                actions[i] = int(np.argmax(nets[i].activate(feats[i])))
            actions[~live] = 0
            ram, _, term, trunc, info = self.vec.step(actions)
            self.env_steps += int(live.sum())
            x = info["x_pos"].astype(np.int64)
            better = live & (x > best)
            best[better] = x[better]
            since = np.where(better, 0, since + 1)
            live &= ~(term | trunc) & (since < self.patience)
            if not live.any():
                break
        return best[:len(nets)].astype(np.float64)

    def close(self) -> None:
        self.vec.close()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--generations", type=int, default=30)
    p.add_argument("--pop-size", type=int, default=None, help="default: the config's (48)")
    p.add_argument("--max-steps", type=int, default=1000, help="steps per episode at most")
    p.add_argument("--patience", type=int, default=60,
                   help="end an episode after this many steps without progress")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--config", default=CONFIG)
    p.add_argument("--out", default=os.path.join("runs", "neat_smb"))
    p.add_argument("--quick", action="store_true", help="2 generations of 8 genomes, 100 steps")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    import neat
    from tqdm import tqdm

    if args.quick:
        args.generations, args.pop_size, args.max_steps = 2, 8, 100
    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                         neat.DefaultStagnation, args.config)
    if config.genome_config.num_inputs != N_INPUTS:
        raise ValueError(f"{args.config}: num_inputs must be {N_INPUTS}, "
                         f"got {config.genome_config.num_inputs}")
    if args.pop_size is not None:
        config.pop_size = args.pop_size
    config.seed = args.seed
    os.makedirs(args.out, exist_ok=True)

    evaluator = VectorEvaluator(config.pop_size, args.max_steps, args.patience, args.seed)
    rows = []
    start = time.monotonic()
    bar = tqdm(total=args.generations, unit="gen")

    def eval_genomes(genomes, cfg):
        nets = [neat.nn.FeedForwardNetwork.create(g, cfg) for _, g in genomes]
        fits = evaluator.fitness(nets)
        for (_, g), f in zip(genomes, fits):
            g.fitness = float(f)
        rows.append(dict(generation=len(rows), best=float(fits.max()), mean=round(float(fits.mean()), 1),
                         env_steps=evaluator.env_steps, wall_s=round(time.monotonic() - start, 1)))
        bar.update(1)
        bar.set_postfix(best=f"{fits.max():.0f}", mean=f"{fits.mean():.0f}")

    population = neat.Population(config)
    try:
        winner = population.run(eval_genomes, args.generations)
    finally:
        bar.close()
        evaluator.close()
    with open(os.path.join(args.out, "curve.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(args.out, "best_genome.pkl"), "wb") as fh:
        pickle.dump(winner, fh)
    summary = dict(env_id=common.ENV_ID, generations=len(rows), pop_size=config.pop_size,
                   env_steps=evaluator.env_steps, wall_s=round(time.monotonic() - start, 1),
                   best_fitness=float(winner.fitness), curve=rows)
    with open(os.path.join(args.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print(f"{len(rows)} generations of {config.pop_size} in {summary['wall_s']} s "
          f"({evaluator.env_steps} env steps); best max x_pos {winner.fitness:.0f}")
    return summary


if __name__ == "__main__":
    main()
