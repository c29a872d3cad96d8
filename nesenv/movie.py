"""Input movies in FCEUX's ``.fm2`` format: read, write, replay into a console or an env.

An ``.fm2`` file (https://fceux.com/web/FM2.html) is text: header lines ``key value`` (``version
3``, ``romFilename``, ``romChecksum base64:...``, ``port0 1`` ...), then one line per frame,
``|commands|port0|port1|port2|``. ``commands`` is a decimal bit field applied before the frame
(1 soft reset, 2 hard reset / power, 4 FDS disk insert, 8 FDS side select, 16 VS coin); a
gamepad field is eight characters in the order ``RLDUTSBA`` (Right, Left, Down, Up, sTart,
Select, B, A), a ``.`` or a space for a released button and any other character for a pressed
one. A movie starts at power-on (one that starts from a save state, ``savestate`` in the header,
is refused). Frame ``i`` of the movie is the ``i``-th ``NES.step`` from power-on.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]

#: command bits of an input line (FCEUX's MOVIECMD_*)
SOFT_RESET, HARD_RESET, FDS_INSERT, FDS_SELECT, VS_INSERT_COIN = 1, 2, 4, 8, 16
_SUPPORTED_COMMANDS = SOFT_RESET | HARD_RESET
# RLDUTSBA, left to right: the controller byte's bits 7 down to 0 (nesenv.actions)
_BUTTONS = "RLDUTSBA"


class MovieError(ValueError):
    """A movie file that is not a valid ``.fm2``, or that nesenv cannot replay."""


@dataclasses.dataclass
class Movie:
    """An input movie.

    Attributes:
        header: the header fields, in file order (values as strings).
        commands: ``uint8 (n,)``, the command bits of each frame (SOFT_RESET, HARD_RESET).
        pads: ``uint8 (n, 2)``, the controller-1 and controller-2 bytes of each frame (A=0x01 ...
            Right=0x80, as ``NES.step`` takes them).
    """

    header: Dict[str, str]
    commands: np.ndarray
    pads: np.ndarray

    def __len__(self) -> int:
        return len(self.commands)


def _pad_byte(field: str, line_no: int) -> int:
    if len(field) != 8:
        raise MovieError(f"line {line_no}: a gamepad field has 8 characters (RLDUTSBA), got {field!r}")
    return sum(1 << (7 - i) for i, c in enumerate(field) if c not in ". ")


def _pad_field(byte: int) -> str:
    return "".join(_BUTTONS[i] if byte & (1 << (7 - i)) else "." for i in range(8))


def parse_fm2(text: str) -> Movie:
    """Parse the text of an ``.fm2`` file.

    Raises:
        MovieError: a binary movie, a movie that starts from a save state, a port device other
            than a gamepad, unsupported commands, or a malformed line (its number is named).
    """
    header: Dict[str, str] = {}
    commands: List[int] = []
    pads: List[Tuple[int, int]] = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r\n")
        if not line:
            continue
        if line.startswith("|"):
            parts = line.split("|")
            if len(parts) < 4:
                raise MovieError(f"line {no}: an input line is |commands|port0|port1|...|, got {line!r}")
            try:
                cmd = int(parts[1] or "0")
            except ValueError:
                raise MovieError(f"line {no}: commands must be a number, got {parts[1]!r}") from None
            if cmd & ~_SUPPORTED_COMMANDS:
                raise MovieError(f"line {no}: command bits {cmd & ~_SUPPORTED_COMMANDS} (FDS / VS) are "
                                 "not supported; only soft (1) and hard (2) reset")
            p0 = _pad_byte(parts[2], no) if parts[2] else 0
            p1 = _pad_byte(parts[3], no) if parts[3] else 0
            commands.append(cmd)
            pads.append((p0, p1))
            continue
        if pads:
            raise MovieError(f"line {no}: a header line after the input lines: {line!r}")
        key, _, value = line.partition(" ")
        header[key] = value
    if header.get("binary", "0") not in ("0", "false"):
        raise MovieError("binary .fm2 movies are not supported (save it as text in FCEUX)")
    if "savestate" in header:
        raise MovieError("the movie starts from a save state; only power-on movies can be replayed")
    for port in ("port0", "port1"):
        if header.get(port, "1") not in ("0", "1"):
            raise MovieError(f"{port} is device {header[port]} (1 = gamepad, 0 = none); "
                             "only gamepads are supported")
    if header.get("fourscore", "0") not in ("0", "false"):
        raise MovieError("Four Score movies are not supported")
    return Movie(header, np.array(commands, dtype=np.uint8),
                 np.array(pads, dtype=np.uint8).reshape(-1, 2))


def read_fm2(path: PathLike) -> Movie:
    """Read an ``.fm2`` file (see :func:`parse_fm2`; OSError when it cannot be read)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse_fm2(f.read())


