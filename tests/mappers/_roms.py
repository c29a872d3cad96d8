"""Synthetic cartridges for the board tests: every bank filled with its own number.

PRG: each 8 KiB bank is filled with its bank number, except its last 16 bytes, which hold an
idle loop at $xFF0 (``JMP $FFF0``) and the three vectors: RESET -> $FFF0, NMI -> $0310 and
IRQ -> $0300 (CPU RAM, where a test pokes its handler). Whatever bank a board maps at $E000,
the CPU idles safely, so a test can step whole frames (the PPU ignores $2006 during its
power-on warm-up, about two frames) and then drive the board's registers from code run in
RAM (tests.unit._helpers.run_code). Byte $xFF3 of every bank is $00 (for RMW tests).
CHR: each 1 KiB bank is filled with its bank number.
"""
from __future__ import annotations

from typing import Iterable, Sequence, Tuple

from nes_core import NES

from tests.ines import ines
from tests.unit._helpers import run_code

IRQ_HANDLER = 0x0300
NMI_HANDLER = 0x0310
IDLE = 0xFFF0
ZERO_BYTE = 0xFFF3  # holds $00 in every bank


def patterned_prg(size: int) -> bytes:
    assert size % 0x2000 == 0
    prg = bytearray()
    for bank in range(size // 0x2000):
        b = bytearray([bank & 0xFF]) * 0x2000
        b[0x1FF0:0x1FF3] = bytes([0x4C, IDLE & 0xFF, IDLE >> 8])  # JMP $FFF0
        b[0x1FF3] = 0x00
        b[0x1FFA:0x2000] = bytes([NMI_HANDLER & 0xFF, NMI_HANDLER >> 8, IDLE & 0xFF, IDLE >> 8,
                                  IRQ_HANDLER & 0xFF, IRQ_HANDLER >> 8])
        prg += b
    return bytes(prg)


def patterned_chr(size: int) -> bytes:
    return b"".join(bytes([k & 0xFF]) * 0x400 for k in range(size // 0x400))


def cart(mapper: int, prg_kb: int, chr_kb: int = 0, **kw) -> bytes:
    """An iNES image (NES 2.0 when kw has nes2=True) with patterned PRG and CHR ROM
    (chr_kb=0: CHR RAM, sized by the header)."""
    return ines(patterned_prg(prg_kb * 1024), patterned_chr(chr_kb * 1024), mapper, **kw)


def boot(rom: bytes, frames: int = 2) -> NES:
    """Power on and run past the PPU warm-up; RTI handlers in RAM for NMI and IRQ."""
    nes = NES(rom)
    nes.poke(IRQ_HANDLER, 0x40)
    nes.poke(NMI_HANDLER, 0x40)
    if frames:
        nes.step(frames)
    return nes


def writes(nes: NES, pairs: Iterable[Tuple[int, int]], **regs) -> None:
    """Run STA instructions for each (address, value), four CPU cycles apart or more."""
    src = []
    for addr, val in pairs:
        src += [f"LDA #${val & 0xFF:02X}", f"STA ${addr:04X}"]
    run_code(nes, src, **regs)


def mmc1_write(nes: NES, addr: int, value: int) -> None:
    """The five serial writes of one MMC1 register (bit 0 first)."""
    writes(nes, [(addr, (value >> i) & 1) for i in range(5)])


def prg_banks(nes: NES) -> Tuple[int, ...]:
    """The 8 KiB bank number seen at $8000, $A000, $C000, $E000."""
    return tuple(nes.peek(a) for a in (0x8000, 0xA000, 0xC000, 0xE000))


def chr_banks(nes: NES) -> Tuple[int, ...]:
    """The 1 KiB bank number seen in each of the eight PPU pattern windows."""
    return tuple(nes.ppu_peek(i * 0x400 + 0x10) for i in range(8))


def ppu_write(addr: int, values: Sequence[int]):
    """6502 source writing `values` to PPU memory at `addr` ($2006/$2007)."""
    src = ["LDA $2002", f"LDA #${addr >> 8:02X}", "STA $2006", f"LDA #${addr & 0xFF:02X}", "STA $2006"]
    for v in values:
        src += [f"LDA #${v:02X}", "STA $2007"]
    return src


def nametable_layout(nes: NES) -> str:
    """'vertical', 'horizontal' or 'single' from writes to the four nametables ($2000-$2FFF)."""
    src = []
    for i in range(4):
        src += ppu_write(0x2000 + 0x400 * i + 0x155, [0xA0 + i])
    run_code(nes, src)
    got = tuple(nes.ppu_peek(0x2000 + 0x400 * i + 0x155) for i in range(4))
    return {(0xA2, 0xA3, 0xA2, 0xA3): "vertical", (0xA1, 0xA1, 0xA3, 0xA3): "horizontal",
            (0xA3, 0xA3, 0xA3, 0xA3): "single"}.get(got, repr(got))


# A12 clocking through PPUADDR with rendering off: v = $1000 (rise), then v = $0000 (fall).
A12_CLOCK = ["LDA #$10", "STA $2006", "LDA #$00", "STA $2006", "STA $2006", "STA $2006"]
