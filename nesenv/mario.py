"""Super Mario Bros. 2 (USA) and Super Mario Bros. 3 envs with gym-super-mario-bros 9.1.0 semantics.

The game logic lives in :mod:`games.smb2_usa` and :mod:`games.smb3`; this module picks the ROM and
composes it with :class:`nesenv.env.NESEnv` (one console) or :class:`nesenv.vector.NESVectorEnv`
(N consoles on the C thread pool, which evaluates the games' rules in its threads).
"""
import os
from typing import Any, Optional, Tuple, Type, Union

from games import Game, SuperMarioBros2USA, SuperMarioBros3

from .env import NESEnv
from .smb import rom_for
from .vector import NESVectorEnv

PathLike = Union[str, "os.PathLike[str]"]


def _game_and_rom(game_cls: Type[Game], target: Optional[Tuple[int, int]],
                  rom_path: Optional[PathLike]) -> Tuple[Game, str]:
    """Check ``target`` (TypeError / ValueError); return the game module and its ROM path."""
    game = game_cls(target)
    return game, rom_for(game_cls, "vanilla", rom_path)


class _MarioEnv(NESEnv):
    """One console playing :attr:`GAME`, full game or one level.

    Observation ``Box(0, 255, (240, 256, 3), uint8)``; action ``Discrete(256)`` (controller
    byte); reward clipped to ``[-15, 15]``; ``info`` as gym-super-mario-bros 9.1.0 (see the game
    module).

    Args:
        target: ``(world, stage)`` to play one level; None for the full game.
        render_mode: None, ``"human"`` or ``"rgb_array"``.
        rom_path: a ``.nes`` path, or the file name of an imported ROM, instead of the imported
            gym-super-mario-bros 9.1.0 ROM.
        frame_timing: ``"nes-py"`` (default: a step is nes-py's 29781-cycle frame) or
            ``"vblank"``.
        options: the other keyword arguments of :class:`nesenv.env.NESEnv`.

    Raises:
        nesenv.roms.RomNotFoundError: the ROM is not imported (the message has the fix).
        ValueError / TypeError: bad ``target`` or ``frame_timing``.
    """

    GAME: Type[Game] = Game

    def __init__(self, target: Optional[Tuple[int, int]] = None,
                 render_mode: Optional[str] = None, rom_path: Optional[PathLike] = None, *,
                 frame_timing: str = "nes-py", **options: Any):
        game, rom = _game_and_rom(self.GAME, target, rom_path)
        super().__init__(rom, render_mode=render_mode, game=game, frame_timing=frame_timing,
                         **options)

    @property
    def is_single_stage_env(self) -> bool:
        """True when the env plays one level."""
        return self.game.is_stage_game


class _MarioVectorEnv(NESVectorEnv):
    """N consoles playing :attr:`GAME`: the arguments of :class:`_MarioEnv` plus ``num_envs``
    first and those of :class:`nesenv.vector.NESVectorEnv`."""

    GAME: Type[Game] = Game

    def __init__(self, num_envs: int = 1, target: Optional[Tuple[int, int]] = None,
                 render_mode: Optional[str] = None, rom_path: Optional[PathLike] = None,
                 frame_timing: str = "nes-py", **options: Any):
        game, rom = _game_and_rom(self.GAME, target, rom_path)
        super().__init__(num_envs, rom, game, render_mode=render_mode,
                         frame_timing=frame_timing, **options)

    @property
    def is_single_stage_env(self) -> bool:
        """True when each env plays one level."""
        return self.games[0].is_stage_game


class SuperMarioBros2USAEnv(_MarioEnv):
    __doc__ = "Super Mario Bros. 2 (USA) (:mod:`games.smb2_usa`)." + _MarioEnv.__doc__.split(
        "\n", 1)[1]
    GAME = SuperMarioBros2USA


class SuperMarioBros3Env(_MarioEnv):
    __doc__ = "Super Mario Bros. 3 (:mod:`games.smb3`)." + _MarioEnv.__doc__.split("\n", 1)[1]
    GAME = SuperMarioBros3


class SuperMarioBros2USAVectorEnv(_MarioVectorEnv):
    """N Super Mario Bros. 2 (USA) envs: the vector entry point of ``SuperMarioBros2USA-*``."""
    GAME = SuperMarioBros2USA


class SuperMarioBros3VectorEnv(_MarioVectorEnv):
    """N Super Mario Bros. 3 envs: the vector entry point of ``SuperMarioBros3-*``."""
    GAME = SuperMarioBros3
