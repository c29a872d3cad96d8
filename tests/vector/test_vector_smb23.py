"""Super Mario Bros. 2 (USA) and 3 in the native vector env (their game modules' hooks run per
console, ``_LoopBatchGame``) equal the same envs stepped one by one under SyncVectorEnv.

Skipped when the gym-super-mario-bros 9.1.0 ROMs are not imported.
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import nesenv  # noqa: F401  (registers the ids)
from games import SuperMarioBros2USA, SuperMarioBros3
from nesenv.mario import SuperMarioBros2USAVectorEnv, SuperMarioBros3VectorEnv
from tests.env.conftest import rom_or_skip
from tests.parity.test_upstream_traces import load
from tests.vector._support import run_side_by_side

TRACE = "tests/parity/traces_91/{}.jsonl.gz"


def _trace_actions(name, steps):
    _, events = load(TRACE.format(name))
    return np.array([e[0] for e in events if isinstance(e, list)][:steps], dtype=np.int64)


@pytest.mark.parametrize("env_id, game, cls, trace, steps", [
    # runs into the death at step 273 of the trace: autoreset after a terminated stage
    ("SuperMarioBros2USA-7-2-v0", SuperMarioBros2USA, SuperMarioBros2USAVectorEnv,
     "smb2usa-7-2-runjump", 320),
    # clears 1-4 at step 1326 (back on the map: flag_get) and dies at 2154
    ("SuperMarioBros3-1-4-v0", SuperMarioBros3, SuperMarioBros3VectorEnv,
     "smb3-1-4-runjump-long", 1400),
])
def test_vector_env_equals_sync(env_id, game, cls, trace, steps):
    rom_or_skip(game)
    vec = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point", num_threads=2)
    ref = gym.make_vec(env_id, num_envs=2, vectorization_mode="sync")
    assert isinstance(vec.unwrapped, cls) and vec.unwrapped.is_single_stage_env
    rng = np.random.default_rng(0)
    actions = np.stack([_trace_actions(trace, steps), rng.integers(0, 256, steps)], axis=1)
    ends = run_side_by_side(vec, ref, actions)
    assert ends["terminations"] >= 1  # the trace's episode end: autoreset was exercised
    vec.close()
    ref.close()
