"""NMI at vblank and the APU frame-counter IRQ, counted by small ROMs.

Facts (nesdev wiki "NMI", "APU Frame Counter", "CPU interrupts"):
* With PPUCTRL bit 7 set, the PPU raises one NMI per frame at the start of vblank.
* $4017 = $00 (4-step mode, IRQ not inhibited) sets the frame IRQ flag every 29830 CPU
  cycles (~1.0017 frames); the IRQ line stays asserted until $4015 is read (bit 6 shows
  the flag) or $4017 is written with bit 6 set. $4017 bit 6 set, or 5-step mode
  ($80), gives no frame IRQ. The CPU takes the IRQ only while I is clear.
cpu_interrupts_v2, instr_timing and instr_misc/04-dummy_reads_apu all rely on this IRQ.
"""
import pytest

from nes_core import NES

from tests.ines import INIT, program_rom
from tests.unit._helpers import run_code


def nmi_rom(enable):
    return program_rom(INIT + f"""
vbl1:   BIT $2002
        BPL vbl1
vbl2:   BIT $2002
        BPL vbl2
        LDA #${0x80 if enable else 0x00:02X}
        STA $2000
idle:   JMP idle
nmi:    INC $10
        RTI
""")


@pytest.mark.parametrize("enable,per_10", [(True, 10), (False, 0)])
def test_one_nmi_per_frame(enable, per_10):
    nes = NES(nmi_rom(enable))
    nes.step(5)
    c0 = int(nes.ram[0x10])
    nes.step(10)
    assert int(nes.ram[0x10]) - c0 == per_10
    nes.step(10)
    assert int(nes.ram[0x10]) - c0 == 2 * per_10


def irq_rom(value_4017, cli=True):
    return program_rom(f"""
reset:  SEI
        CLD
        LDX #$FF
        TXS
        LDA #${value_4017:02X}
        STA $4017
        {"CLI" if cli else "NOP"}
idle:   JMP idle
irq:    PHA
        LDA $4015          ; reading $4015 acknowledges the frame IRQ
        STA $10
        INC $11
        PLA
        RTI
""")


def test_frame_irq_in_4_step_mode():
    nes = NES(irq_rom(0x00))
    nes.step(3)
    assert int(nes.ram[0x11]) >= 2
    assert int(nes.ram[0x10]) & 0x40 == 0x40  # the handler saw the frame IRQ flag
    c0 = int(nes.ram[0x11])
    nes.step(60)
    # one IRQ per 29830 cycles: 60 frames * 29780.67 / 29830 = 59.9
    assert int(nes.ram[0x11]) - c0 in (59, 60)


@pytest.mark.parametrize("value", [0x40, 0x80, 0xC0])
def test_no_frame_irq_when_inhibited_or_5_step(value):
    nes = NES(irq_rom(value))
    nes.step(10)
    assert int(nes.ram[0x11]) == 0


def test_frame_irq_flag_without_cli_is_readable_and_cleared_by_read():
    rom = program_rom("""
reset:  SEI
        LDX #$FF
        TXS
        LDA #$00
        STA $4017
idle:   JMP idle
""")
    nes = NES(rom)
    nes.step(3)  # > 29830 cycles since the write: flag set, IRQ masked by I
    run_code(nes, """
        LDA $4015
        STA $10
        LDA $4015
        STA $11
    """)
    assert nes.peek(0x10) & 0x40 == 0x40
    assert nes.peek(0x11) & 0x40 == 0x00
