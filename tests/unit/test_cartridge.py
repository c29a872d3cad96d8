"""iNES 1.0 / NES 2.0 parsing, NROM mapping and bad input (nesdev wiki "INES", "NES 2.0",
"NROM"). Every bad image must raise RomError (a ValueError) and never crash the process."""
import os
import re

import pytest

from nes_core import NES, RomError

from tests.ines import asm, header, ines, prg_image
from tests.unit._helpers import HARNESS, harness_rom


def marked_prg(size):
    """PRG ROM whose every 16 KiB bank starts with its number and ends with the harness
    vectors, so the test can tell which bank is mapped where."""
    prg, _ = prg_image(HARNESS, size)
    prg = bytearray(prg)
    for bank in range(size // 0x4000):
        prg[bank * 0x4000 + 0x3000] = 0xB0 + bank  # marker at $B000 / $F000 in each bank
    return bytes(prg)


def patterned_chr(size=0x2000):
    return bytes((i * 7 + (i >> 8)) & 0xFF for i in range(size))


# ---------------------------------------------------------------- good images --------
def test_nrom_128_mirrors_16k_at_c000():
    prg = marked_prg(0x4000)
    nes = NES(ines(prg, patterned_chr()))
    assert nes.peek(0xB000) == 0xB0 and nes.peek(0xF000) == 0xB0
    for a in (0x8000, 0x9234, 0xBFFF):
        assert nes.peek(a) == nes.peek(a + 0x4000) == prg[a - 0x8000]
    assert nes.peek(0xFFFC) | nes.peek(0xFFFD) << 8 == 0xC000


def test_nrom_256_maps_32k():
    prg = marked_prg(0x8000)
    nes = NES(ines(prg, patterned_chr()))
    assert (nes.peek(0xB000), nes.peek(0xF000)) == (0xB0, 0xB1)
    for a in (0x8000, 0xA5A5, 0xC000, 0xFFFF):
        assert nes.peek(a) == prg[a - 0x8000]


def test_chr_rom_visible_in_pattern_tables():
    chr_ = patterned_chr()
    nes = NES(ines(marked_prg(0x8000), chr_))
    for a in (0x0000, 0x0001, 0x0FFF, 0x1000, 0x1ABC, 0x1FFF):
        assert nes.ppu_peek(a) == chr_[a]


def test_chr_rom_is_read_only_and_chr_ram_is_writable():
    prog = """
        LDA $2002
        LDA #$01
        STA $2006
        LDA #$23
        STA $2006
        LDA #$5A
        STA $2007
        JMP *
    """
    for chr_, writable in ((patterned_chr(), False), (b"", True)):
        prg, _ = prg_image(HARNESS.replace("idle:   JMP idle", "idle:" + prog), 0x8000)
        nes = NES(ines(prg, chr_))
        nes.step(3)
        if writable:
            assert nes.ppu_peek(0x0123) == 0x5A
        else:
            assert nes.ppu_peek(0x0123) == chr_[0x0123]


def test_ines1_has_8k_prg_ram():
    nes = NES(harness_rom())
    for a, v in ((0x6000, 0x11), (0x6ABC, 0x22), (0x7FFF, 0x33)):
        nes.poke(a, v)
    assert (nes.peek(0x6000), nes.peek(0x6ABC), nes.peek(0x7FFF)) == (0x11, 0x22, 0x33)


def test_prg_ram_written_by_program():
    src = HARNESS.replace("idle:   JMP idle", """
        LDA #$C3
        STA $6000
        STA $7FFF
        LDA $6000
        STA $10
idle:   JMP idle""")
    prg, _ = prg_image(src, 0x8000)
    nes = NES(ines(prg))
    nes.step(1)
    assert (nes.peek(0x6000), nes.peek(0x7FFF), nes.peek(0x10)) == (0xC3, 0xC3, 0xC3)


def test_trainer_is_skipped_and_loaded_at_7000():
    trainer = bytes((i ^ 0xA5) & 0xFF for i in range(512))
    prg = marked_prg(0x4000)
    chr_ = patterned_chr()
    nes = NES(ines(prg, chr_, trainer=trainer))
    assert nes.peek(0xB000) == 0xB0                 # PRG read after the trainer
    assert nes.ppu_peek(0x0100) == chr_[0x0100]    # CHR too
    assert [nes.peek(0x7000 + i) for i in (0, 1, 0x1FF)] == [trainer[0], trainer[1], trainer[0x1FF]]


@pytest.mark.parametrize("mirroring", ["horizontal", "vertical"])
def test_header_mirroring_bit(mirroring):
    src = HARNESS.replace("idle:   JMP idle", """
        LDA $2002
        LDA #$20
        STA $2006
        LDA #$00
        STA $2006
        LDA #$E7
        STA $2007          ; $2000
        LDA #$2C
        STA $2006
        LDA #$00
        STA $2006
        LDA #$7E
        STA $2007          ; $2C00
idle:   JMP idle""")
    prg, _ = prg_image(src, 0x8000)
    nes = NES(ines(prg, mirroring=mirroring))
    nes.step(3)
    pk = nes.ppu_peek
    if mirroring == "horizontal":   # $2000=$2400, $2800=$2C00
        assert (pk(0x2000), pk(0x2400), pk(0x2800), pk(0x2C00)) == (0xE7, 0xE7, 0x7E, 0x7E)
    else:                           # $2000=$2800, $2400=$2C00
        assert (pk(0x2000), pk(0x2400), pk(0x2800), pk(0x2C00)) == (0xE7, 0x7E, 0xE7, 0x7E)


def test_path_like_str_and_bytes(tmp_path):
    rom = harness_rom()
    p = tmp_path / "game.nes"
    p.write_bytes(rom)
    for src in (p, str(p), rom):
        nes = NES(src)
        nes.step(1)
        assert nes.peek(0xFFFC) == 0x00 and nes.peek(0xFFFD) == 0x80


def test_same_image_same_behaviour_from_path_and_bytes(tmp_path):
    rom = harness_rom()
    p = tmp_path / "g.nes"
    p.write_bytes(rom)
    a, b = NES(p), NES(rom)
    a.step(2)
    b.step(2)
    assert a.save_state() == b.save_state()


def test_nes2_sizes_and_prg_ram():
    prg = marked_prg(0x8000)
    rom = ines(prg, b"", nes2=True, prg_ram_shift=7, chr_ram_shift=7)  # 8 KiB each
    nes = NES(rom)
    assert (nes.peek(0xB000), nes.peek(0xF000)) == (0xB0, 0xB1)
    nes.poke(0x6000, 0x42)
    nes.poke(0x7FFF, 0x24)
    assert (nes.peek(0x6000), nes.peek(0x7FFF)) == (0x42, 0x24)


def test_nes2_exponent_multiplier_prg_size():
    # PRG size MSB nibble $F: size = 2^E * (2*MM + 1); $3C = E 15, MM 0 -> 32 KiB
    prg = marked_prg(0x8000)
    h = bytearray(header(0x3C, 0, nes2=True, prg_msb=0xF, prg_ram_shift=7, chr_ram_shift=7))
    nes = NES(bytes(h) + prg)
    assert (nes.peek(0xB000), nes.peek(0xF000)) == (0xB0, 0xB1)


def test_nes2_without_prg_ram_does_not_store_at_6000():
    prg = marked_prg(0x8000)
    nes = NES(ines(prg, b"", nes2=True, prg_ram_shift=0, chr_ram_shift=7))
    stored = []
    for v in (0x5A, 0xA5):
        nes.poke(0x6000, v)
        stored.append(nes.peek(0x6000) == v)
    assert not all(stored)


def test_nes2_chr_ram_size_from_header():
    # 8 KiB CHR RAM declared: pattern tables writable through $2007
    src = HARNESS.replace("idle:   JMP idle", """
        LDA $2002
        LDA #$1F
        STA $2006
        LDA #$FF
        STA $2006
        LDA #$66
        STA $2007
idle:   JMP idle""")
    prg, _ = prg_image(src, 0x8000)
    nes = NES(ines(prg, b"", nes2=True, chr_ram_shift=7))
    nes.step(3)
    assert nes.ppu_peek(0x1FFF) == 0x66


# ---------------------------------------------------------------- bad images ---------
def _bad_images():
    good = harness_rom()
    prg = marked_prg(0x8000)
    return {
        "empty": b"",
        "short_magic": b"NES",
        "header_only": good[:16],
        "header_truncated": good[:10],
        "prg_truncated": good[: 16 + 0x4000],
        "prg_missing_last_byte": good[: 16 + 0x8000 - 1],
        "chr_truncated": ines(prg, bytes(0x2000))[:-100],
        "not_nes_zip": b"PK\x03\x04" + bytes(0x8000),
        "not_nes_text": b"hello, world\n" * 3000,
        "bad_magic_case": b"nes\x1a" + good[4:],
        "zero_prg": header(0, 1) + bytes(0x2000),
        "nes2_huge_exponent_prg": header(0xFF, 0, nes2=True, prg_msb=0xF) + bytes(0x8000),
        "nes2_huge_prg_msb": header(0xFF, 0, nes2=True, prg_msb=0xE) + bytes(0x8000),
        "nes2_huge_chr_exponent": header(2, 0xFF, nes2=True, chr_msb=0xF) + prg,
        "trainer_flag_but_short": header(2, 0, trainer=True) + bytes(100),
    }


BAD = _bad_images()


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_images_raise_rom_error(name):
    with pytest.raises(RomError):
        NES(BAD[name])


@pytest.mark.parametrize("mapper,nes2", [(200, False), (0xEE, False), (4000, True), (3000, True)])
def test_unsupported_mapper_message_names_number(mapper, nes2):
    prg = marked_prg(0x8000)
    h = header(2, 1, mapper, nes2=nes2)
    with pytest.raises(RomError) as exc:
        NES(h + prg + bytes(0x2000))
    assert re.search(rf"\b{mapper}\b", str(exc.value)), str(exc.value)
    assert "mapper" in str(exc.value).lower()


def test_rom_error_is_value_error():
    assert issubclass(RomError, ValueError)
    with pytest.raises(ValueError):
        NES(b"not a rom")


def test_missing_file_raises():
    with pytest.raises((RomError, OSError)):
        NES(os.path.join(os.path.dirname(__file__), "no-such-file.nes"))


def test_rom_bytes_are_copied():
    rom = bytearray(harness_rom())
    nes = NES(bytes(rom))
    before = nes.peek(0xB000)
    rom[16 + 0x3000] ^= 0xFF
    assert nes.peek(0xB000) == before
