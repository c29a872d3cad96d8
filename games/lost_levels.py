"""Super Mario Bros.: The Lost Levels, as the NES conversion shipped by gym-super-mario-bros.

That ROM is a Super Mario Bros. hack: same engine, same RAM map, same reward, termination, info
and frame skipping as :mod:`games.super_mario_bros`. Only the ROMs and the layout of areas per
world differ: worlds 1 and 3 have the pipe cut-scene area before stage 2.

The ROM holds worlds 1-4 only (checked in the ROM and by loading every world in the emulator):

* its area tables list 23 areas: 2 water, 14 ground, 3 underground and 4 castles, one castle
  per world for worlds 1-4 and nothing for later worlds;
* its world table (``WorldAddrOffsets``, PRG $9CB4, 8 entries) gives worlds 5-8 the offsets
  32-35, which point into zero filler after the 18 area entries of worlds 1-4: "5-1" to "9-4"
  load the water area of 3-2 (or, at some stages, broken areas) under that label;
* worlds 9 and A-D (10-13, which gym-super-mario-bros 8.0 registers after the Famicom Disk
  System game) read past the 8-entry world table into the area list and load arbitrary areas;
* the end-of-world code compares the world with 3 (world 4) where Super Mario Bros. compares
  with 7 (PRG $8424 and $8466): the game ends after the world 4 castle.

Writing those worlds to RAM the way gym-super-mario-bros does for stages therefore never plays a
real level, which is why 7.4 refused them. This module refuses them with that explanation.
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
    # the game's worlds: 1-8, 9 and A-D (10-13), as gym-super-mario-bros 8.0 numbers them
    WORLDS = 13
    WORLDS_IN_ROM = 4
    INTRO_AREA_WORLDS: Sequence[int] = (1, 3)

    @staticmethod
    def world_label(world: int) -> str:
        """Return how the game (and the ids) name world 1-13: ``"1"``..``"9"``, ``"A"``..``"D"``."""
        return str(world) if world <= 9 else "ABCD"[world - 10]

    @classmethod
    def decode_target(cls, target: Tuple[int, int]) -> Tuple[int, int, int]:
        """Return ``(world, stage, area)`` for a ``(world, stage)`` target.

        Raises:
            TypeError: ``target`` is not a pair of ints.
            ValueError: world not in 1..13 or stage not in 1..4; or world 5-13 (5-8, 9, A-D),
                which the known Lost Levels ROMs do not contain.
        """
        decoded = super().decode_target(target)
        world = decoded[0]
        if world > cls.WORLDS_IN_ROM:
            label = cls.world_label(world)
            why = ("its world table points worlds 5-8 at empty area entries" if world <= 8 else
                   "worlds 9 and A-D are past the end of its 8-entry world table")
            raise ValueError(
                f"Lost Levels world {label} is not in the Lost Levels ROM of the "
                "gym-super-mario-bros set (super-mario-bros-2.nes): that NES conversion "
                f"holds worlds 1-4 only; {why}, so the game would load wrong areas under that "
                "label. Worlds 1-4 are available."
            )
        return decoded
