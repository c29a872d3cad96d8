"""stable-baselines3's ``VecEnv`` over the native vector env, so SB3's algorithms step N consoles
on the C thread pool (no ``DummyVecEnv`` of single envs)::

    from stable_baselines3 import PPO
    import nesenv.sb3

    venv = nesenv.sb3.make_vec_env("SuperMarioBros-1-1-v0", n_envs=8, seed=0,
                                   obs_type="grayscale", shape=(84, 84), frameskip=4,
                                   actions=nesenv.actions.SIMPLE_MOVEMENT)
    PPO("CnnPolicy", venv).learn(100_000)

SB3 conventions, as its ``DummyVecEnv`` has them: ``step_wait`` returns ``(obs, rewards, dones,
infos)`` with ``dones = terminated | truncated``; an env whose episode ended is reset in the same
call, its last observation in ``infos[i]["terminal_observation"]`` and
``infos[i]["TimeLimit.truncated"]`` True when a time limit (not the game) ended it. Grayscale
observations get a channel axis, ``(H, W, 1)``, as SB3's CNN policies want images of three
dimensions (``VecTransposeImage`` then puts the channel first).

Needs stable-baselines3 (``pip install 'nesenv[sb3]'``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import gymnasium as gym
import numpy as np

try:
    from stable_baselines3.common.vec_env.base_vec_env import VecEnv
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "nesenv.sb3 needs stable-baselines3: pip install 'nesenv[sb3]'"
    ) from exc


class NESVecEnv(VecEnv):
    """SB3 ``VecEnv`` over a :class:`nesenv.vector.NESVectorEnv` (or an env id's native vector env).

    Args:
        vec: the vector env (``gym.make_vec(id, num_envs=N, vectorization_mode=
            "vector_entry_point", ...)`` or a ``NESVectorEnv``).

    Attributes:
        vec: the wrapped vector env (its ``unwrapped`` is the ``NESVectorEnv``).
    """

    def __init__(self, vec: gym.vector.VectorEnv):
        self.vec = vec
        space = vec.single_observation_space
        self._add_channel = len(space.shape) == 2
        if self._add_channel:
            space = gym.spaces.Box(0, 255, space.shape + (1,), np.uint8)
        super().__init__(vec.num_envs, space, vec.single_action_space)
        self._actions: Optional[np.ndarray] = None
        self._seed: Optional[int] = None
        self._options: Dict[str, Any] = {}
        self._keys = None

    # --- VecEnv -------------------------------------------------------------------------------
    def reset(self) -> np.ndarray:
        obs, infos = self.vec.reset(seed=self._seed, options=self._options or None)
        self._seed = None
        self.reset_infos = self._split(infos, np.ones(self.num_envs, dtype=bool))
        return self._obs(obs)

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions).reshape(self.num_envs)

    def step_wait(self):
        obs, rewards, terminated, truncated, infos = self.vec.step(self._actions)
        dones = terminated | truncated
        out = self._split(infos, np.ones(self.num_envs, dtype=bool))
        if dones.any():
            obs = self._obs(obs).copy()  # the vector env may reuse its array for the reset
            for i in np.flatnonzero(dones):
                out[i]["terminal_observation"] = obs[i].copy()
                out[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
            # reset the ended envs now (SB3's convention); the others keep this step's
            # observation (the reset redraws every env's frame, unpooled)
            new_obs, reset_infos = self.vec.reset(options={"reset_mask": dones})
            self.reset_infos = self._split(reset_infos, dones)
            obs[dones] = self._obs(new_obs)[dones]
            return obs, rewards.astype(np.float32), dones, out
        return self._obs(obs), rewards.astype(np.float32), dones, out

    def close(self) -> None:
        self.vec.close()

    def seed(self, seed: Optional[int] = None) -> Sequence[Optional[int]]:
        """Seed the next ``reset`` (env ``i`` gets ``seed + i`` where the vector env seeds per env)."""
        self._seed = seed
        return [None if seed is None else seed + i for i in range(self.num_envs)]

    def get_images(self) -> Sequence[Optional[np.ndarray]]:
        consoles = self.vec.unwrapped.consoles
        return [c.screen.copy() for c in consoles]

    def get_attr(self, attr_name: str, indices=None) -> List[Any]:
        target = self.vec.unwrapped
        if hasattr(target, "games") and hasattr(target.games[0], attr_name):
            return [getattr(target.games[i], attr_name) for i in self._indices(indices)]
        return [getattr(target, attr_name) for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        target = self.vec.unwrapped
        for _ in self._indices(indices):
            setattr(target, attr_name, value)

    def env_method(self, method_name: str, *args, indices=None, **kwargs) -> List[Any]:
        target = self.vec.unwrapped
        return [getattr(target, method_name)(*args, **kwargs) for _ in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class, indices=None) -> List[bool]:
        return [False for _ in self._indices(indices)]

    # --- helpers --------------------------------------------------------------------------------
    def _indices(self, indices) -> List[int]:
        if indices is None:
            return list(range(self.num_envs))
        if isinstance(indices, int):
            return [indices]
        return list(indices)

    def _obs(self, obs: np.ndarray) -> np.ndarray:
        return obs[..., None] if self._add_channel else obs

    def _split(self, infos: Dict[str, Any], mask: np.ndarray) -> List[Dict[str, Any]]:
        """Gymnasium's dict of arrays (with ``_key`` masks) as SB3's list of dicts."""
        out: List[Dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for key, values in infos.items():
            if key.startswith("_"):
                continue
            present = infos.get("_" + key, mask)
            for i in np.flatnonzero(present & mask):
                v = values[i]
                out[i][key] = v.item() if isinstance(v, np.generic) else v
        return out


def make_vec_env(env_id: str, n_envs: int = 8, seed: Optional[int] = None, **kwargs: Any) -> NESVecEnv:
    """``gym.make_vec(env_id, num_envs=n_envs, vectorization_mode="vector_entry_point",
    **kwargs)`` as an SB3 :class:`NESVecEnv`, seeded with ``seed`` at its first reset.

    Keyword arguments are the native vector env's (``actions``, ``obs_type``, ``shape``,
    ``frameskip``, ``repeat_action_probability``, ``max_episode_steps``, ``num_threads``,
    ``palette`` ...).

    Raises:
        gymnasium.error.Error: an unknown id; ValueError / TypeError: bad options (see
            :class:`nesenv.vector.NESVectorEnv`).
    """
    import nesenv  # noqa: F401  (registers the ids)

    vec = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode="vector_entry_point", **kwargs)
    venv = NESVecEnv(vec)
    venv.seed(seed)
    return venv
