"""Register the Super Mario Bros. env ids of gym-super-mario-bros 7.4 and 8.0 with Gymnasium.

Ids (the version number selects the ROM mode: v0 vanilla, v1 downsample, v2 pixel, v3 rectangle):

* ``SuperMarioBros-v0..v3``: the full game, 3 lives, all stages;
* ``SuperMarioBros-<world>-<stage>-v0..v3``: one stage, one life (128 ids), and 8.0's aliases
  without the separator, ``SuperMarioBros<world>-<stage>-v0..v3`` (128 more);
* ``SuperMarioBrosRandomStages-v0..v3``: one random stage per episode;
* ``SuperMarioBros2-v0..v1``: The Lost Levels, full game (v0 vanilla, v1 downsample);
* ``SuperMarioBros2-<world>-<stage>-v0..v1``: one Lost Levels stage, worlds 1-8 (7.4) and
  9, A-D (8.0). Worlds 5 and later are registered but refused with a ``ValueError`` that says
  why (:mod:`games.lost_levels`: the ROM holds worlds 1-4 only);
* ``SuperMarioBros2USA-v0`` and ``SuperMarioBros2USA-<world>-<stage>-v0`` (worlds 1-7, stages
  1-3, world 7: 1-2) and ``SuperMarioBros3-v0``, ``SuperMarioBros3-1-<1|2|4|6>-v0``: the ids of
  gym-super-mario-bros 9.1.0 (:mod:`nesenv.mario`).

and the generic env for any supported cartridge, ``nesenv/NES-v0``
(``gym.make("nesenv/NES-v0", rom_path="game.nes")``; reward 0, never terminates), and one id
per stable-retro NES integration found (:mod:`nesenv.integrations`), named as stable-retro
names it: ``gym.make("SuperMarioBros-Nes", state="Level1-1")`` (its ROM must be imported, or
given as ``rom_path``).

ALE v5's evaluation defaults (:data:`ALE_V5_KWARGS`: 4 frames a step, sticky actions with
probability 0.25, the game's minimal action set, episodes truncated at 108000 frames) have ids of
their own in the ``NES`` namespace, version 5 (:func:`ale_env_ids`), on the vanilla ROMs:
``NES/SuperMarioBros-v5``, ``NES/SuperMarioBros-<world>-<stage>-v5``,
``NES/SuperMarioBrosRandomStages-v5``, ``NES/SuperMarioBros2-v5`` and
``NES/SuperMarioBros2-<world>-<stage>-v5``. The namespace keeps them apart from the ids above,
whose version numbers are ROM variants; every other option can be given as usual (e.g.
``rom_mode="downsample"``, ``obs_type="grayscale", shape=(84, 84)``).
"""
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import gymnasium as gym

from games import LostLevels
from games.smb2_usa import STAGES_PER_WORLD as SMB2_USA_STAGES_PER_WORLD
from games.smb3 import STAGE_ENTRIES as SMB3_STAGES

from .smb import LOST_LEVELS_ROM_MODES, ROM_MODES

# upstream registered these limits; kept so env.spec reads the same
MAX_EPISODE_STEPS = 9999999
REWARD_THRESHOLD = 9999999.0

SMB_ENTRY_POINT = "nesenv.smb:SuperMarioBrosEnv"
RANDOM_STAGES_ENTRY_POINT = "nesenv.smb:SuperMarioBrosRandomStagesEnv"
# gym.make_vec(id, num_envs=N) steps N consoles on a C thread pool (nesenv/vector.py)
VECTOR_ENTRY_POINTS = {
    SMB_ENTRY_POINT: "nesenv.vector:SuperMarioBrosVectorEnv",
    RANDOM_STAGES_ENTRY_POINT: "nesenv.vector:SuperMarioBrosRandomStagesVectorEnv",
    "nesenv.mario:SuperMarioBros2USAEnv": "nesenv.mario:SuperMarioBros2USAVectorEnv",
    "nesenv.mario:SuperMarioBros3Env": "nesenv.mario:SuperMarioBros3VectorEnv",
}

#: ALE v5's defaults (ale_py's ``ALE/...-v5`` ids), as keyword arguments of the nesenv envs:
#: ``gym.make("nesenv/NES-v0", rom_path=..., **ALE_V5_KWARGS)`` gives them to any ROM
ALE_V5_KWARGS: Dict[str, Any] = {
    "frameskip": 4,
    "repeat_action_probability": 0.25,
    "full_action_space": False,
    "max_num_frames_per_episode": 108_000,
}
ALE_NAMESPACE = "NES"

# the generic env: any cartridge the core supports, given by rom_path
GENERIC_ID = "nesenv/NES-v0"
GENERIC_ENTRY_POINT = "nesenv.env:NESEnv"
GENERIC_VECTOR_ENTRY_POINT = "nesenv.vector:NESVectorEnv"


