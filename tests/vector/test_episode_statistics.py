"""Episode statistics from the native vector env: Gymnasium's vector RecordEpisodeStatistics
wrapper gives the keys it gives on SyncVectorEnv (``episode`` with ``r``/``l``/``t`` and the
``_episode`` mask) with the returns and lengths of N single envs playing the same actions."""
import gymnasium as gym
import numpy as np
from gymnasium.wrappers.vector import RecordEpisodeStatistics

import nesenv  # noqa: F401  (registers the ids)
from nesenv.actions import SIMPLE_MOVEMENT
from nesenv.wrappers import JoypadSpace
from tests.vector._support import smb_rom

N, LIMIT, STEPS = 3, 40, 150
OPTS = dict(obs_type="grayscale", shape=(84, 84), frameskip=4)


def _single_env_episodes(actions):
    """(env, return, length) of each episode that N single envs end, in step order."""
    envs = [JoypadSpace(gym.make("SuperMarioBros-1-1-v0", max_episode_steps=LIMIT, **OPTS),
                        SIMPLE_MOVEMENT) for _ in range(N)]
    for env in envs:
        env.reset(seed=0)
    ret, length, ended, out = np.zeros(N), np.zeros(N, int), np.zeros(N, bool), []
    for t in range(STEPS):
        for i, env in enumerate(envs):
            if ended[i]:  # the vector env's autoreset step (NEXT_STEP): a reset, no reward
                env.reset()
                ret[i], length[i], ended[i] = 0.0, 0, False
                continue
            _, r, term, trunc, _ = env.step(int(actions[t, i]))
            ret[i] += r
            length[i] += 1
            if term or trunc:
                out.append((t, i, ret[i], length[i]))
                ended[i] = True
    return out


def test_record_episode_statistics_on_the_native_vector_env():
    smb_rom()
    vec = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=N, vectorization_mode="vector_entry_point",
                       actions=SIMPLE_MOVEMENT, max_episode_steps=LIMIT, **OPTS)
    vec = RecordEpisodeStatistics(vec)
    actions = np.random.default_rng(3).integers(0, len(SIMPLE_MOVEMENT), (STEPS, N))
    vec.reset(seed=0)
    got = []
    for t in range(STEPS):
        _, _, term, trunc, infos = vec.step(actions[t])
        if "episode" in infos:
            assert np.array_equal(infos["_episode"], term | trunc)
            stats = infos["episode"]
            assert set(stats) == {"r", "l", "t"}
            for i in np.flatnonzero(infos["_episode"]):
                assert stats["t"][i] > 0
                got.append((t, i, stats["r"][i], stats["l"][i]))
        else:
            assert not (term | trunc).any()
    vec.close()
    want = _single_env_episodes(actions)
    # deaths and 40-step truncations both occur, each env ends several episodes
    assert len(want) >= 2 * N and any(length < LIMIT for *_, length in want)
    assert got == want
    assert vec.episode_count == len(want)
    assert list(vec.return_queue) == [r for _, _, r, _ in want]
