"""nes_core.parse_header / RomHeader: the core's header parser (cart.c) as a dataclass.

Checked three ways: synthetic headers field by field, the whole test-ROM corpus against an
independent reading of the nesdev wiki's layout written here, and against what a loaded
console reports (rom_info) for every corpus ROM the core runs."""
import pytest

from nes_core import NES, RomError, RomHeader, parse_header

from tests.conformance.runner import corpus_dir, corpus_missing_reason, load_manifest
from tests.ines import header, ines


def test_ines_fields_and_offsets():
    trainer = bytes(range(256)) * 2
    prg, chr_ = bytes([1]) * 0x8000, bytes([2]) * 0x2000
    data = ines(prg, chr_, mapper=4, mirroring="vertical", battery=True, trainer=trainer) + b"xx"
    h = parse_header(data)
    assert isinstance(h, RomHeader) and h == RomHeader.parse(data)
    assert (h.format, h.nes2, h.mapper, h.submapper) == ("iNES", False, 4, 0)
    assert (h.prg_rom_size, h.chr_rom_size) == (0x8000, 0x2000)
    # iNES 1.0: the core's 8 KiB PRG RAM convention, battery-backed here
    assert (h.prg_ram_size, h.prg_nvram_size, h.chr_ram_size, h.chr_nvram_size) == (0, 0x2000, 0, 0)
    assert (h.battery, h.has_trainer, h.mirroring, h.is_vertical_mirroring) == (
        True, True, "vertical", True)
    assert (h.console_type, h.vs_unisystem, h.playchoice10, h.tv_system, h.is_pal) == (
        "NES/Famicom", False, False, "NTSC", False)
    assert (h.trainer_start, h.trainer_stop, h.prg_rom_start, h.prg_rom_stop, h.chr_rom_start,
            h.chr_rom_stop) == (16, 528, 528, 528 + 0x8000, 528 + 0x8000, 528 + 0xA000)
    assert h.prg_rom_range == (528, 528 + 0x8000) and h.image_size == len(data) - 2
    assert (h.header, h.trainer_rom, h.prg_rom, h.chr_rom) == (data[:16], trainer, prg, chr_)


def test_ines_console_and_tv_flags_and_dirty_header():
    base = bytearray(header(1, 0))
    base[7] |= 0x01
    base[9] = 0x01
    h = parse_header(bytes(base) + bytes(0x4000))
    assert (h.vs_unisystem, h.playchoice10, h.console_type, h.tv_system, h.is_pal) == (
        True, False, "VS System", "PAL", True)
    assert h.chr_ram_size == 0x2000 and h.chr_rom == b""  # no CHR ROM: 8 KiB of CHR RAM
    base[7] = 0x02 | 0x40
    h = parse_header(bytes(base) + bytes(0x4000))
    assert (h.playchoice10, h.console_type, h.mapper) == (True, "PlayChoice-10", 0x40)
    # "DiskDude!" in bytes 7-15: byte 7 (mapper high nibble, VS, PC-10) and byte 9 are ignored
    dirty = b"NES\x1a\x01\x00\x10" + b"DiskDude!"
    h = parse_header(dirty + bytes(0x4000))
    assert (h.dirty, h.mapper, h.vs_unisystem, h.playchoice10, h.tv_system) == (
        True, 1, False, False, "NTSC")


def test_nes2_fields():
    data = ines(bytes(0x4000), b"", mapper=0x123, nes2=True, submapper=5, prg_ram_shift=7,
                prg_nvram_shift=6, chr_ram_shift=9, chr_nvram_shift=8, four_screen=True)
    data = bytearray(data)
    data[7] |= 0x03  # extended console type
    data[12] = 0x03  # Dendy
    h = parse_header(bytes(data))
    assert (h.format, h.mapper, h.submapper) == ("NES 2.0", 0x123, 5)
    assert (h.prg_ram_size, h.prg_nvram_size, h.chr_ram_size, h.chr_nvram_size) == (
        64 << 7, 64 << 6, 64 << 9, 64 << 8)
    assert (h.mirroring, h.console_type, h.vs_unisystem, h.playchoice10, h.tv_system) == (
        "four-screen", "extended", False, False, "Dendy")
    # exponent-multiplier form: 2^10 * 3 bytes of PRG
    exp = bytearray(header(0, 0, nes2=True, prg_msb=0xF))
    exp[4] = (10 << 2) | 1
    assert parse_header(bytes(exp) + bytes(3072)).prg_rom_size == 3072


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "not an iNES ROM: the file is empty"),
        (b"PK\x03\x04" + bytes(40), "not an iNES ROM: the file does not start with 'NES' $1A"),
        (b"NES\x1a\x01\x01", "truncated iNES header: 6 of 16 bytes"),
        (header(2, 1)[:10], "truncated iNES header: 10 of 16 bytes"),
        (b"NES", "truncated iNES header: 3 of 16 bytes"),
        (header(0, 1) + bytes(0x2000), "invalid iNES header: PRG ROM size is 0"),
        (header(2, 1) + bytes(100), "truncated iNES file: header declares 40976 bytes"),
    ],
)
def test_errors_are_the_consoles(data, message):
    with pytest.raises(RomError, match=message.replace("$", r"\$")):
        parse_header(data)
    with pytest.raises(RomError, match=message.replace("$", r"\$")):
        NES(data)