def env_ids() -> Dict[str, Dict[str, Any]]:
    """Return ``{env id: {"entry_point": ..., "kwargs": {...}}}`` for every id nesenv registers."""
    ids: Dict[str, Dict[str, Any]] = {}

    def add(env_id: str, entry_point: str, **kwargs: Any) -> None:
        ids[env_id] = {"entry_point": entry_point, "kwargs": kwargs}

    for version, mode in enumerate(ROM_MODES):
        add(f"SuperMarioBros-v{version}", SMB_ENTRY_POINT, rom_mode=mode)
    for version, mode in enumerate(ROM_MODES):
        add(f"SuperMarioBrosRandomStages-v{version}", RANDOM_STAGES_ENTRY_POINT, rom_mode=mode)
    for version, mode in enumerate(LOST_LEVELS_ROM_MODES):
        add(f"SuperMarioBros2-v{version}", SMB_ENTRY_POINT, rom_mode=mode, lost_levels=True)
    for version, mode in enumerate(ROM_MODES):
        for world in range(1, 9):
            for stage in range(1, 5):
                add(
                    f"SuperMarioBros-{world}-{stage}-v{version}",
                    SMB_ENTRY_POINT,
                    rom_mode=mode,
                    target=(world, stage),
                )
    for version, mode in enumerate(ROM_MODES):  # gym-super-mario-bros 8.0's aliases
        for world in range(1, 9):
            for stage in range(1, 5):
                add(
                    f"SuperMarioBros{world}-{stage}-v{version}",
                    SMB_ENTRY_POINT,
                    rom_mode=mode,
                    target=(world, stage),
                )
    for version, mode in enumerate(LOST_LEVELS_ROM_MODES):
        for world in range(1, LostLevels.WORLDS + 1):
            for stage in range(1, 5):
                add(
                    f"SuperMarioBros2-{LostLevels.world_label(world)}-{stage}-v{version}",
                    SMB_ENTRY_POINT,
                    rom_mode=mode,
                    lost_levels=True,
                    target=(world, stage),
                )
    smb2_usa = "nesenv.mario:SuperMarioBros2USAEnv"  # gym-super-mario-bros 9.1.0's ids
    add("SuperMarioBros2USA-v0", smb2_usa)
    for world, stages in enumerate(SMB2_USA_STAGES_PER_WORLD, start=1):
        for stage in range(1, stages + 1):
            add(f"SuperMarioBros2USA-{world}-{stage}-v0", smb2_usa, target=(world, stage))
    smb3 = "nesenv.mario:SuperMarioBros3Env"
    add("SuperMarioBros3-v0", smb3)
    for world, stage in SMB3_STAGES:
        add(f"SuperMarioBros3-{world}-{stage}-v0", smb3, target=(world, stage))
    return ids


def ale_env_ids() -> Dict[str, Dict[str, Any]]:
    """Return the ids with ALE v5's defaults, ``{env id: {"entry_point": ..., "kwargs": {...}}}``:
    the vanilla-ROM games of :func:`env_ids` in the ``NES`` namespace, version 5, with
    :data:`ALE_V5_KWARGS`."""
    ids: Dict[str, Dict[str, Any]] = {}
    for env_id, spec in env_ids().items():
        name, version = env_id.rsplit("-v", 1)
        kwargs = dict(spec["kwargs"])
        # one id per game: the vanilla ROM, and gym-super-mario-bros 7.4's spelling of stages
        if version != "0" or re.fullmatch(r"SuperMarioBros\d-\d", name):
            continue
        kwargs.pop("rom_mode", None)  # the 9.1.0 games have one ROM and no rom_mode
        ids[f"{ALE_NAMESPACE}/{name}-v5"] = {"entry_point": spec["entry_point"],
                                             "kwargs": {**kwargs, **ALE_V5_KWARGS}}
    return ids


def register_envs() -> List[str]:
    """Register every id of :func:`env_ids` that is not registered yet; return all ids.

    Also registers :data:`GENERIC_ID` and the ids of :func:`ale_env_ids` (not in the returned
    list).
    """
    if GENERIC_ID not in gym.registry:
        gym.register(
            id=GENERIC_ID,
            entry_point=GENERIC_ENTRY_POINT,
            vector_entry_point=GENERIC_VECTOR_ENTRY_POINT,
            nondeterministic=False,
        )
    ids = env_ids()
    for env_id, spec in ids.items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point=spec["entry_point"],
            vector_entry_point=VECTOR_ENTRY_POINTS.get(spec["entry_point"]),
            kwargs=spec["kwargs"],
            max_episode_steps=MAX_EPISODE_STEPS,
            reward_threshold=REWARD_THRESHOLD,
            nondeterministic=False,
        )
    _drop_versions(ids)
    for env_id, spec in ale_env_ids().items():
        if env_id not in gym.registry:
            gym.register(
                id=env_id,
                entry_point=spec["entry_point"],
                vector_entry_point=VECTOR_ENTRY_POINTS.get(spec["entry_point"]),
                kwargs=spec["kwargs"],
                nondeterministic=False,  # sticky actions follow reset(seed=...)
            )
    register_integrations()
    return list(ids)


