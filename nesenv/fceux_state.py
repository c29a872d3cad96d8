"""FCEUX / FCEUmm save states (the states stable-retro's NES integrations ship) read and
converted into nesenv save states.

An FCEUX state (after an optional gzip layer) is a 16-byte header, ``"FCS"`` and a byte, the
payload length, the emulator version and a compressed length (0: not compressed), all u32
little-endian, then chunks: a type byte (1 CPU, 2 CPU counters, 3 PPU, 4 controllers, 5 sound,
0x10 the board's registers and RAM) and a u32 length, holding entries of a 4-byte tag
(NUL-padded), a u32 length and the data. Facts from FCEUX's/FCEUmm's ``state.c``, ``x6502.c``,
``ppu.c``, ``sound.c`` and board files.

The conversion is cycle-approximate: FCEUmm saves between frames, when the PPU finishes line
239. nesenv runs the console to the same place (the post-render line), writes the registers,
memories and board registers there (board registers through the register writes that set
them), runs to the end of the frame (vblank) and saves. From there, one ``step`` is one of
FCEUmm's frames. What FCEUmm keeps and nesenv cannot set (the APU's internal counters, the CPU
cycle within the line) starts from nesenv's own values.
"""
from __future__ import annotations

import dataclasses
import gzip
import struct
from typing import Callable, Dict, Optional, Union

import numpy as np

HEADER = 16
MAGIC = b"FCS"
CHUNK_NAMES = {1: "cpu", 2: "cpu counters", 3: "ppu", 4: "controllers", 5: "sound", 0x10: "board"}
# the post-render line, where FCEUmm's frames start and its states are saved
POST_RENDER_LINE = 240
MAX_SETTLE_INSTRUCTIONS = 40_000  # a frame is about 10,000 instructions


class FceuxStateError(ValueError):
    """The data is not an FCEUX state, is truncated, or misses a chunk nesenv needs."""


@dataclasses.dataclass
class FceuxState:
    """The entries of an FCEUX state: ``chunks[type][tag] = bytes``.

    Attributes:
        version: the FCEUX version number in the header.
        chunks: chunk type (1, 2, 3, 4, 5, 0x10) -> {tag (str, NULs stripped): data}.
    """

    version: int
    chunks: Dict[int, Dict[str, bytes]]

    def get(self, chunk: int, tag: str) -> Optional[bytes]:
        return self.chunks.get(chunk, {}).get(tag)

    def need(self, chunk: int, tag: str, size: Optional[int] = None) -> bytes:
        """The entry's data. Raises FceuxStateError when it is missing or of another size."""
        data = self.get(chunk, tag)
        if data is None:
            raise FceuxStateError(f"FCEUX state has no {tag!r} in its {CHUNK_NAMES.get(chunk, chunk)} chunk")
        if size is not None and len(data) != size:
            raise FceuxStateError(f"FCEUX state entry {tag!r} holds {len(data)} bytes, expected {size}")
        return data

    def u(self, chunk: int, tag: str, default: Optional[int] = None) -> int:
        """An entry as a little-endian unsigned int (FCEUX writes multi-byte values LSB first)."""
        data = self.get(chunk, tag)
        if data is None:
            if default is None:
                self.need(chunk, tag)
            return int(default)
        return int.from_bytes(data, "little")


