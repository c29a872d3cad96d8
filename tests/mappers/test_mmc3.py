"""MMC3 (mapper 4) and TxSROM (118): bank select/data, PRG and CHR modes, mirroring, PRG RAM
control, and the scanline counter clocked by PPU A12 rises (https://www.nesdev.org/wiki/MMC3).
The counter is clocked here through PPUADDR with rendering off (v = $1000, then $0000), as
blargg's mmc3_test_2 does; IRQs are counted by a handler in RAM."""
import pytest

from tests.mappers._roms import (A12_CLOCK, IRQ_HANDLER, boot, cart, chr_banks, nametable_layout,
                                 ppu_write, prg_banks, writes)
from tests.unit._helpers import load_code, run_code

IRQ_COUNT = 0x10


def test_power_on_layout():
    nes = boot(cart(4, 256, 256))
    assert prg_banks(nes) == (0, 1, 30, 31)
    assert chr_banks(nes) == (0, 1, 2, 3, 4, 5, 6, 7)


def test_prg_banks_and_mode():
    nes = boot(cart(4, 256, 256))
    writes(nes, [(0x8000, 6), (0x8001, 5), (0x8000, 7), (0x8001, 9)])
    assert prg_banks(nes) == (5, 9, 30, 31)
    writes(nes, [(0x8000, 0x46)])  # PRG mode 1: R6 at $C000, second-last bank at $8000
    assert prg_banks(nes) == (30, 9, 5, 31)


def test_chr_banks_and_inversion():
    nes = boot(cart(4, 256, 256))
    writes(nes, [(0x8000, 0), (0x8001, 11), (0x8000, 1), (0x8001, 20),
                 (0x8000, 2), (0x8001, 77), (0x8000, 5), (0x8001, 200)])
    assert chr_banks(nes) == (10, 11, 20, 21, 77, 5, 6, 200)  # R0/R1 ignore bit 0
    writes(nes, [(0x8000, 0x80)])
    assert chr_banks(nes) == (77, 5, 6, 200, 10, 11, 20, 21)


def test_mirroring():
    nes = boot(cart(4, 128, 128))
    writes(nes, [(0xA000, 0)])
    assert nametable_layout(nes) == "vertical"
    writes(nes, [(0xA000, 1)])
    assert nametable_layout(nes) == "horizontal"


def test_chr_ram_32k_is_banked():
    nes = boot(cart(4, 128, nes2=True, chr_ram_shift=9))
    assert nes.rom_info()["chr_ram_size"] == 0x8000
    for bank in (0, 9, 31):  # tag 1 KiB CHR RAM banks through window $1000 (R2)
        writes(nes, [(0x8000, 2), (0x8001, bank)])
        run_code(nes, ppu_write(0x1000, [0xC0 + bank]))
    for bank in (0, 9, 31):
        writes(nes, [(0x8000, 2), (0x8001, bank)])
        assert nes.ppu_peek(0x1000) == 0xC0 + bank


def test_prg_ram_control_in_nes2_images():
    nes = boot(cart(4, 128, 128, nes2=True, prg_ram_shift=7))
    writes(nes, [(0xA001, 0x80), (0x6000, 0x55)])
    writes(nes, [(0xA001, 0xC0), (0x6000, 0x66)])  # write-protected
    assert nes.peek(0x6000) == 0x55
    writes(nes, [(0xA001, 0x00)])                  # disabled: open bus
    run_code(nes, ["LDA $6000", "STA $20"])
    assert nes.peek(0x20) == 0x60


def test_prg_ram_always_on_in_ines1_images():
    """iNES 1.0 mapper 4 also holds MMC6 games, whose $A001 values would lock MMC3 RAM."""
    nes = boot(cart(4, 128, 128))
    writes(nes, [(0xA001, 0x00), (0x6000, 0x66)])
    assert nes.peek(0x6000) == 0x66


def _irq_setup(nes, latch):
    # handler: count, acknowledge ($E000) and re-enable ($E001)
    load_code(nes, [f"INC ${IRQ_COUNT:02X}", "STA $E000", "STA $E001", "RTI"], origin=IRQ_HANDLER)
    nes.poke(IRQ_COUNT, 0)
    run_code(nes, ["LDA #$40", "STA $4017", "LDA $4015"])  # no APU frame IRQ
    writes(nes, [(0xC000, latch), (0xC001, 0), (0xE001, 0)])


def _clock(nes, times):
    run_code(nes, ["CLI", "LDA $2002"] + A12_CLOCK * times + ["SEI"], p=0x24)


def test_irq_counter_reload_and_decrement():
    nes = boot(cart(4, 128, 128))
    _irq_setup(nes, 3)
    _clock(nes, 3)              # reload to 3, then 2, 1
    assert nes.peek(IRQ_COUNT) == 0
    _clock(nes, 1)              # 0: IRQ
    assert nes.peek(IRQ_COUNT) == 1
    _clock(nes, 3)              # reload 3, 2, 1
    assert nes.peek(IRQ_COUNT) == 1
    _clock(nes, 1)
    assert nes.peek(IRQ_COUNT) == 2


def test_irq_disabled_by_e000():
    nes = boot(cart(4, 128, 128))
    _irq_setup(nes, 1)
    writes(nes, [(0xE000, 0)])
    _clock(nes, 4)
    assert nes.peek(IRQ_COUNT) == 0


