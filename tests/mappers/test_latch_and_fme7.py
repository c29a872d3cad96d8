"""MMC2 (9) and MMC4 (10): CHR banks picked by latches the PPU flips by fetching tiles $FD/$FE
(https://www.nesdev.org/wiki/MMC2, https://www.nesdev.org/wiki/MMC4); Sunsoft FME-7 (69):
banks, $6000 ROM/RAM/open bus and the CPU-cycle IRQ counter
(https://www.nesdev.org/wiki/Sunsoft_FME-7)."""
import pytest

from tests.mappers._roms import IRQ_HANDLER, boot, cart, chr_banks, nametable_layout, prg_banks, writes
from tests.unit._helpers import load_code, run_code

LEFT_FD, LEFT_FE, RIGHT_FD, RIGHT_FE = 0xB000, 0xC000, 0xD000, 0xE000


def _touch(nes, addr):
    """Put `addr` on the PPU address bus (PPUADDR), as Holy Mapperel's MMC2 driver does; v
    (and the bus) takes the address 3 dots after the second write, within the NOP."""
    run_code(nes, ["LDA $2002", f"LDA #${addr >> 8:02X}", "STA $2006", f"LDA #${addr & 0xFF:02X}", "STA $2006",
                   "NOP"])


def _banks4(nes):
    c = chr_banks(nes)
    return c[0] // 4, c[4] // 4


@pytest.mark.parametrize("mapper", [9, 10])
def test_latches_pick_chr_banks(mapper):
    nes = boot(cart(mapper, 128, 64))
    writes(nes, [(LEFT_FD, 1), (LEFT_FE, 2), (RIGHT_FD, 3), (RIGHT_FE, 4)])
    assert _banks4(nes) == (2, 4)         # both latches power on at $FE
    _touch(nes, 0x0FD8)
    assert _banks4(nes) == (1, 4)
    _touch(nes, 0x1FDD)                   # latch 1 triggers on $1FD8-$1FDF on both chips
    assert _banks4(nes) == (1, 3)
    _touch(nes, 0x0FE8)
    _touch(nes, 0x1FE8)
    assert _banks4(nes) == (2, 4)
    _touch(nes, 0x0FDB)                   # latch 0: MMC2 only at exactly $0FD8, MMC4 the range
    assert _banks4(nes) == ((2, 4) if mapper == 9 else (1, 4))
    writes(nes, [(0xF000, 1)])
    assert nametable_layout(nes) == "horizontal"


def test_mmc2_prg():
    nes = boot(cart(9, 128, 64))
    assert prg_banks(nes) == (0, 13, 14, 15)
    writes(nes, [(0xA000, 3)])
    assert prg_banks(nes) == (3, 13, 14, 15)


def test_mmc4_prg_and_ram():
    nes = boot(cart(10, 128, 64, nes2=True, prg_nvram_shift=7, battery=True))
    assert prg_banks(nes) == (0, 1, 14, 15)
    writes(nes, [(0xA000, 3), (0x6123, 0x5A)])
    assert prg_banks(nes) == (6, 7, 14, 15)
    assert nes.sram[0x123] == 0x5A


def test_fme7_banks_and_mirroring():
    nes = boot(cart(69, 128, 64))
    assert prg_banks(nes)[3] == 15
    writes(nes, [(0x8000, 9), (0xA000, 5), (0x8000, 10), (0xA000, 6), (0x8000, 11), (0xA000, 7),
                 (0x8000, 3), (0xA000, 40)])
    assert prg_banks(nes) == (5, 6, 7, 15)
    assert chr_banks(nes)[3] == 40
    for v, want in ((0, "vertical"), (1, "horizontal"), (2, "single"), (3, "single")):
        writes(nes, [(0x8000, 12), (0xA000, v)])
        assert nametable_layout(nes) == want


def _read6000(nes):
    run_code(nes, ["LDA $6000", "STA $20"])
    return nes.peek(0x20)


def test_fme7_6000_rom_ram_open_bus():
    nes = boot(cart(69, 128, 64, nes2=True, prg_nvram_shift=7, battery=True))
    writes(nes, [(0x8000, 8), (0xA000, 0x03)])   # ROM bank 3
    assert _read6000(nes) == 3
    writes(nes, [(0x6000, 0x77)])                # ROM: the write goes nowhere
    writes(nes, [(0xA000, 0xC0), (0x6000, 0x99)])  # RAM, enabled
    assert _read6000(nes) == 0x99 and nes.sram[0] == 0x99
    writes(nes, [(0xA000, 0x40)])                # RAM selected but disabled: open bus ($60)
    assert _read6000(nes) == 0x60


def _fme7_irq_after(nes, count, wait_loops):
    load_code(nes, ["INC $10", "PHA", "LDA #$0D", "STA $8000", "LDA #$00", "STA $A000", "PLA", "RTI"],
              origin=IRQ_HANDLER)
    nes.poke(0x10, 0)
    run_code(nes, ["LDA #$40", "STA $4017", "LDA $4015",
                   "LDA #$0E", "STA $8000", f"LDA #${count & 0xFF:02X}", "STA $A000",
                   "LDA #$0F", "STA $8000", f"LDA #${count >> 8:02X}", "STA $A000",
                   "LDA #$0D", "STA $8000", "LDA #$81", "CLI", "STA $A000",
                   f"LDX #{wait_loops}", "w: DEX", "BNE w", "SEI"], p=0x24)
    return nes.peek(0x10)


def test_fme7_irq_counts_cpu_cycles():
    # the IRQ comes when the counter wraps below 0: count + 1 cycles after the enabling write;
    # the wait loop takes 5 cycles per iteration
    assert _fme7_irq_after(boot(cart(69, 128, 64)), 300, 40) == 0   # ~200 cycles
    assert _fme7_irq_after(boot(cart(69, 128, 64)), 300, 80) == 1   # ~400 cycles