def parse(data: bytes) -> FceuxState:
    """Parse an FCEUX / FCEUmm state (gzip-compressed or not).

    Raises:
        FceuxStateError: not an FCEUX state, truncated, or zlib-compressed inside (FCEUX's own
            compression, which stable-retro does not use).
    """
    data = bytes(data)
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise FceuxStateError(f"bad gzip layer: {e}") from None
    if len(data) < HEADER or data[:3] != MAGIC:
        raise FceuxStateError("not an FCEUX state (no 'FCS' header)")
    size, version, compressed = struct.unpack_from("<III", data, 4)
    if compressed:
        raise FceuxStateError("zlib-compressed FCEUX states are not supported")
    if HEADER + size > len(data):
        raise FceuxStateError(f"truncated FCEUX state: header says {size} bytes, {len(data) - HEADER} present")
    chunks: Dict[int, Dict[str, bytes]] = {}
    pos, end = HEADER, HEADER + size
    while pos < end:
        if pos + 5 > end:
            raise FceuxStateError("truncated chunk header")
        kind = data[pos]
        (length,) = struct.unpack_from("<I", data, pos + 1)
        pos += 5
        if pos + length > end:
            raise FceuxStateError(f"chunk {kind} runs past the end of the state")
        entries: Dict[str, bytes] = {}
        p, stop = pos, pos + length
        while p < stop:
            if p + 8 > stop:
                raise FceuxStateError(f"truncated entry in chunk {kind}")
            tag = data[p:p + 4].rstrip(b"\0").decode("latin-1")
            (n,) = struct.unpack_from("<I", data, p + 4)
            if p + 8 + n > stop:
                raise FceuxStateError(f"entry {tag!r} runs past its chunk")
            entries[tag] = data[p + 8:p + 8 + n]
            p += 8 + n
        chunks.setdefault(kind, {}).update(entries)
        pos = stop
    return FceuxState(version=version, chunks=chunks)


# ---- boards: the register writes that give a console FCEUmm's board state ------------------
def _latch(nes, st: FceuxState) -> None:
    """Discrete latch boards (FCEUmm's datalatch.c: UxROM, CNROM, AxROM, GxROM...)."""
    latch = st.get(0x10, "LATC")
    if latch is not None:
        nes.write(0x8000, latch[0])


def _mmc1(nes, st: FceuxState) -> None:
    """MMC1 (https://www.nesdev.org/wiki/MMC1): each of the four registers through its five
    serial writes; a write with bit 7 set first clears the shift register."""
    regs = st.need(0x10, "DREG", 4)
    for reg, value in zip((0x8000, 0xA000, 0xC000, 0xE000), regs):
        nes.write(0x8000, 0x80)
        for bit in range(5):
            nes.write(reg, (value >> bit) & 1)


def _mmc3(nes, st: FceuxState) -> None:
    """MMC3 (https://www.nesdev.org/wiki/MMC3): the eight bank registers, the bank select,
    mirroring, PRG RAM protect, the IRQ latch and enable; the IRQ counter reloads from the
    latch at the next A12 rise (FCEUmm's counter value is not settable)."""
    banks = st.need(0x10, "REGS", 8)
    cmd = st.u(0x10, "CMD")
    for i, value in enumerate(banks):
        nes.write(0x8000, (cmd & 0xC0) | i)
        nes.write(0x8001, value)
    nes.write(0x8000, cmd)
    nes.write(0xA000, st.u(0x10, "A000", 0))
    nes.write(0xA001, st.u(0x10, "A001", 0x80))
    nes.write(0xC000, st.u(0x10, "IRQL", 0))
    nes.write(0xC001, 0)
    nes.write(0xE001 if st.u(0x10, "IRQA", 0) else 0xE000, 0)


BOARDS: Dict[int, Callable] = {0: lambda nes, st: None, 2: _latch, 3: _latch, 7: _latch,
                               66: _latch, 1: _mmc1, 4: _mmc3}


def supported_mappers():
    """The iNES mapper numbers whose FCEUmm board state this module converts."""
    return sorted(BOARDS)


# ---- conversion --------------------------------------------------------------------------------
def _to_post_render_line(nes) -> None:
    nes.step(1)  # to vblank, then through the next frame to line 240
    for _ in range(MAX_SETTLE_INSTRUCTIONS):
        if nes.ppu_position()[0] == POST_RENDER_LINE:
            return
        nes.step_instruction()
    raise FceuxStateError("the console did not reach the post-render line")


def _nametables(nes, st: FceuxState) -> None:
    """FCEUmm's NTAR is the console's 2 KiB CIRAM by physical page, as ``NES.vram`` holds it;
    EXNR the four-screen boards' extra 2 KiB."""
    vram = nes.vram
    vram[:0x800] = np.frombuffer(st.need(3, "NTAR", 0x800), dtype=np.uint8)
    extra = st.get(0x10, "EXNR")
    if extra is not None and len(extra) == 0x800:
        vram[0x800:] = np.frombuffer(extra, dtype=np.uint8)


