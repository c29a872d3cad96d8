"""RAM search: find the address of a value (lives, x position, a timer) by how it changes.

The classic cheat-search workflow on the 2 KiB CPU RAM: start with every address as a
candidate, run the game, and keep the candidates whose byte changed the way the value did
between two snapshots (changed, unchanged, increased, decreased, or equal to a known value);
repeat until few are left, then watch them frame by frame. ``nesenv ram-search`` is the
command-line front end (``docs/adding-a-game.md`` walks through it).

Frames come from button scripts (:func:`parse_script`: ``"start*1 noop*60 right+B*90"``), an
FCEUX ``.fm2`` movie or both, on a console started at power-on or from a saved state.
"""
from __future__ import annotations

import re
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from .actions import BUTTONS, buttons_to_byte

__all__ = ["FILTERS", "RamSearch", "parse_script", "run_script", "parse_addresses"]

#: the filters :meth:`RamSearch.filter` takes; "equal" needs a value
FILTERS = ("changed", "unchanged", "increased", "decreased", "equal")

_SEGMENT = re.compile(r"^([A-Za-z+]+)(?:\*(\d+))?$")


class RamSearch:
    """Candidate addresses of a live RAM array, narrowed by comparing snapshots.

    Args:
        ram: the RAM to search, a live ``uint8`` array (``nes_core.NES.ram``, ``(2048,)``);
            read again at every :meth:`filter`.

    Attributes:
        candidates: the addresses still in the running, ``int64 (k,)``, ascending.
        snapshot: the RAM at the last filter (or at creation / :meth:`restart`).
    """

    def __init__(self, ram: np.ndarray):
        ram = np.asarray(ram)
        if ram.ndim != 1 or ram.dtype != np.uint8:
            raise ValueError(f"ram must be a 1-D uint8 array, got {ram.dtype} {ram.shape}")
        self.ram = ram
        self.restart()

    def restart(self) -> None:
        """Make every address a candidate again and take a new snapshot."""
        self.candidates = np.arange(self.ram.size, dtype=np.int64)
        self.snapshot = self.ram.copy()

    def filter(self, how: str, value: Optional[int] = None) -> np.ndarray:
        """Keep the candidates whose byte now relates to the snapshot as ``how`` says, then
        take a new snapshot.

        Args:
            how: one of :data:`FILTERS`: ``"changed"``, ``"unchanged"``, ``"increased"``,
                ``"decreased"`` (now against the snapshot, unsigned bytes) or ``"equal"``
                (now equal to ``value``).
            value: the byte of ``"equal"`` (0-255).

        Returns:
            The remaining candidates (also :attr:`candidates`).

        Raises:
            ValueError: an unknown filter, or ``value`` missing / out of range for
                ``"equal"`` (given for another filter).
        """
        if how not in FILTERS:
            raise ValueError(f"unknown filter {how!r}; one of {', '.join(FILTERS)}")
        if (how == "equal") != (value is not None):
            raise ValueError("'equal' takes a value (0-255); the other filters take none")
        now = self.ram[self.candidates]
        before = self.snapshot[self.candidates]
        if how == "changed":
            keep = now != before
        elif how == "unchanged":
            keep = now == before
        elif how == "increased":
            keep = now > before
        elif how == "decreased":
            keep = now < before
        else:
            if not 0 <= int(value) <= 255:
                raise ValueError(f"'equal' compares bytes: value must be in 0-255, got {value}")
            keep = now == int(value)
        self.candidates = self.candidates[keep]
        self.snapshot = self.ram.copy()
        return self.candidates

    def values(self) -> List[Tuple[int, int]]:
        """``[(address, byte now), ...]`` of the candidates."""
        return [(int(a), int(self.ram[a])) for a in self.candidates]


def parse_script(text: str) -> List[Tuple[int, int]]:
    """Parse a button script into ``[(controller byte, frames), ...]``.

    A script is segments separated by spaces or commas, each ``BUTTONS*FRAMES`` (``*FRAMES``
    optional, default 1): button names of :data:`nesenv.actions.BUTTONS` joined by ``+``
    (``right+A+B``; ``noop`` or ``NOOP`` for none; ``a``/``b`` for A and B).

    Raises:
        ValueError: an empty script, a bad segment, an unknown button or 0 frames.
    """
    names = {k.lower(): k for k in BUTTONS}
    out = []
    for segment in re.split(r"[\s,]+", text.strip()):
        if not segment:
            continue
        m = _SEGMENT.match(segment)
        if m is None:
            raise ValueError(f"bad script segment {segment!r}: expected BUTTONS*FRAMES, "
                             "e.g. right+A*30 or noop*60")
        buttons = [names.get(b.lower()) for b in m.group(1).split("+")]
        if None in buttons:
            raise ValueError(f"unknown button in {segment!r}; buttons: "
                             f"{', '.join(BUTTONS)} (any case), joined by +")
        frames = int(m.group(2) or 1)
        if frames < 1:
            raise ValueError(f"script segment {segment!r}: frames must be >= 1")
        out.append((buttons_to_byte(buttons), frames))
    if not out:
        raise ValueError("empty button script")
    return out


def run_script(nes, script: Sequence[Tuple[int, int]],
               on_frame: Optional[Callable[[int], None]] = None) -> int:
    """Run a parsed script on a console (``nes_core.NES``) one frame at a time; call
    ``on_frame(buttons)`` after each frame. Returns the frames run."""
    frames = 0
    for buttons, count in script:
        for _ in range(count):
            nes.step(1, buttons)
            frames += 1
            if on_frame is not None:
                on_frame(buttons)
    return frames


def parse_addresses(text: str) -> List[int]:
    """Parse ``"0x86,0x6D 1882"`` (hex with ``0x`` or ``$``, else decimal) into addresses.

    Raises:
        ValueError: not a number, or outside $0000-$07FF.
    """
    out = []
    for word in re.split(r"[\s,]+", text.strip()):
        if not word:
            continue
        try:
            a = int(word[1:], 16) if word.startswith("$") else int(word, 0)
        except ValueError:
            raise ValueError(f"bad address {word!r}: e.g. 0x86, $86 or 134") from None
        if not 0 <= a < 2048:
            raise ValueError(f"address {word} outside the CPU RAM ($0000-$07FF)")
        out.append(a)
    if not out:
        raise ValueError("no address given")
    return out
