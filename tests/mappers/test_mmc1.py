"""MMC1 (mapper 1): serial port, PRG/CHR modes, mirroring, the consecutive-write rule, PRG RAM
enable and the SUROM/SXROM/SOROM/SNROM variants chosen by NES 2.0 sizes
(https://www.nesdev.org/wiki/MMC1)."""
from tests.mappers._roms import (ZERO_BYTE, boot, cart, chr_banks, mmc1_write, nametable_layout,
                                 prg_banks, writes)
from tests.unit._helpers import run_code


def test_power_on_fixes_last_bank_at_c000():
    nes = boot(cart(1, 256, 128))
    assert prg_banks(nes) == (0, 1, 30, 31)


def test_prg_modes():
    nes = boot(cart(1, 256, 128))
    mmc1_write(nes, 0xE000, 5)
    assert prg_banks(nes) == (10, 11, 30, 31)  # mode 3: switch $8000, last bank at $C000
    mmc1_write(nes, 0x8000, 0x08)
    assert prg_banks(nes) == (0, 1, 10, 11)    # mode 2: first bank at $8000, switch $C000
    mmc1_write(nes, 0x8000, 0x00)
    assert prg_banks(nes) == (8, 9, 10, 11)    # mode 0: 32 KiB, low bit ignored


def test_chr_modes():
    nes = boot(cart(1, 128, 128))
    mmc1_write(nes, 0xA000, 3)
    assert chr_banks(nes) == tuple(range(8, 16))  # 8 KiB mode: bank 3 >> 1
    mmc1_write(nes, 0x8000, 0x1C)
    mmc1_write(nes, 0xC000, 6)
    assert chr_banks(nes) == (12, 13, 14, 15, 24, 25, 26, 27)


def test_mirroring():
    nes = boot(cart(1, 128, 128))
    for control, want in ((0x0E, "vertical"), (0x0F, "horizontal"), (0x0C, "single"), (0x0D, "single")):
        mmc1_write(nes, 0x8000, control)
        assert nametable_layout(nes) == want


def test_reset_bit_empties_shift_register_and_sets_prg_mode_3():
    nes = boot(cart(1, 256, 128))
    mmc1_write(nes, 0x8000, 0x00)       # 32 KiB mode
    writes(nes, [(0xE000, 1), (0xE000, 1), (0xE000, 0x80)])  # two bits, then reset
    mmc1_write(nes, 0xE000, 2)          # a complete write right after the reset
    assert prg_banks(nes) == (4, 5, 30, 31)


def test_consecutive_writes_only_first_counts():
    """INC abs writes twice on consecutive cycles (the old value, then the new): MMC1 only
    takes the first. The byte at ZERO_BYTE is $00, so INC writes $00 then $01."""
    nes = boot(cart(1, 256, 128))
    mmc1_write(nes, 0xE000, 5)
    run_code(nes, [f"INC ${ZERO_BYTE:04X}"] * 5)  # $FFF3 is in $E000-$FFFF: the PRG register
    assert prg_banks(nes)[:2] == (0, 1)           # five 0 bits; without the rule: bank $15


def test_writes_four_cycles_apart_all_count():
    nes = boot(cart(1, 256, 128))
    run_code(nes, ["LDA #$01"] + ["STA $E000", "LSR A"] * 5)  # value 1, bit by bit
    assert prg_banks(nes)[:2] == (2, 3)


def test_prg_ram_disable_bit():
    nes = boot(cart(1, 128, 128, nes2=True, prg_ram_shift=7))
    writes(nes, [(0x6000, 0x55)])
    mmc1_write(nes, 0xE000, 0x10)                 # RAM disabled: writes ignored
    writes(nes, [(0x6000, 0x66)])
    mmc1_write(nes, 0xE000, 0x00)
    assert nes.peek(0x6000) == 0x55


def test_nes2_without_prg_ram_has_none():
    nes = boot(cart(1, 128, 128, nes2=True))
    assert nes.sram is None
    writes(nes, [(0x6000, 0x55)])
    run_code(nes, ["LDA $6000", "STA $20"])
    assert nes.peek(0x20) != 0x55  # open bus: the high byte of the address, $60


def test_surom_outer_256k_bank():
    nes = boot(cart(1, 512, nes2=True, prg_nvram_shift=7, chr_ram_shift=7, battery=True))
    assert prg_banks(nes) == (0, 1, 30, 31)
    mmc1_write(nes, 0xA000, 0x10)  # CHR bank bit 4 = PRG A18
    assert prg_banks(nes) == (32, 33, 62, 63)


def test_sxrom_32k_ram_pages_and_sram_view():
    nes = boot(cart(1, 512, nes2=True, prg_nvram_shift=9, chr_ram_shift=7, battery=True))
    assert len(nes.sram) == 0x8000
    for page in range(4):
        mmc1_write(nes, 0xA000, page << 2)
        writes(nes, [(0x6000, 0x40 + page)])
    assert [nes.sram[p * 0x2000] for p in range(4)] == [0x40, 0x41, 0x42, 0x43]


def test_sorom_bank_0_is_the_battery_backed_one():
    nes = boot(cart(1, 256, 128, nes2=True, prg_ram_shift=7, prg_nvram_shift=7, battery=True))
    mmc1_write(nes, 0xA000, 0x00)
    writes(nes, [(0x6000, 0x11)])
    mmc1_write(nes, 0xA000, 0x08)
    writes(nes, [(0x6000, 0x22)])
    # cartridge RAM is laid out volatile first, then battery-backed
    assert nes.sram[0x0000] == 0x22 and nes.sram[0x2000] == 0x11


def test_snrom_chr_bit_4_disables_ram():
    nes = boot(cart(1, 256, nes2=True, prg_nvram_shift=7, chr_ram_shift=7, battery=True))
    writes(nes, [(0x6000, 0x55)])
    mmc1_write(nes, 0xA000, 0x10)
    writes(nes, [(0x6000, 0x66)])
    mmc1_write(nes, 0xA000, 0x00)
    assert nes.peek(0x6000) == 0x55
    # with CHR ROM (SKROM...) the same bit is just a CHR bank bit
    nes = boot(cart(1, 256, 128, nes2=True, prg_ram_shift=7))
    mmc1_write(nes, 0xA000, 0x10)
    writes(nes, [(0x6000, 0x66)])
    assert nes.peek(0x6000) == 0x66
