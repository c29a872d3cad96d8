"""nesenv: Gymnasium environments on a C NES core, with gym-super-mario-bros 7.4 ids (and 9.1.0's
Super Mario Bros. 2 (USA) and 3 ids).

``import nesenv`` registers the Super Mario Bros. ids (see :mod:`nesenv.registration`)::

    import gymnasium as gym
    import nesenv
    from nesenv.wrappers import JoypadSpace
    from nesenv.actions import SIMPLE_MOVEMENT

    env = JoypadSpace(gym.make("SuperMarioBros-1-1-v0"), SIMPLE_MOVEMENT)

``NES/SuperMarioBros-1-1-v5`` and the other ``NES/...-v5`` ids give ALE v5's defaults (frame skip
4, sticky actions, the minimal action set, 108000-frame episodes; see :mod:`nesenv.registration`).

``nesenv.make_vec`` is ``gym.make_vec``, except that ``wrappers=[...]`` (or ``vector_kwargs``)
without a ``vectorization_mode`` selects ``"sync"`` instead of the native vector env.
"""
from importlib.metadata import PackageNotFoundError, version as _version

import gymnasium as gym

from .actions import COMPLEX_MOVEMENT, RIGHT_ONLY, SIMPLE_MOVEMENT
from .env import NESEnv
from .mario import SuperMarioBros2USAEnv, SuperMarioBros3Env
from .registration import make_vec, register_envs
from .roms import RomNotFoundError
from .smb import SuperMarioBrosEnv, SuperMarioBrosRandomStagesEnv
from .wrappers import JoypadSpace

register_envs()

try:
    #: the installed distribution's version (package metadata, i.e. pyproject.toml)
    __version__ = _version("nesenv")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

# like gym_super_mario_bros.make
make = gym.make

__all__ = [
    "__version__",
    "NESEnv",
    "SuperMarioBrosEnv",
    "SuperMarioBrosRandomStagesEnv",
    "SuperMarioBros2USAEnv",
    "SuperMarioBros3Env",
    "JoypadSpace",
    "RIGHT_ONLY",
    "SIMPLE_MOVEMENT",
    "COMPLEX_MOVEMENT",
    "RomNotFoundError",
    "make",
    "make_vec",
]
