"""NES.write / ppu_poke / vram / oam / ppu_registers: debugger access without running the CPU."""
import pytest

from nes_core import NES
from tests.ines import program_rom


@pytest.fixture
def nes():
    return NES(program_rom("loop: JMP loop"))


def test_write_reaches_ppu_registers_and_refuses_oamdma(nes):
    nes.write(0x2000, 0x93)
    regs = nes.ppu_registers()
    assert regs["ctrl"] == 0x93 and regs["t"] & 0x0C00 == 0x0C00  # PPUCTRL's nametable bits
    nes.write(0x0123, 0x45)
    assert nes.ram[0x123] == 0x45
    with pytest.raises(ValueError, match="OAMDMA"):
        nes.write(0x4014, 0x02)
    with pytest.raises(ValueError):
        nes.write(0x10000, 0)
    with pytest.raises(TypeError):
        nes.write(0x2000, 1.5)


def test_set_ppu_registers_round_trip(nes):
    nes.set_ppu_registers(ctrl=0x10, mask=0x1E, status=0x60, oamaddr=0x24, v=0x2345, t=0x1ABC,
                          x=5, w=1, read_buffer=0x77, io_latch=0x3C)
    assert nes.ppu_registers() == {"ctrl": 0x10, "mask": 0x1E, "status": 0x60, "oamaddr": 0x24,
                                   "v": 0x2345, "t": 0x1ABC, "x": 5, "w": 1,
                                   "read_buffer": 0x77, "io_latch": 0x3C}
    with pytest.raises(ValueError, match="x out of range"):
        nes.set_ppu_registers(x=8)
    with pytest.raises(TypeError, match="unknown PPU register"):
        nes.set_ppu_registers(scroll=1)


def test_ppu_poke_vram_and_oam(nes):
    nes.ppu_poke(0x3F01, 0x2A)
    assert nes.ppu_peek(0x3F01) == 0x2A
    nes.ppu_poke(0x2005, 0x99)
    assert nes.vram[0x005] == 0x99  # $2000 is CIRAM page 0 on any mirroring
    nes.vram[0x405] = 0x42
    pages = {nes.ppu_peek(0x2405), nes.ppu_peek(0x2805)}
    assert 0x42 in pages  # page 1 is $2400 (vertical) or $2800 (horizontal)
    assert nes.vram.shape == (4096,) and nes.oam.shape == (256,)
    nes.oam[4:8] = [0x30, 0x01, 0x02, 0x40]
    state = nes.save_state()
    other = NES(program_rom("loop: JMP loop"))
    other.load_state(state)
    assert list(other.oam[4:8]) == [0x30, 0x01, 0x02, 0x40]
    with pytest.raises(ValueError):
        nes.ppu_poke(0x4000, 0)
