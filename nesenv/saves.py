"""Battery-backed cartridge RAM (``.sav`` files) for ``nesenv play``.

A cartridge with a battery keeps its PRG RAM (game saves) while switched off. ``nesenv play``
loads it before the first frame and writes it on exit, as ``<PRG+CHR SHA-1>.sav`` in the save
folder, so the save follows the game whatever its file is called. Only the battery part of the
cartridge RAM is stored (``nes.sram[prg_ram_size:]``; the volatile work RAM comes first).
"""
import os
from pathlib import Path
from typing import Optional, Union

from .roms import user_dir

SAVE_DIR_ENV = "NESENV_SAVE_DIR"

PathLike = Union[str, "os.PathLike[str]"]


def save_dir() -> Path:
    """Return the save folder: ``$NESENV_SAVE_DIR`` if set, else ``saves`` in the user data folder.

    The folder is not created here.
    """
    return user_dir(SAVE_DIR_ENV, "saves")


def save_path(rom_sha1: str) -> Path:
    """Return the ``.sav`` path of the ROM whose PRG+CHR SHA-1 is ``rom_sha1``."""
    return save_dir() / f"{rom_sha1}.sav"


def load(rom_sha1: str) -> Optional[bytes]:
    """Return the saved battery RAM of a ROM, or None if there is none."""
    path = save_path(rom_sha1)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def store(rom_sha1: str, data: bytes) -> Path:
    """Write battery RAM atomically (temporary file, then rename); return the path."""
    path = save_path(rom_sha1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(bytes(data))
    os.replace(tmp, path)
    return path