INTEGRATION_ENTRY_POINT = "nesenv.integrations:make"


def register_integrations() -> List[str]:
    """Register an id per NES integration :func:`nesenv.integrations.available` finds that
    is not registered yet (``"SuperMarioBros-Nes"``, entry point
    :func:`nesenv.integrations.make`); return their ids. Without stable-retro installed and
    ``$NESENV_INTEGRATIONS`` unset there are none."""
    from . import integrations

    ids = []
    for name in integrations.available():
        if name not in gym.registry:
            gym.register(id=name, entry_point=INTEGRATION_ENTRY_POINT, kwargs={"name": name},
                         nondeterministic=False)
        ids.append(name)
    return ids


def _drop_versions(ids: Sequence[str]) -> None:
    """Make nesenv's registered ids unversioned names (the ids themselves do not change).

    In these ids "-v0".."-v3" selects the ROM hack (vanilla, downsample, pixel, rectangle), not a
    revision. Gymnasium reads it as a version: ``gym.make`` of any v0-v2 id would warn (a
    ``DeprecationWarning``) that the env "is out of date", and ``gym.make("SuperMarioBros-1-1")``
    would pick v3, the rectangle hack. Its check (``find_highest_version``) only compares specs
    of the same ``name`` whose ``version`` is not None, so each spec gets its whole id as name
    and no version (``get_env_id(None, name, None)`` is the id again): nothing is newer than
    anything, and no global warnings filter is needed (one installed at import would hide the
    warning for the whole process and is reset by pytest for every test). Since no spec keeps
    the name "SuperMarioBros-1-1", a package that registers the same ids after nesenv (e.g.
    gym-super-mario-bros 8.0) only overrides them, as Gymnasium does for any repeated id,
    instead of failing its versioned-beside-unversioned check. Only specs with nesenv's entry
    points are changed, after all of them are registered.
    """
    ours = set(VECTOR_ENTRY_POINTS)
    for env_id in ids:
        spec = gym.registry.get(env_id)
        if spec is not None and spec.entry_point in ours and spec.namespace is None:
            spec.name, spec.version = env_id, None


def make_vec(
    id: Union[str, gym.envs.registration.EnvSpec],  # noqa: A002  (gym.make_vec's name)
    num_envs: int = 1,
    vectorization_mode: Optional[str] = None,
    vector_kwargs: Optional[Dict[str, Any]] = None,
    wrappers: Optional[Sequence[Callable[[gym.Env], gym.Wrapper]]] = None,
    **kwargs: Any,
) -> gym.vector.VectorEnv:
    """``gym.make_vec`` that picks ``"sync"`` when ``wrappers`` or ``vector_kwargs`` need it.

    The nesenv ids have a vector entry point (:mod:`nesenv.vector`), so ``gym.make_vec`` with no
    ``vectorization_mode`` builds the native vector env, and Gymnasium then refuses
    ``wrappers`` and ``vector_kwargs`` (it does the same for its own ``CartPole-v1``); the mode
    cannot be chosen per call at registration (a mode in the spec's kwargs would override the
    caller's). This function leaves ``gym.make_vec`` alone and only fills in the mode: with
    ``wrappers`` or ``vector_kwargs`` and no mode, ``"sync"`` (a ``SyncVectorEnv`` of wrapped
    single envs); otherwise the same as ``gym.make_vec``.

    Args:
        id, num_envs, vectorization_mode, vector_kwargs, wrappers, kwargs: as ``gym.make_vec``.

    Returns:
        The vector env ``gym.make_vec`` returns for the chosen mode.

    Raises:
        gymnasium.error.Error: ``wrappers`` or ``vector_kwargs`` with
            ``vectorization_mode="vector_entry_point"`` (the message names the fix), and every
            error of ``gym.make_vec``.
    """
    mode = getattr(vectorization_mode, "value", vectorization_mode)
    if wrappers or vector_kwargs:
        if mode is None:
            vectorization_mode = "sync"
        elif mode == "vector_entry_point":
            what = "wrappers" if wrappers else "vector_kwargs"
            raise gym.error.Error(
                f"{what} need vectorization_mode=\"sync\" (or \"async\"): the native vector env "
                "of vectorization_mode=\"vector_entry_point\" takes no wrappers; it has "
                "actions=[...] (as JoypadSpace), grayscale=True and downscale=k instead"
            )
    return gym.make_vec(
        id,
        num_envs=num_envs,
        vectorization_mode=vectorization_mode,
        vector_kwargs=vector_kwargs,
        wrappers=wrappers,
        **kwargs,
    )
