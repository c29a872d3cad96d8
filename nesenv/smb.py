"""Super Mario Bros. and Lost Levels envs with the gym-super-mario-bros 7.4 semantics.

The game logic lives in :mod:`games.super_mario_bros` / :mod:`games.lost_levels`; this module
picks the ROM and composes it with :class:`nesenv.env.NESEnv`.
"""
import os
import re
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from games import Game, LostLevels, SuperMarioBros

from . import roms
from .env import NESEnv

ROM_MODES = ("vanilla", "downsample", "pixel", "rectangle")
LOST_LEVELS_ROM_MODES = ("vanilla", "downsample")

PathLike = Union[str, "os.PathLike[str]"]


def game_and_rom(rom_mode: str, lost_levels: bool, target: Optional[Tuple[int, int]],
                 rom_path: Optional[PathLike]) -> Tuple[Game, str]:
    """Check the arguments of the SMB ids; return the game module and the ROM path.

    Raises:
        TypeError / ValueError: bad ``lost_levels``, ``rom_mode`` or ``target``.
    """
    if not isinstance(lost_levels, bool):
        raise TypeError(f"lost_levels must be a bool, got {lost_levels!r}")
    game_cls = LostLevels if lost_levels else SuperMarioBros
    modes = LOST_LEVELS_ROM_MODES if lost_levels else ROM_MODES
    if rom_mode not in modes:
        raise ValueError(f"rom_mode must be one of {modes}, got {rom_mode!r}")
    game = game_cls(target)
    return game, rom_for(game_cls, rom_mode, rom_path)


def rom_for(game_cls, rom_mode: str, rom_path: Optional[PathLike]) -> str:
    """Return the ROM path for a game: ``rom_path`` if given, else the imported ``rom_mode`` ROM."""
    if rom_path is None:
        return os.fspath(roms.find_rom(game_cls, rom_mode))
    path = roms.resolve_rom(rom_path)
    match = roms.identify(path.read_bytes())
    if match is None or match[0] is not game_cls:
        warnings.warn(
            f"{path} is not a ROM known to nesenv for {game_cls.name}; playing it anyway",
            stacklevel=3,
        )
    return os.fspath(path)


class SuperMarioBrosEnv(NESEnv):
    """Super Mario Bros. (or The Lost Levels), full game or one stage.

    Observation ``Box(0, 255, (240, 256, 3), uint8)``; action ``Discrete(256)`` (controller
    byte); reward ``dx + clock + death`` clipped to ``[-15, 15]``; ``info`` keys coins, flag_get,
    life, score, stage, status, time, world, x_pos, y_pos (see :mod:`games.super_mario_bros`).

    Args:
        rom_mode: ``"vanilla"``, ``"downsample"``, ``"pixel"`` or ``"rectangle"`` (Lost Levels:
            vanilla or downsample).
        lost_levels: play Super Mario Bros.: The Lost Levels instead.
        target: ``(world, stage)`` to play that stage with one life; None for the full game.
        render_mode: None, ``"human"`` or ``"rgb_array"``.
        rom_path: a ``.nes`` path, or the file name of an imported ROM (e.g.
            ``"super-mario-bros-world.nes"`` for the US/World dump), instead of ``rom_mode``.
        frame_timing: ``"nes-py"`` (default: the console runs on nes-py 8.2.1's timing and a
            step is its 29781-cycle frame, which gives gym-super-mario-bros 7.4's RAM,
            observation, info, reward and termination at every step) or ``"vblank"`` (the
            accurate console; a step ends when the PPU enters vblank).
        options: the other keyword arguments of :class:`nesenv.env.NESEnv`: ``mute``,
            ``palette`` (default ``"nes-py"``, upstream's colours), ``obs_type`` and ``shape``
            (the observation), ``frameskip``, ``repeat_action_probability`` and ``noop_max``
            (ALE's evaluation options; the defaults keep gym-super-mario-bros' one frame a step),
            ``stack`` (frame stacking), ``full_action_space`` (False: the 12 actions of
            ``COMPLEX_MOVEMENT``), ``players`` (2: one action per controller) and
            ``max_num_frames_per_episode``.

    Raises:
        nesenv.roms.RomNotFoundError: the ROM is not imported (the message has the fix).
        ValueError / TypeError: bad ``rom_mode``, ``target`` or ``frame_timing``.
    """

    def __init__(
        self,
        rom_mode: str = "vanilla",
        lost_levels: bool = False,
        target: Optional[Tuple[int, int]] = None,
        render_mode: Optional[str] = None,
        rom_path: Optional[PathLike] = None,
        *,
        frame_timing: str = "nes-py",
        **options: Any,
    ):
        game, rom = game_and_rom(rom_mode, lost_levels, target, rom_path)
        super().__init__(rom, render_mode=render_mode, game=game, frame_timing=frame_timing,
                         **options)

    @property
    def is_single_stage_env(self) -> bool:
        """True when the env plays one stage with one life."""
        return self.game.is_stage_game