def test_path_and_type(tmp_path):
    rom = tmp_path / "a.nes"
    rom.write_bytes(ines(bytes(0x4000), bytes(0x2000)))
    assert parse_header(rom) == parse_header(str(rom)) == parse_header(rom.read_bytes())
    with pytest.raises(TypeError):
        parse_header(12)


def _oracle(data: bytes) -> dict:
    """The nesdev wiki's iNES / NES 2.0 layout, read independently of the core."""
    f6, f7 = data[6], data[7]
    nes2 = (f7 & 0x0C) == 0x08
    out = {"nes2": nes2, "battery": bool(f6 & 2), "has_trainer": bool(f6 & 4),
           "mirroring": "four-screen" if f6 & 8 else ("vertical" if f6 & 1 else "horizontal")}
    if nes2:
        def rom_size(lsb, msb, unit):
            return (1 << (lsb >> 2)) * ((lsb & 3) * 2 + 1) if msb == 0xF else ((msb << 8) | lsb) * unit

        def ram(shift):
            return 64 << shift if shift else 0

        out.update(mapper=(f6 >> 4) | (f7 & 0xF0) | ((data[8] & 0x0F) << 8), submapper=data[8] >> 4,
                   prg_rom_size=rom_size(data[4], data[9] & 0x0F, 16384),
                   chr_rom_size=rom_size(data[5], data[9] >> 4, 8192),
                   prg_ram_size=ram(data[10] & 0x0F), prg_nvram_size=ram(data[10] >> 4),
                   chr_ram_size=ram(data[11] & 0x0F), chr_nvram_size=ram(data[11] >> 4),
                   tv_system=("NTSC", "PAL", "multi-region", "Dendy")[data[12] & 3],
                   vs_unisystem=(f7 & 3) == 1, playchoice10=(f7 & 3) == 2)
    else:
        dirty = any(data[12:16])
        out.update(mapper=(f6 >> 4) | (0 if dirty else f7 & 0xF0), submapper=0,
                   prg_rom_size=data[4] * 16384, chr_rom_size=data[5] * 8192,
                   prg_ram_size=0 if f6 & 2 else 8192, prg_nvram_size=8192 if f6 & 2 else 0,
                   chr_ram_size=0 if data[5] else 8192, chr_nvram_size=0,
                   tv_system="PAL" if not dirty and data[9] & 1 else "NTSC",
                   vs_unisystem=not dirty and bool(f7 & 1),
                   playchoice10=not dirty and bool(f7 & 2))
    start = 16 + (512 if out["has_trainer"] else 0)
    out.update(prg_rom_start=start, chr_rom_start=start + out["prg_rom_size"],
               chr_rom_stop=start + out["prg_rom_size"] + out["chr_rom_size"])
    return out


@pytest.mark.skipif(corpus_dir() is None, reason=corpus_missing_reason())
def test_corpus_agrees_with_the_wiki_layout_and_the_loaded_console():
    root = corpus_dir()
    checked = loaded = 0
    for entry in load_manifest(root):
        data = (root / entry["path"]).read_bytes()
        h = parse_header(data)
        want = _oracle(data)
        got = {key: getattr(h, key) for key in want}
        assert got == want, entry["path"]
        assert h.prg_rom == data[h.prg_rom_start:h.prg_rom_stop]
        checked += 1
        try:
            info = NES(data).rom_info()
        except RomError as exc:
            assert "mapper" in str(exc), (entry["path"], exc)  # only the board may be refused
            continue
        loaded += 1
        chr_ram = 0 if h.chr_rom_size else (h.chr_ram_size + h.chr_nvram_size or 8192)
        assert (info["mapper"], info["submapper"], info["nes2"], info["prg_rom_size"],
                info["chr_rom_size"], info["chr_ram_size"], info["prg_ram_size"],
                info["prg_nvram_size"], info["battery"], info["mirroring"], info["trainer"]) == (
            h.mapper, h.submapper, h.nes2, h.prg_rom_size, h.chr_rom_size, chr_ram,
            h.prg_ram_size, h.prg_nvram_size, h.battery, h.mirroring, h.has_trainer), entry["path"]
    assert checked > 100 and loaded > 0.9 * checked, (checked, loaded)