def rom_checksum(rom: bytes) -> str:
    """FCEUX's ``romChecksum`` of an iNES image: ``base64:`` and the MD5 of its PRG+CHR data."""
    from .roms import rom_payload

    payload = rom_payload(rom)
    if payload is None:
        raise MovieError("not an iNES image")
    return "base64:" + base64.b64encode(hashlib.md5(payload).digest()).decode()


def format_fm2(movie: Movie) -> str:
    """The text of an ``.fm2`` file for ``movie`` (header fields first, version 3 by default)."""
    header = {"version": "3", "emuVersion": "22020", "rerecordCount": "0", "palFlag": "0",
              "fourscore": "0", "microphone": "0", "port0": "1", "port1": "1", "port2": "0",
              "FDS": "0", "NewPPU": "0", **movie.header}
    lines = [f"{k} {v}" for k, v in header.items()]
    for cmd, (p0, p1) in zip(movie.commands.tolist(), movie.pads.tolist()):
        lines.append(f"|{cmd}|{_pad_field(p0)}|{_pad_field(p1)}||")
    return "\n".join(lines) + "\n"


def write_fm2(movie: Movie, path: PathLike) -> None:
    """Write ``movie`` as an ``.fm2`` text file."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(format_fm2(movie))


def new_movie(rom: bytes, pads: Sequence[int] = (), rom_filename: str = "", comment: str = "",
              pads2: Optional[Sequence[int]] = None) -> Movie:
    """A power-on movie for ``rom`` (its checksum in the header) with one frame per controller-1
    byte of ``pads`` (controller 2 from ``pads2``, else released), no commands."""
    header = {"romFilename": rom_filename, "romChecksum": rom_checksum(rom),
              "guid": "00000000-0000-0000-0000-000000000000"}
    if comment:
        header["comment"] = comment
    p = np.zeros((len(pads), 2), np.uint8)
    p[:, 0] = np.asarray(pads, dtype=np.int64).reshape(-1) & 0xFF if len(pads) else 0
    if pads2 is not None:
        p[:, 1] = np.asarray(pads2, dtype=np.int64).reshape(-1) & 0xFF
    return Movie(header, np.zeros(len(pads), np.uint8), p)


def check_rom(movie: Movie, rom: bytes) -> None:
    """Raise MovieError when the movie names another ROM (its ``romChecksum``)."""
    want = movie.header.get("romChecksum")
    if want and want != rom_checksum(rom):
        raise MovieError(f"the movie was made with another ROM (romChecksum {want}, this ROM "
                         f"{rom_checksum(rom)}); pass check_rom=False to replay it anyway")


def replay(movie: Movie, nes, until_frame: Optional[int] = None,
           on_frame: Optional[Callable[[int], None]] = None, start_frame: int = 0) -> int:
    """Play ``movie`` on a console from its current state (power it on first for a movie made
    from power-on): for each frame its commands (RESET button, power cycle), then one
    ``nes.step`` with both pads.

    Args:
        movie: the movie.
        nes: a ``nes_core.NES``.
        until_frame: stop before this frame index (None: at the movie's end).
        on_frame: called with the frame index after each frame (e.g. to record video).
        start_frame: the movie's frame to start at (a replay continued in parts).

    Returns:
        The number of frames played.
    """
    n = len(movie) if until_frame is None else min(len(movie), int(until_frame))
    cmds, pads = movie.commands, movie.pads
    for i in range(int(start_frame), n):
        c = int(cmds[i])
        if c & HARD_RESET:
            nes.power_cycle()
        elif c & SOFT_RESET:
            nes.reset()
        nes.step(1, int(pads[i, 0]), int(pads[i, 1]))
        if on_frame is not None:
            on_frame(i)
    return max(n - int(start_frame), 0)
