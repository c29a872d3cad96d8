"""nes_core: a cycle-accurate NES (NTSC 2A03 + 2C02) emulator core in C.

    from nes_core import NES
    nes = NES("game.nes")
    nes.step(frames=60, buttons=nes_core.BUTTON_START)
    frame = nes.screen.copy()   # (240, 256, 3) uint8

``nes.observe(ObsFormat("grayscale", (84, 84)))`` gives the picture as an agent's observation
(RGB or grayscale, any size by area averaging; ``pool_with=nes.capture(fmt)`` max-pools two
frames). ``parse_header(rom)`` returns a :class:`RomHeader`: what the file's iNES / NES 2.0 header says,
read by the core's own parser. ``NESPool(consoles, num_threads)`` steps many ``NES`` objects at
once on C threads, GIL released. ``RuleTable`` / ``RuleStates``: a game's rules (reward,
termination, info, frame skipping) compiled from a ``games.spec.GameSpec``, evaluated in C.
"""
try:
    from ._nes import (NES, NESPool, OBS_TYPES, ObsFormat, PALETTE_NAMES, RomError, RuleStates,
                       RuleTable, StateError, TILES_SHAPE, TIMINGS, load_palette)
except ImportError as _exc:  # the source folder shadows an installed build
    import os as _os

    _here = _os.path.dirname(_os.path.abspath(__file__))
    raise ImportError(
        f"nes_core's C extension is not built in {_here} ({_exc}). If nesenv is installed, this "
        "is its source folder shadowing the installed package: run Python from another folder; "
        "to use this folder, build it in place with: pip install -e ."
    ) from _exc
from .header import RomHeader, parse_header

BUTTON_A = 0x01
BUTTON_B = 0x02
BUTTON_SELECT = 0x04
BUTTON_START = 0x08
BUTTON_UP = 0x10
BUTTON_DOWN = 0x20
BUTTON_LEFT = 0x40
BUTTON_RIGHT = 0x80

SCREEN_HEIGHT = 240
SCREEN_WIDTH = 256
#: NTSC frame rate in Hz (https://www.nesdev.org/wiki/Cycle_reference_chart)
FRAME_RATE = 60.0988

__all__ = [
    "NES", "NESPool", "ObsFormat", "OBS_TYPES", "TILES_SHAPE", "RomError", "StateError", "load_palette", "PALETTE_NAMES", "TIMINGS", "RomHeader", "RuleTable", "RuleStates",
    "parse_header", "BUTTON_A", "BUTTON_B", "BUTTON_SELECT",
    "BUTTON_START", "BUTTON_UP", "BUTTON_DOWN", "BUTTON_LEFT", "BUTTON_RIGHT", "SCREEN_HEIGHT",
    "SCREEN_WIDTH", "FRAME_RATE",
]
