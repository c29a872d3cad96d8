"""Super Mario Bros.: The Lost Levels, as the NES conversion shipped by gym-super-mario-bros.

That ROM is a Super Mario Bros. hack: same engine, same RAM map, same reward, termination, info
and frame skipping as :mod:`games.super_mario_bros`. Only the ROMs and the layout of areas per
world differ: worlds 1 and 3 have the pipe cut-scene area before stage 2.

The ROM holds worlds 1-4 only. Its world table (``WorldAddrOffsets``, PRG $9CB4) gives worlds 5-8
the offsets 32-35, which point into zero filler after the 18 area entries of worlds 1-4, and the
end-of-castle code of world 4 ends the game instead of advancing. Writing world 5-8 to RAM the
way gym-super-mario-bros does for stages loads wrong areas (a water area labelled "5-1"), which
is why upstream refused those targets. This module refuses them with that explanation.
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
    WORLDS_IN_ROM = 4
    INTRO_AREA_WORLDS: Sequence[int] = (1, 3)

    @classmethod
    def decode_target(cls, target: Tuple[int, int]) -> Tuple[int, int, int]:
        """Return ``(world, stage, area)`` for a ``(world, stage)`` target.

        Raises:
            TypeError: ``target`` is not a pair of ints.
            ValueError: world not in 1..8 or stage not in 1..4; or world 5-8, which the known
                Lost Levels ROMs do not contain.
        """
        decoded = super().decode_target(target)
        if decoded[0] > cls.WORLDS_IN_ROM:
            raise ValueError(
                f"Lost Levels world {decoded[0]} is not in the Lost Levels ROM of the "
                "gym-super-mario-bros 7.4.0 set (super-mario-bros-2.nes): that NES conversion "
                "holds worlds 1-4 only; its world table points worlds 5-8 at empty area "
                "entries, so the game would load wrong areas. Worlds 1-4 are available."
            )
        return decoded
