"""CPU address space access from Python: ram view, peek/poke, mirrors (nesdev wiki "CPU memory map").

$0000-$07FF is mirrored through $1FFF; peek/poke have no side effects; PRG ROM is read-only.
"""
import numpy as np

from nes_core import NES

from tests.unit._helpers import booted, harness_rom, run_code


def test_ram_is_a_writable_uint8_view():
    nes = NES(harness_rom())
    ram = nes.ram
    assert isinstance(ram, np.ndarray)
    assert ram.shape == (2048,) and ram.dtype == np.uint8
    ram[0x123] = 0xAB
    assert nes.peek(0x0123) == 0xAB
    assert nes.peek(0x0923) == 0xAB and nes.peek(0x1123) == 0xAB and nes.peek(0x1923) == 0xAB
    nes.poke(0x1FFF, 0x5C)  # mirror of $07FF
    assert ram[0x7FF] == 0x5C
    assert nes.ram[0x7FF] == 0x5C


def test_ram_view_follows_the_program():
    nes = booted()
    ram = nes.ram
    run_code(nes, "LDA #$77\n STA $0155\n STA $0956")  # $0956 mirrors $0156
    assert (int(ram[0x155]), int(ram[0x156])) == (0x77, 0x77)


def test_program_sees_ram_written_from_python():
    nes = booted()
    nes.ram[0x20] = 0x12
    nes.poke(0x0821, 0x34)  # mirror of $0021
    run_code(nes, "LDA $20\n CLC\n ADC $21\n STA $22")
    assert nes.peek(0x22) == 0x46


def test_poke_does_not_change_prg_rom():
    nes = NES(harness_rom())
    before = nes.peek(0x8000)
    nes.poke(0x8000, before ^ 0xFF)
    assert nes.peek(0x8000) == before


def test_peek_returns_ints_in_range():
    nes = NES(harness_rom())
    for a in (0x0000, 0x07FF, 0x6000, 0x8000, 0xFFFF):
        v = nes.peek(a)
        assert isinstance(v, int) and 0 <= v <= 255
    for a in (0x0000, 0x2000, 0x3F00, 0x3FFF):
        v = nes.ppu_peek(a)
        assert isinstance(v, int) and 0 <= v <= 255


def test_cpu_registers_keys_and_set():
    nes = NES(harness_rom())
    nes.set_cpu_registers(pc=0x1234, a=1, x=2, y=3, p=0xE5, sp=0x42, cycles=99)
    assert nes.cpu_registers() == dict(pc=0x1234, a=1, x=2, y=3, p=0xE5, sp=0x42, cycles=99)
    nes.set_cpu_registers(a=0x80)  # the others are kept
    assert nes.cpu_registers() == dict(pc=0x1234, a=0x80, x=2, y=3, p=0xE5, sp=0x42, cycles=99)
