"""The PPU runs behind the CPU and catches up lazily; boards that watch the PPU address bus
(MMC3's A12 IRQ counter, MMC2/MMC4's tile latches, MMC5's fetches) must see the same fetches at the same
clocks, and the CPU must see the MMC3 IRQ at the same cycle, as when the PPU runs in lockstep
with the CPU (NES._set_lockstep). Compared frame by frame: picture, CPU RAM, registers and
cycle count; the whole save state (board registers, A12 filter state included) at the end.

The synthetic ROM below is a split-screen program in the style of MMC3 games: every frame the
NMI handler arms the scanline IRQ, and the IRQ handler logs where it interrupted the main
loop, scrolls, switches CHR banks and re-arms the counter for the next split, through eight
PPU set-ups (background / sprite pattern tables, 8x16 sprites of both tables, latch 0,
rendering switched off and on mid-frame)."""
import random

import numpy as np
import pytest

from nes_core import NES

from tests.conformance.runner import corpus_dir, corpus_missing_reason
from tests.ines import INIT, ines, prg_image, warm_up_and_palette

LOG = 0x0300  # 8 frames x 16 splits: low byte of the interrupted PC

SPLITS_SOURCE = INIT + """
FRAME = $0020
SPLIT = $0021
CFG = $0022
TMP = $0023
        LDA #0
        STA $A000       ; vertical mirroring
        STA $E000       ; IRQ off
""" + warm_up_and_palette("paltab") + """
        LDY #8
        LDX #0
nt:     STX $2007
        INX
        BNE nt
        INC $0700
        DEY
        BNE nt
        LDX #0
oam:    LDA oamtab,X
        STA $0200,X
        INX
        BNE oam
        LDA #$80
        STA $2000
        LDA #$1E
        STA $2001
        CLI
main:   INC $10
        LDA $10
        CLC
        ADC $11
        STA $11
        LDX $10
        LDA $0400,X
        NOP
        BIT $12
        JMP main

nmi:    PHA
        TXA
        PHA
        TYA
        PHA
        LDA #0
        STA $2003
        LDA #2
        STA $4014
        INC FRAME
        LDA FRAME
        LSR A
        LSR A
        LSR A
        LSR A
        AND #7
        STA CFG
        TAX
        LDA ctrltab,X
        STA $2000
        LDA #$1E
        STA $2001
        LDA FRAME
        STA $2005
        LDA #0
        STA $2005
        LDA #2
        STA $8000
        LDA FRAME
        AND #$1F
        STA $8001
        LDA lattab,X
        STA $C000
        STA $C001
        STA $E001
        LDA #0
        STA SPLIT
        INC $0201
        INC $0209
        DEC $0215
        PLA
        TAY
        PLA
        TAX
        PLA
        RTI

irq:    PHA
        TXA
        PHA
        TYA
        PHA
        STA $E000
        TSX
        LDA $0105,X     ; PCL of the interrupted instruction
        STA TMP
        LDA FRAME
        AND #7
        ASL A
        ASL A
        ASL A
        ASL A
        ORA SPLIT
        TAY
        LDA TMP
        STA $0300,Y
        LDA SPLIT
        ASL A
        ASL A
        ASL A
        ADC FRAME
        STA $2005
        STA $2005
        LDA #0
        STA $8000
        LDA SPLIT
        ASL A
        ASL A
        STA $8001
        LDX CFG
        CPX #6
        BNE rdone
        LDA SPLIT
        AND #1
        BEQ ron
        LDA #0
        STA $2001
        JMP rdone
ron:    LDA #$1E
        STA $2001
rdone:  INC SPLIT
        LDA SPLIT
        CMP #4
        BCS idone
        LDA lattab2,X
        STA $C000
        TXA
        AND #1
        BEQ noreload
        STA $C001
noreload:
        STA $E001
idone:  PLA
        TAY
        PLA
        TAX
        PLA
        RTI

ctrltab: .byte $88, $90, $A0, $B0, $98, $80, $88, $A8
lattab:  .byte 20, 7, 30, 3, 10, 10, 25, 0
lattab2: .byte 40, 15, 5, 1, 10, 10, 30, 0
paltab:  .byte $0F, $01, $12, $23, $0F, $05, $16, $27, $0F, $09, $1A, $2B, $0F, $0C, $1C, $3C
         .byte $0F, $14, $24, $34, $0F, $18, $28, $38, $0F, $11, $21, $31, $0F, $06, $16, $26
oamtab:
"""


