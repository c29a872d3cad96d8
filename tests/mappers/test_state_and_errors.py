"""Board registers in save states, cartridge memories per header, and refused boards."""
import re

import numpy as np
import pytest

from nes_core import NES, RomError

from tests.ines import ines
from tests.states import sections
from tests.mappers._roms import A12_CLOCK, boot, cart, chr_banks, prg_banks, writes
from tests.unit._helpers import run_code


def _sections(blob):
    """{tag: data} of a save state."""
    return {tag: blob[at:at + size] for tag, (at, size) in sections(blob).items()}


def _same_state(x, y):
    """Equal save states, APU sections aside (the APU's own tests cover them)."""
    a, b = _sections(x.save_state()), _sections(y.save_state())
    assert a.keys() == b.keys() and "CART" in a
    for tag in a:
        if not tag.startswith("APU"):
            assert a[tag] == b[tag], tag


def test_mmc1_half_written_register_survives_a_state_round_trip():
    rom = cart(1, 256, 128)
    nes = boot(rom)
    writes(nes, [(0xE000, 1), (0xE000, 0), (0xE000, 1)])  # 3 of 5 bits
    blob = nes.save_state()
    writes(nes, [(0xE000, 0), (0xE000, 0)])
    want = prg_banks(nes)
    assert want[:2] == (10, 11)
    other = boot(rom, frames=0)
    other.load_state(blob)
    writes(other, [(0xE000, 0), (0xE000, 0)])
    assert prg_banks(other) == want


def test_mmc3_banks_and_irq_counter_survive_a_state_round_trip():
    rom = cart(4, 256, 256)
    nes = boot(rom)
    run_code(nes, ["LDA #$40", "STA $4017", "LDA $4015"])
    writes(nes, [(0x8000, 0x46), (0x8001, 7), (0x8000, 0xC2), (0x8001, 99),
                 (0xC000, 2), (0xC001, 0), (0xE001, 0)])
    run_code(nes, ["LDA $2002"] + A12_CLOCK * 2)  # counter: reload 2, then 1
    blob = nes.save_state()
    other = NES(rom)
    other.load_state(blob)
    assert prg_banks(other) == prg_banks(nes) == (30, 1, 7, 31)
    assert chr_banks(other) == chr_banks(nes)
    for n in (nes, other):  # one more clock: 0, IRQ pending (I is set, so it stays pending)
        run_code(n, A12_CLOCK)
    _same_state(nes, other)


@pytest.mark.parametrize("mapper", [1, 2, 3, 4, 5, 7, 9, 10, 11, 21, 22, 23, 24, 25, 26, 28, 34, 66, 69, 71, 78, 118, 180,
                                    206])
def test_every_board_round_trips_and_keeps_running(mapper):
    rom = cart(mapper, 128, 0 if mapper in (2, 7, 28, 71, 180) else 64)
    nes = boot(rom, frames=3)
    blob = nes.save_state()
    nes.step(2)
    other = NES(rom)
    other.load_state(blob)
    other.step(2)
    _same_state(nes, other)


def test_battery_ram_is_exposed_and_restorable():
    rom = cart(1, 128, 128, battery=True)  # iNES 1.0 + battery: 8 KiB battery-backed RAM
    nes = boot(rom)
    assert nes.rom_info()["prg_nvram_size"] == 0x2000
    writes(nes, [(0x6000, 0x12), (0x7FFF, 0x34)])
    saved = bytes(nes.sram)
    assert saved[0] == 0x12 and saved[0x1FFF] == 0x34
    again = NES(rom)
    again.sram[:] = np.frombuffer(saved, dtype=np.uint8)
    assert again.peek(0x6000) == 0x12 and again.peek(0x7FFF) == 0x34


def test_nes2_ram_sizes_are_exact():
    nes = NES(cart(4, 128, nes2=True, chr_ram_shift=9, prg_ram_shift=7, prg_nvram_shift=7, battery=True))
    info = nes.rom_info()
    assert (info["prg_ram_size"], info["prg_nvram_size"], info["chr_ram_size"]) == (0x2000, 0x2000, 0x8000)
    assert len(nes.sram) == 0x4000


@pytest.mark.parametrize("mapper,name", [(64, "RAMBO-1"), (19, "Namco 163"), (85, "VRC7"), (250, "unknown")])
def test_unsupported_board_names_number_board_and_supported_list(mapper, name):
    with pytest.raises(RomError) as e:
        NES(cart(mapper, 128, 128))
    msg = str(e.value)
    assert re.search(rf"\bmapper {mapper}\b", msg) and name in msg, msg
    for supported in ("0 NROM", "1 MMC1", "4 MMC3", "69 FME-7", "180 "):
        assert supported in msg, msg


@pytest.mark.parametrize("mapper,prg,chr_", [(4, 0x400, 0), (1, 0x2000, 0x2000), (69, 0x4000, 0x200)])
def test_sizes_that_are_not_whole_banks_are_refused(mapper, prg, chr_):
    """NES 2.0's exponent form can declare any size; the boards refuse partial banks
    instead of reading past the end of the ROM."""
    h = bytearray(ines(bytes(0x4000), bytes(0x2000), mapper, nes2=True)[:16])
    def exp(size):
        e = size.bit_length() - 1
        assert 1 << e == size
        return e << 2
    h[4], h[9] = exp(prg), 0x0F | (0xF0 if chr_ else 0)
    h[5] = exp(chr_) if chr_ else 0
    if not chr_:
        h[11] = 0x07
    with pytest.raises(RomError):
        NES(bytes(h) + bytes(prg) + bytes(chr_))
