"""Game modules: what each supported game's RAM means, as data (:mod:`games.spec`).

Importing them imports no emulator; the rules' C evaluator (``nes_core.RuleTable``) is loaded
when a spec is first evaluated. ``REGISTRY`` maps the SHA-1 of a ROM's PRG+CHR data (header
excluded) to the game class that understands it and the :class:`~games.base.RomSpec` describing
the dump. Adding a game is one module plus its line in ``GAMES``.
"""
from typing import Dict, Tuple, Type

from .base import Console, Game, RomSpec
from .lost_levels import LostLevels
from .smb2_usa import SuperMarioBros2USA
from .smb3 import SuperMarioBros3
from .super_mario_bros import SuperMarioBros

GAMES: Tuple[Type[Game], ...] = (SuperMarioBros, LostLevels, SuperMarioBros2USA, SuperMarioBros3)

REGISTRY: Dict[str, Tuple[Type[Game], RomSpec]] = {
    rom.sha1: (game, rom) for game in GAMES for rom in game.ROMS
}

__all__ = ["Console", "Game", "RomSpec", "SuperMarioBros", "LostLevels", "SuperMarioBros2USA",
           "SuperMarioBros3", "GAMES", "REGISTRY"]
