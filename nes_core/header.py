"""The header of an iNES / NES 2.0 image as a dataclass: :func:`parse_header` / :class:`RomHeader`.

Every field comes from the core's one header parser (``nes_parse_header`` in
``nes_core/src/cart.c``, the one ``NES(rom)`` runs), so what this reports is what the core plays;
the file offsets follow from its sizes. Besides what nes-py's ``ROM`` class exposes (raw header,
TV system, PlayChoice-10, VS Unisystem, trainer, PRG and CHR bytes and their offsets) it has the
NES 2.0 fields (submapper, RAM and NVRAM sizes). https://www.nesdev.org/wiki/INES,
https://www.nesdev.org/wiki/NES_2.0
"""
import os
from dataclasses import dataclass, field
from typing import Tuple, Union

from ._nes import _parse_header

HEADER_SIZE = 16
TRAINER_SIZE = 512

MIRRORING = ("horizontal", "vertical", "four-screen")
CONSOLE_TYPES = ("NES/Famicom", "VS System", "PlayChoice-10", "extended")
TV_SYSTEMS = ("NTSC", "PAL", "multi-region", "Dendy")


@dataclass(frozen=True)
class RomHeader:
    """What an iNES / NES 2.0 file's header says, and where its parts are in the file.

    Sizes are in bytes. iNES 1.0 declares no RAM sizes: the fields then hold the core's
    convention (8 KiB of PRG RAM, all of it NVRAM when ``battery``; 8 KiB of CHR RAM when there
    is no CHR ROM). Offsets are into the file: ``data[prg_rom_start:prg_rom_stop]`` is the PRG
    ROM (also in :attr:`prg_rom`).

    Build one with :func:`parse_header` (or ``RomHeader.parse``).
    """

    header: bytes = field(repr=False)   #: the 16 header bytes as in the file
    nes2: bool                          #: NES 2.0 header (else iNES 1.0)
    mapper: int
    submapper: int                      #: 0 on iNES 1.0
    prg_rom_size: int
    chr_rom_size: int                   #: 0: the board has CHR RAM
    prg_ram_size: int                   #: volatile PRG RAM
    prg_nvram_size: int                 #: battery-backed PRG RAM
    chr_ram_size: int                   #: volatile CHR RAM
    chr_nvram_size: int                 #: battery-backed CHR RAM (NES 2.0 only)
    battery: bool                       #: byte 6 bit 1
    has_trainer: bool                   #: byte 6 bit 2: 512 bytes before the PRG ROM
    mirroring: str                      #: "horizontal", "vertical" or "four-screen"
    console_type: str                   #: one of :data:`CONSOLE_TYPES`
    vs_unisystem: bool
    playchoice10: bool
    tv_system: str                      #: one of :data:`TV_SYSTEMS` (iNES 1.0: NTSC or PAL)
    dirty: bool                         #: iNES 1.0 with text in bytes 12-15: bytes 7 and 9 ignored
    trainer_start: int
    trainer_stop: int
    prg_rom_start: int
    prg_rom_stop: int
    chr_rom_start: int
    chr_rom_stop: int
    trainer_rom: bytes = field(repr=False)  #: the trainer (b"" without one)
    prg_rom: bytes = field(repr=False)
    chr_rom: bytes = field(repr=False)

    @property
    def format(self) -> str:
        """``"NES 2.0"`` or ``"iNES"``."""
        return "NES 2.0" if self.nes2 else "iNES"

    @property
    def is_pal(self) -> bool:
        """True when the header says PAL (nes-py's ``is_pal``)."""
        return self.tv_system == "PAL"

    @property
    def is_vertical_mirroring(self) -> bool:
        """nes-py's name: ``mirroring == "vertical"``."""
        return self.mirroring == "vertical"

    @property
    def image_size(self) -> int:
        """Bytes the header declares: header + trainer + PRG + CHR (a file may hold more)."""
        return self.chr_rom_stop

    @property
    def prg_rom_range(self) -> Tuple[int, int]:
        """``(start, stop)`` file offsets of the PRG ROM."""
        return self.prg_rom_start, self.prg_rom_stop

    @property
    def chr_rom_range(self) -> Tuple[int, int]:
        """``(start, stop)`` file offsets of the CHR ROM (equal when there is none)."""
        return self.chr_rom_start, self.chr_rom_stop

    @classmethod
    def parse(cls, data: Union[bytes, bytearray, memoryview]) -> "RomHeader":
        """See :func:`parse_header`."""
        return parse_header(data)


def parse_header(data: Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]) -> RomHeader:
    """Parse an iNES / NES 2.0 image (its bytes, or a path) with the core's header parser.

    Args:
        data: the whole ``.nes`` file (the PRG and CHR data are sliced from it), or its path.

    Returns:
        A :class:`RomHeader`.

    Raises:
        nes_core.RomError (a ValueError): not an iNES image, a truncated header ("truncated
            iNES header: 10 of 16 bytes"), a PRG ROM size of 0, impossible sizes, or a file
            shorter than its header declares; the same errors and messages as ``NES(data)``,
            which additionally refuses mappers it does not support.
        OSError: ``data`` is a path that cannot be read.
        TypeError: ``data`` is neither bytes-like nor a path.
    """
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as fh:
            data = fh.read()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes or a path, not {type(data).__name__}")
    data = bytes(data)
    h = _parse_header(data)
    trainer_start = HEADER_SIZE
    trainer_stop = trainer_start + (TRAINER_SIZE if h["trainer"] else 0)
    prg_stop = trainer_stop + h["prg_rom_size"]
    chr_stop = prg_stop + h["chr_rom_size"]
    assert chr_stop == h["image_size"]  # the parser's own total
    return RomHeader(
        header=data[:HEADER_SIZE],
        nes2=h["nes2"],
        mapper=h["mapper"],
        submapper=h["submapper"],
        prg_rom_size=h["prg_rom_size"],
        chr_rom_size=h["chr_rom_size"],
        prg_ram_size=h["prg_ram_size"],
        prg_nvram_size=h["prg_nvram_size"],
        chr_ram_size=h["chr_ram_size"],
        chr_nvram_size=h["chr_nvram_size"],
        battery=h["battery"],
        has_trainer=h["trainer"],
        mirroring=MIRRORING[h["mirroring"]],
        console_type=CONSOLE_TYPES[h["console_type"]],
        vs_unisystem=h["vs_unisystem"],
        playchoice10=h["playchoice10"],
        tv_system=TV_SYSTEMS[h["timing"]],
        dirty=h["dirty"],
        trainer_start=trainer_start,
        trainer_stop=trainer_stop,
        prg_rom_start=trainer_stop,
        prg_rom_stop=prg_stop,
        chr_rom_start=prg_stop,
        chr_rom_stop=chr_stop,
        trainer_rom=data[trainer_start:trainer_stop],
        prg_rom=data[trainer_stop:prg_stop],
        chr_rom=data[prg_stop:chr_stop],
    )
