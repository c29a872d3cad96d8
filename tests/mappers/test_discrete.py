"""Discrete-logic boards: UxROM (2), CNROM (3), AxROM (7), Color Dreams (11), BNROM/NINA-001
(34), GxROM (66), Camerica (71), Irem 74HC161 (78), UNROM-180 (180), Action 53 (28).
Every bank of the synthetic cartridges holds its own number (tests/mappers/_roms.py)."""
from tests.mappers._roms import (boot, cart, chr_banks, nametable_layout, ppu_write, prg_banks,
                                 writes)
from tests.unit._helpers import run_code


def test_uxrom_switches_8000_and_fixes_last_bank():
    nes = boot(cart(2, 128))
    assert prg_banks(nes) == (0, 1, 14, 15)
    writes(nes, [(0x8000, 3)])
    assert prg_banks(nes) == (6, 7, 14, 15)
    writes(nes, [(0xFFFF, 9)])  # 8 banks: the register wraps
    assert prg_banks(nes) == (2, 3, 14, 15)


def test_uxrom_bus_conflicts_only_with_nes2_submapper_2():
    # the ROM byte under $C000 is 14 (%1110): 3 AND 14 = 2
    nes = boot(cart(2, 128, nes2=True, submapper=2))
    writes(nes, [(0xC000, 3)])
    assert prg_banks(nes)[0] == 4
    for kw in ({}, {"nes2": True, "submapper": 1}):
        nes = boot(cart(2, 128, **kw))
        writes(nes, [(0xC000, 3)])
        assert prg_banks(nes)[0] == 6


def test_cnrom_switches_chr():
    nes = boot(cart(3, 32, 32, mirroring="vertical"))
    assert prg_banks(nes) == (0, 1, 2, 3)
    assert chr_banks(nes) == tuple(range(8))
    writes(nes, [(0x8000, 2)])
    assert chr_banks(nes) == tuple(range(16, 24))
    assert nametable_layout(nes) == "vertical"


def test_axrom_switches_32k_and_one_screen_page():
    nes = boot(cart(7, 128))
    writes(nes, [(0x8000, 0x02)])
    assert prg_banks(nes) == (8, 9, 10, 11)
    assert nametable_layout(nes) == "single"
    # page 0 holds what was written last; page 1 is a different 1 KiB of CIRAM
    writes(nes, [(0x8000, 0x12)])
    assert prg_banks(nes) == (8, 9, 10, 11)
    run_code(nes, ppu_write(0x2155, [0x77]))
    assert nes.ppu_peek(0x2155) == 0x77 and nes.ppu_peek(0x2D55) == 0x77
    writes(nes, [(0x8000, 0x02)])
    assert nes.ppu_peek(0x2155) == 0xA3


def test_color_dreams():
    nes = boot(cart(11, 128, 128))
    writes(nes, [(0x8000, 0x32)])
    assert prg_banks(nes) == (8, 9, 10, 11)
    assert chr_banks(nes) == tuple(range(24, 32))


def test_gxrom():
    nes = boot(cart(66, 128, 32))
    writes(nes, [(0x8000, 0x21)])
    assert prg_banks(nes) == (8, 9, 10, 11)
    assert chr_banks(nes) == tuple(range(8, 16))


def test_bnrom_and_nina001_share_mapper_34():
    nes = boot(cart(34, 128))  # CHR RAM: BNROM
    writes(nes, [(0x8000, 2)])
    assert prg_banks(nes) == (8, 9, 10, 11)
    nes = boot(cart(34, 64, 64))  # CHR ROM > 8 KiB: NINA-001, registers at $7FFD-$7FFF
    writes(nes, [(0x7FFD, 1), (0x7FFE, 3), (0x7FFF, 5)])
    assert prg_banks(nes) == (4, 5, 6, 7)
    assert chr_banks(nes) == (12, 13, 14, 15, 20, 21, 22, 23)
    assert nes.peek(0x7FFF) == 5  # the RAM underneath keeps the value


def test_camerica_prg_and_fire_hawk_mirroring():
    nes = boot(cart(71, 128))
    assert prg_banks(nes) == (0, 1, 14, 15)
    writes(nes, [(0xC000, 3)])
    assert prg_banks(nes) == (6, 7, 14, 15)
    writes(nes, [(0x8000, 0x10)])  # BF9093: no mirroring register at $8000
    assert nametable_layout(nes) == "horizontal"
    writes(nes, [(0x9000, 0x10)])  # Fire Hawk's register, taken for unspecified images
    assert nametable_layout(nes) == "single"
    nes = boot(cart(71, 128, nes2=True, submapper=1))
    writes(nes, [(0x8000, 0x10)])
    assert nametable_layout(nes) == "single"


def test_irem_78_mirroring_by_submapper():
    nes = boot(cart(78, 128, 128, nes2=True, submapper=3))
    assert prg_banks(nes)[2:] == (14, 15)
    writes(nes, [(0x8000, 0x3A)])
    assert prg_banks(nes) == (4, 5, 14, 15)
    assert chr_banks(nes) == tuple(range(24, 32))
    assert nametable_layout(nes) == "vertical"
    writes(nes, [(0x8000, 0x32)])
    assert nametable_layout(nes) == "horizontal"
    nes = boot(cart(78, 128, 128, nes2=True, submapper=1))
    writes(nes, [(0x8000, 0x08)])
    assert nametable_layout(nes) == "single"


def test_unrom_180_switches_c000():
    nes = boot(cart(180, 128))
    writes(nes, [(0x8000, 5)])
    assert prg_banks(nes) == (0, 1, 10, 11)


def test_action53_unrom_layout_inside_outer_bank():
    nes = boot(cart(28, 256))
    assert prg_banks(nes)[3] == 31  # power-on: the last bank at $E000
    writes(nes, [(0x5000, 0x80), (0x8000, 0x3E),   # mode: 256 KiB game, $C000 fixed, vertical
                 (0x5000, 0x81), (0x8000, 0x03),   # outer bank 3 (32 KiB units)
                 (0x5000, 0x01), (0x8000, 0x05)])  # inner bank 5 (16 KiB units)
    assert prg_banks(nes) == (10, 11, 14, 15)
    assert nametable_layout(nes) == "vertical"
    writes(nes, [(0x5000, 0x80), (0x8000, 0x00)])  # 32 KiB game: the outer bank alone
    assert prg_banks(nes) == (12, 13, 14, 15)


def test_namco_108():
    nes = boot(cart(206, 128, 64, mirroring="vertical"))
    assert prg_banks(nes) == (0, 1, 14, 15)
    writes(nes, [(0x8000, 6), (0x8001, 5), (0x8000, 7), (0x8001, 9),
                 (0x8000, 0), (0x8001, 13), (0x8000, 5), (0x8001, 60),
                 (0xA000, 1), (0xC000, 0x46), (0xE000, 0)])  # no other registers
    assert prg_banks(nes) == (5, 9, 14, 15)
    assert chr_banks(nes) == (12, 13, 2, 3, 4, 5, 6, 60)
    assert nametable_layout(nes) == "vertical"