def _oam_table() -> str:
    """64 sprites, lines crowded past eight in places, tiles of both parities (8x16 tables)."""
    out = []
    for i in range(64):
        out.append(f".byte {30 + (i * 7) % 180}, {(i * 3) & 0xFF}, {i & 0xE3}, {(i * 29) & 0xFF}")
    return "\n".join(out) + "\n"


def splits_rom(mapper: int = 4, **kw) -> bytes:
    prg, _ = prg_image(SPLITS_SOURCE + _oam_table(), size=0x8000)
    chr_rom = random.Random(1).randbytes(0x8000)
    return ines(prg, chr_rom, mapper, mirroring="vertical", **kw)


def assert_lazy_matches_lockstep(rom: bytes, frames: int) -> NES:
    lazy, lock = NES(rom), NES(rom)
    lock._set_lockstep(True)
    for f in range(frames):
        lazy.step(1)
        lock.step(1)
        assert lazy.cpu_registers() == lock.cpu_registers(), f"frame {f}"
        assert np.array_equal(lazy.framebuffer, lock.framebuffer), f"picture, frame {f}"
        assert bytes(lazy.ram) == bytes(lock.ram), f"RAM, frame {f}"
    assert lazy.save_state() == lock.save_state()
    return lazy


@pytest.mark.parametrize("mapper, kw", [(4, {}), (4, {"nes2": True, "submapper": 4}), (118, {})],
                         ids=["mmc3", "mmc3-old-irq", "txsrom"])
def test_splits(mapper, kw):
    nes = assert_lazy_matches_lockstep(splits_rom(mapper, **kw), 300)
    log = bytes(nes.ram[LOG:LOG + 128])  # the last eight frames
    assert sum(1 for b in log if b) >= 16 and len(set(log)) >= 5, log.hex()


# (path in the corpus, frames): blargg's MMC3 IRQ tests, Holy Mapperel's MMC3/TxSROM/MMC2/MMC4
CORPUS = [(f"mmc3_test_2/rom_singles/{name}.nes", frames) for name, frames in (
    ("1-clocking", 60), ("2-details", 60), ("3-A12_clocking", 60), ("4-scanline_timing", 330),
    ("5-MMC3", 60), ("6-MMC3_alt", 60))] + [(f"holy-mapperel/{name}.nes", 120) for name in (
        "M4_P128K_CR8K", "M4_P128K_CR32K", "M4_P256K_CR32K", "M4_P1M_CR32K", "M118_P128K_C64K",
        "M9_P128K_C64K", "M10_P128K_C64K_S8K")] + [
    # MMC5 (its scanline IRQ, split and fill from the PPU's fetches) and VRC2
    ("mappers-extra/mmc5test/mmc5test.nes", 120), ("mappers-extra/mmc5test_v2/mmc5test.nes", 60),
    ("mappers-extra/exram/mmc5exram.nes", 90), ("mappers-extra/m22chrbankingtest/0-127.nes", 40)]


@pytest.mark.skipif(corpus_dir() is None, reason=corpus_missing_reason())
@pytest.mark.parametrize("path, frames", CORPUS, ids=[p.split("/")[-1][:-4] for p, _ in CORPUS])
def test_corpus(path, frames):
    rom = corpus_dir() / path
    if not rom.is_file():
        pytest.skip(f"{path} not in the corpus")
    assert_lazy_matches_lockstep(rom.read_bytes(), frames)
