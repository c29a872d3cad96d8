"""Frame counter ($4017) timing, observed by polling $4015 bit 6 (the frame IRQ flag).

Facts (nesdev wiki "APU Frame Counter"; blargg apu_test/readme, blargg_apu_2005 readme):
* A $4017 write takes effect 3 CPU cycles later when written on an even CPU cycle, 4 on an
  odd one; in 4-step mode the flag is then set 29828-29830 cycles later (three cycles in a
  row), so it is first readable 29831-29832 cycles after the write cycle; it repeats every
  29830 cycles. Reading $4015 clears it. Bit 6 set (inhibit) or 5-step mode: never set.
"""
import pytest

from tests.apu._apu import IDLE, console, run_until, start

POLL = """
        LDA #$00
w:      STA $4017       ; 4-step, IRQ flag enabled (I is set: the CPU does not take it)
p1:     LDA $4015
        AND #$40
        BEQ p1
s1:     LDA $4015       ; clear the flag again (it is set on three cycles in a row)
        NOP
        LDA $4015
p2:     LDA $4015
        AND #$40
        BEQ p2
s2:     JMP s2
"""


def poll_times(pre_nops: int):
    nes = console()
    labs = start(nes, "NOP\n" * pre_nops + POLL + IDLE)
    run_until(nes, labs["w"])
    nes.step_instruction()                 # STA $4017: its last cycle is the write
    write = nes.cpu_registers()["cycles"]
    t1 = run_until(nes, labs["s1"])        # the LDA that saw the flag read 4 cycles earlier
    t2 = run_until(nes, labs["s2"])
    return write, t1 - 4, t2 - 4


@pytest.mark.parametrize("pre_nops", [0, 1])  # NOP is 2 cycles: both parities via the init
def test_first_frame_irq_flag_after_4017_write(pre_nops):
    write, r1, r2 = poll_times(pre_nops)
    delay = 4 if write & 1 else 3
    first = write + delay + 29828          # the cycle the flag is set
    # the poll loop (LDA abs 4 + AND 2 + BEQ 3 = 9 cycles) reads at r1, at most 8 late
    assert first <= r1 <= first + 8, (r1 - write, delay)
    # and the next one 29830 cycles later
    assert first + 29830 <= r2 <= first + 29830 + 8, r2 - r1


@pytest.mark.parametrize("value", [0x40, 0x80, 0xC0])
def test_no_frame_irq_flag_when_inhibited_or_5_step(value):
    nes = console()
    start(nes, f"""
        LDA #${value:02X}
        STA $4017
        LDA #$00
        STA $F0
loop:   LDA $4015
        ORA $F0
        STA $F0
        JMP loop
    """)
    nes.step(4)
    assert not nes.ram[0xF0] & 0x40


def test_4017_write_with_inhibit_clears_the_flag():
    nes = console()
    start(nes, """
        LDA #$00
        STA $4017
        LDX #$00
        LDY #$1C        ; ~36000 cycles: past the first flag
d:      DEX
        BNE d
        DEY
        BNE d
        LDA #$40
        STA $4017
        LDA $4015
        STA $F0
end:    JMP end
    """)
    nes.step(3)
    assert not nes.ram[0xF0] & 0x40