_STAGE_RE = re.compile(r"^\s*([1-8])\s*-\s*([1-4])\s*$")


def parse_stages(stages: Optional[Sequence[str]]) -> Optional[List[Tuple[int, int]]]:
    """Parse ``["1-4", "2-4"]`` into ``[(1, 4), (2, 4)]``; None or empty gives None (all stages).

    Raises:
        ValueError: an entry is not ``"W-S"`` with W in 1..8 and S in 1..4.
        TypeError: ``stages`` is a single string instead of a list.
    """
    if stages is None:
        return None
    if isinstance(stages, str):
        raise TypeError(f"stages must be a list of 'W-S' strings, got the string {stages!r}")
    parsed = []
    for entry in stages:
        m = _STAGE_RE.match(str(entry))
        if m is None:
            raise ValueError(f"bad stage {entry!r}: expected 'W-S' with W in 1-8 and S in 1-4")
        parsed.append((int(m.group(1)), int(m.group(2))))
    return parsed or None


ALL_STAGES = [(w, s) for w in range(1, 9) for s in range(1, 5)]


def draw_stage(rng: np.random.RandomState,
               stages: Optional[Sequence[Tuple[int, int]]]) -> Tuple[int, int]:
    """Draw a ``(world, stage)`` as gym-super-mario-bros 7.4's RandomStages env does.

    Upstream draws with a legacy ``np.random.RandomState`` (seeded by ``reset(seed=S)``):
    ``rng.choice(stages)`` from a subset (the same draw as ``rng.randint(len(stages))``), or
    ``randint(1, 9)`` then ``randint(1, 5)`` for any stage. Same seed, same stages.

    Args:
        rng: the env's stage generator.
        stages: parsed ``(world, stage)`` pairs, or None / empty for all 32 stages.
    """
    if stages:
        return stages[int(rng.randint(len(stages)))]
    world = int(rng.randint(1, 9))
    return world, int(rng.randint(1, 5))


class SuperMarioBrosRandomStagesEnv(NESEnv):
    """One stage per episode, drawn from ``stages`` (default: all 32) as upstream draws it.

    Each episode is a stage episode (one life; ends on death or flag). The stage generator is a
    ``np.random.RandomState`` that ``reset(seed=S)`` seeds with ``S`` (see :func:`draw_stage`),
    so a seed draws the stages gym-super-mario-bros 7.4 draws; ``options={"stages": [...]}``
    overrides the subset for that reset. The start state of each stage is computed once, on
    first use.

    Args:
        rom_mode: ``"vanilla"``, ``"downsample"``, ``"pixel"`` or ``"rectangle"``.
        stages: stages to draw from, as ``"W-S"`` strings (e.g. ``["1-4", "2-4"]``).
        render_mode: None, ``"human"`` or ``"rgb_array"``.
        rom_path: see :class:`SuperMarioBrosEnv`.
        frame_timing, options: see :class:`SuperMarioBrosEnv`.

    Attributes:
        stages: the default subset, as ``"W-S"`` strings, or None for all stages.
    """

    reset_options = NESEnv.reset_options | {"stages"}

    def __init__(
        self,
        rom_mode: str = "vanilla",
        stages: Optional[Sequence[str]] = None,
        render_mode: Optional[str] = None,
        rom_path: Optional[PathLike] = None,
        *,
        frame_timing: str = "nes-py",
        **options: Any,
    ):
        if rom_mode not in ROM_MODES:
            raise ValueError(f"rom_mode must be one of {ROM_MODES}, got {rom_mode!r}")
        self._stages = parse_stages(stages)
        self.stages = None if self._stages is None else [f"{w}-{s}" for w, s in self._stages]
        self._games: Dict[Tuple[int, int], SuperMarioBros] = {}
        self._stage_rng = np.random.RandomState()  # seeded from entropy until reset(seed=S)
        first = (self._stages or ALL_STAGES)[0]
        super().__init__(
            rom_for(SuperMarioBros, rom_mode, rom_path),
            render_mode=render_mode,
            game=self._game_for(first),
            frame_timing=frame_timing,
            **options,
        )

    def _game_for(self, target: Tuple[int, int]) -> SuperMarioBros:
        if target not in self._games:
            self._games[target] = SuperMarioBros(target)
        return self._games[target]

    def _select_game(self, seed: Optional[int], options: Optional[Dict[str, Any]]) -> None:
        if seed is not None:
            self._stage_rng.seed(seed)
        stages = self._stages
        if options is not None and "stages" in options:
            stages = parse_stages(options["stages"])
        self.game = self._game_for(draw_stage(self._stage_rng, stages))

    @property
    def is_single_stage_env(self) -> bool:
        """Always True: every episode plays one stage."""
        return True