def test_c001_reloads_at_next_clock():
    nes = boot(cart(4, 128, 128))
    _irq_setup(nes, 2)
    _clock(nes, 2)              # 2, 1
    writes(nes, [(0xC000, 5), (0xC001, 0)])
    _clock(nes, 5)              # reload 5, 4, 3, 2, 1
    assert nes.peek(IRQ_COUNT) == 0
    _clock(nes, 1)
    assert nes.peek(IRQ_COUNT) == 1


@pytest.mark.parametrize("kw,want", [({}, 4), ({"nes2": True, "submapper": 4}, 1)])
def test_latch_zero_by_revision(kw, want):
    """Latch 0: the Sharp MMC3 (default) raises an IRQ at every clock; the old revision
    (NES 2.0 submapper 4) only on the clock right after $C001."""
    nes = boot(cart(4, 128, 128, **kw))
    _irq_setup(nes, 0)
    _clock(nes, 4)
    assert nes.peek(IRQ_COUNT) == want


def test_one_clock_per_scanline_while_rendering():
    """BG at $0000, sprites at $1000: A12 rises once per line (sprite fetches), 241 times a
    frame (240 visible lines and the pre-render line); the 8 sprite fetches of a line are one
    rise because A12 does not stay low long enough between them."""
    nes = boot(cart(4, 128, 128))
    _irq_setup(nes, 0)
    writes(nes, [(0xE000, 0)])  # count clocks with latch 0 + Sharp: an IRQ per clock
    # wait for vblank, enable, run one frame with rendering on, count
    run_code(nes, ["w1: BIT $2002", "BPL w1", "LDA #$08", "STA $2000", "LDA #$18", "STA $2001",
                   "STA $E001", "CLI", "w2: BIT $2002", "BPL w2", "SEI", "LDA #$00", "STA $2001"],
             max_instructions=200_000)
    assert nes.peek(IRQ_COUNT) == 241


def test_txsrom_nametables_follow_chr_bank_bit_7():
    nes = boot(cart(118, 128, 128))
    writes(nes, [(0x8000, 0), (0x8001, 0x80), (0x8000, 1), (0x8001, 0x00)])
    assert nametable_layout(nes) == "horizontal"   # $2000/$2400 on one page, $2800/$2C00 on the other
    run_code(nes, ppu_write(0x2010, [0x99]))
    writes(nes, [(0x8000, 0), (0x8001, 0x00)])     # $2000 now shows the other CIRAM page
    assert nes.ppu_peek(0x2010) != 0x99
    writes(nes, [(0xA000, 0)])                     # $A000 is not connected
    writes(nes, [(0x8000, 0), (0x8001, 0x80)])
    assert nes.ppu_peek(0x2010) == 0x99


def test_8x16_sprites_from_both_tables_clock_again():
    """8x16 sprites pick their table by tile bit 0. A sprite from $0000 between two from
    $1000 keeps A12 low for 12 dots (its fetches and the garbage nametable fetches around
    them), longer than the M2 filter: a second rise on each of its 16 lines. The two rises
    of a line are 16 dots apart, too close to tell apart by IRQs, so the counter reloads
    from 7 and raises an IRQ every 8 clocks: 257 clocks give 32 IRQs (241 would give 30)."""
    nes = boot(cart(4, 128, 128))
    _irq_setup(nes, 7)
    writes(nes, [(0xE000, 0)])
    for i in range(256):
        nes.poke(0x200 + i, 0xFF)
    for i, (tile, x) in enumerate(((0x01, 0), (0x00, 8), (0x01, 16))):
        for j, v in enumerate((100, tile, 0, x)):
            nes.poke(0x200 + 4 * i + j, v)
    run_code(nes, ["w1: BIT $2002", "BPL w1", "LDA #$00", "STA $2003", "LDA #$02", "STA $4014",
                   "LDA #$20", "STA $2000", "LDA #$18", "STA $2001",
                   "STA $E001", "CLI", "w2: BIT $2002", "BPL w2", "SEI", "LDA #$00", "STA $2001"],
             max_instructions=200_000)
    assert nes.peek(IRQ_COUNT) == 257 // 8


def _blargg_result(data, frames=120):
    from nes_core import NES
    nes = NES(data)
    for _ in range(frames):
        nes.step()
        if [nes.peek(0x6001 + i) for i in range(3)] == [0xDE, 0xB0, 0x61] and nes.peek(0x6000) < 0x80:
            break
    return nes.peek(0x6000)


@pytest.mark.parametrize("name,submapper,passes", [
    ("5-MMC3", 0, True), ("6-MMC3_alt", 0, False),   # default: Sharp MMC3B/C
    ("5-MMC3", 4, False), ("6-MMC3_alt", 4, True),   # NES 2.0 submapper 4: the old revision
])
def test_mmc3_test_2_revisions_by_submapper(name, submapper, passes):
    """blargg's 5-MMC3 and 6-MMC3_alt pin the two IRQ behaviours; the corpus ROMs are iNES 1.0,
    so their header is rewritten as NES 2.0 (8 KiB PRG RAM for the $6000 result protocol)."""
    from tests.conformance.runner import corpus_dir, corpus_missing_reason
    root = corpus_dir()
    if root is None:
        pytest.skip(corpus_missing_reason())
    data = bytearray((root / f"mmc3_test_2/rom_singles/{name}.nes").read_bytes())
    data[7] = (data[7] & 0xF0) | 0x08
    data[8] = submapper << 4
    data[9:16] = bytes([0, 0x07, 0, 0, 0, 0, 0])
    assert (_blargg_result(bytes(data)) == 0) == passes