def convert(data: Union[bytes, FceuxState], rom, *, mapper: Optional[int] = None) -> bytes:
    """Turn an FCEUX / FCEUmm state into a nesenv save state for ``rom``.

    Args:
        data: the state file's bytes (gzip-compressed or not), or a parsed :class:`FceuxState`.
        rom: the ROM the state was made with (path-like or bytes), as ``nes_core.NES`` takes it.
        mapper: the ROM's mapper number, if already known (read from the ROM otherwise).

    Returns:
        a nesenv save state (``bytes``) at the end of the frame FCEUmm saved in: the console is
        in vblank, and ``NES.step(1)`` runs the frame FCEUmm's next ``retro_run`` would.

    Raises:
        FceuxStateError: the state cannot be parsed, misses a needed entry, or its board is not
            one :func:`supported_mappers` lists.
        nes_core.RomError: the ROM cannot be loaded.
    """
    from nes_core import NES

    st = data if isinstance(data, FceuxState) else parse(data)
    nes = NES(rom)
    mapper = nes.rom_info()["mapper"] if mapper is None else mapper
    board = BOARDS.get(mapper)
    if board is None:
        raise FceuxStateError(f"converting FCEUmm states of mapper {mapper} is not supported "
                              f"(supported: {', '.join(map(str, supported_mappers()))})")
    _to_post_render_line(nes)
    nes.set_ppu_registers(ctrl=0, mask=0)  # quiet while the memories are written
    board(nes, st)
    wram = st.get(0x10, "WRAM")
    sram = nes.sram
    if wram is not None and sram is not None:
        n = min(len(wram), len(sram))
        sram[:n] = np.frombuffer(wram[:n], dtype=np.uint8)
    chr_ram = st.get(0x10, "CHRR")
    if chr_ram is not None and nes.rom_info()["chr_rom_size"] == 0:
        for addr, value in enumerate(chr_ram[:0x2000]):
            nes.ppu_poke(addr, value)
    _nametables(nes, st)
    for i, value in enumerate(st.need(3, "PRAM", 0x20)):
        nes.ppu_poke(0x3F00 + i, value)
    nes.oam[:] = np.frombuffer(st.need(3, "SPRA", 0x100), dtype=np.uint8)
    # APU: the channel registers, the DMC's, the channel enables and the frame counter mode
    psg = st.need(5, "PSG", 0x10)
    for i, value in enumerate(psg):
        nes.write(0x4000 + i, value)
    for addr, tag in ((0x4010, "5FMT"), (0x4011, "RWDA"), (0x4012, "5ADL"), (0x4013, "5SZL")):
        if st.get(5, tag) is not None:
            nes.write(addr, st.u(5, tag) & 0xFF)
    nes.write(0x4015, st.u(5, "ENCH", 0) & 0x1F)
    # FCEUmm keeps $4017's bits 7-6 shifted down (sound.c, Write_IRQFM); power-on value 1
    nes.write(0x4017, (st.u(5, "IQFM", 1) & 3) << 6)
    ppur = st.need(3, "PPUR", 4)
    nes.set_ppu_registers(
        status=ppur[2] & 0xE0, ctrl=ppur[0], mask=ppur[1], oamaddr=ppur[3],
        v=st.u(3, "RADD") & 0x7FFF, t=st.u(3, "TADD") & 0x7FFF, x=st.u(3, "XOFF") & 7,
        w=st.u(3, "VTGL") & 1, read_buffer=st.u(3, "VBUF", 0) & 0xFF,
        io_latch=st.u(3, "PGEN", 0) & 0xFF)
    nes.ram[:] = np.frombuffer(st.need(1, "RAM", 0x800), dtype=np.uint8)
    nes.set_cpu_registers(pc=st.u(1, "PC"), a=st.u(1, "A"), x=st.u(1, "X"), y=st.u(1, "Y"),
                          sp=st.u(1, "S"), p=st.u(1, "P"))
    nes.step(1)  # the rest of line 240 up to vblank: the frame boundary nesenv steps from
    return nes.save_state()
