"""Super Mario Bros.: The Lost Levels, as the NES conversion shipped by gym-super-mario-bros.

That ROM is a Super Mario Bros. hack: same engine, same RAM map, same reward, termination, info
and frame skipping as :mod:`games.super_mario_bros`. Only the ROMs and the layout of areas per
world differ: worlds 1 and 3 have the pipe cut-scene area before stage 2.
"""
from typing import Sequence, Tuple

from .base import RomSpec
from .super_mario_bros import SuperMarioBros

ROMS = (
    RomSpec(
        sha1="f3b998073241fe588e28ff6b6f63ba01b4c237bb",
        file_sha1="cc9457e33e132cd233efcc05dc8e85fc308e0fe2",
        filename="super-mario-bros-2.nes",
        title="Super Mario Bros.: The Lost Levels (NES conversion shipped by gym-super-mario-bros)",
        variant="vanilla",
    ),
    RomSpec(
        sha1="2a82548e2f8fe32cd617408e5e1e3580dac6e64b",
        file_sha1="0fcda592319f8c2b7009ca627600396fd13843c6",
        filename="super-mario-bros-2-downsample.nes",
        title="Super Mario Bros.: The Lost Levels (downsample hack of gym-super-mario-bros)",
        variant="downsample",
    ),
)


class LostLevels(SuperMarioBros):
    """Super Mario Bros.: The Lost Levels with gym-super-mario-bros 7.4 semantics.

    Args:
        target: ``(world, stage)`` to play one stage with one life, or None for the full game.
    """

    name = "Super Mario Bros.: The Lost Levels"
    ROMS: Tuple[RomSpec, ...] = ROMS
    WORLDS = 8
    INTRO_AREA_WORLDS: Sequence[int] = (1, 3)
