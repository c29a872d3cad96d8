"""``NES.timing = "nes-py"`` / ``"nes-py-9"``: nes-py 8.2.1's and 9.0.1's emulator timing
(nes_core/src/nespy.c).

The step-exact comparison with upstream is tests/parity; these tests pin the mode's own
behaviour on synthetic ROMs: nes-py's status byte order, its cycle counts, its OAM DMA and
frame length, and that save states carry the timing.
"""
import pickle

import pytest

from nes_core import NES, TIMINGS, StateError
from tests.ines import program_rom_labels
from tests.unit.test_state import DEMO_ROM, inputs, run, snapshot


def nespy(rom):
    nes = NES(rom)
    nes.timing = "nes-py"
    return nes


def test_timing_names_and_default():
    assert TIMINGS == ("accurate", "nes-py", "nes-py-9")
    nes = NES(DEMO_ROM)
    assert nes.timing == "accurate"
    with pytest.raises(ValueError, match="timing must be one of"):
        nes.timing = "fceux"


def test_setting_the_timing_power_cycles():
    nes = NES(DEMO_ROM)
    run(nes, inputs(10, 3))
    nes.timing = "nes-py"
    fresh = nespy(DEMO_ROM)
    assert nes.save_state() == fresh.save_state()
    assert nes.cycles == 0


def test_reset_state_is_nes_py_s():
    """nes-py's Reset: PC from the vector, S $FD, its status $34 (ONE, D, I in its order)."""
    rom, labs = program_rom_labels("reset: JMP reset")
    regs = nespy(rom).cpu_registers()
    # $34 in nes-py's order (N bit 0 ... C bit 7) is bit 5, D and I in the 6502's: $2C
    assert (regs["pc"], regs["sp"], regs["p"], regs["cycles"]) == (labs["reset"], 0xFD, 0x2C, 0)


def test_php_pushes_nes_py_s_bit_order():
    """The status byte PHP pushes is nes-py's: N bit 0, V 1, ONE 2, B 3, D 4, I 5, Z 6, C 7."""
    rom, _ = program_rom_labels("""
    reset: CLD
           SEC
           PHP
           LDA #$00
           PHP
    loop:  JMP loop
    """)
    nes = nespy(rom)
    for _ in range(7):
        nes.step_instruction()
    # first push: ONE | I | C; second: ONE | I | C | Z (LDA #0)
    assert (nes.peek(0x1FD), nes.peek(0x1FC)) == (0xA4, 0xE4)
    assert nes.cpu_registers()["p"] == 0x27  # the same flags in the 6502's order: C Z I and bit 5


def _cycles_per_instruction(source, count):
    """Cycles each of the first ``count`` instructions of ``source`` takes in nes-py mode."""
    rom, _ = program_rom_labels(source)
    nes = nespy(rom)
    nes.step_instruction()  # returns once an instruction has run (on its first cycle)
    marks = [nes.cycles]
    for _ in range(count):
        nes.step_instruction()
        marks.append(nes.cycles)
    return [b - a for a, b in zip(marks, marks[1:])]


def test_cycle_counts_are_nes_py_s():
    """A taken branch costs 1 more, 2 more again across a page (a 6502: 1); INC abs,X
    crossing a page costs 8 in nes-py (a 6502: always 7); LDA abs,Y 4 or 5."""
    got = _cycles_per_instruction("""
    reset: LDX #$FF
           LDY #$01
           INC $02F0,X
           INC $0200
           LDA $02FF,Y
           LDA $0200,Y
           LDX #$01
           JMP near
           .org $80F0
    near:  BNE same
    same:  BNE cross
           .org $8100
    cross: NOP
    loop:  JMP loop
    """, 11)
    # LDX LDY INC,X(cross) INC LDA,Y(cross) LDA,Y LDX JMP BNE(taken) BNE(taken, cross) NOP
    assert got == [2, 2, 8, 6, 5, 4, 2, 3, 3, 5, 2]


def test_oam_dma_copies_at_once_and_takes_513_or_514_cycles():
    rom, labs = program_rom_labels("""
    reset: LDA #$5A
           STA $0300
           LDA #$03
           STA $4014
           NOP
    loop:  JMP loop
    """)
    nes = nespy(rom)
    for _ in range(4):
        nes.step_instruction()
    start = nes.cycles  # STA $4014 ran on this cycle
    nes.step_instruction()
    took = nes.cycles - start
    assert took in (4 + 513, 4 + 514) and took - 4 - 513 == start & 1
    assert nes.cpu_registers()["pc"] == labs["loop"]


def test_a_frame_is_29781_cycles():
    nes = nespy(DEMO_ROM)
    nes.step(3)
    assert nes.cycles == 3 * 29781
    nes.frame_grid = (1000, 17)  # the grid's cycles, its phase ignored
    nes.step(2)
    assert nes.cycles == 3 * 29781 + 2000


def test_determinism_and_save_load_mid_run():
    a, b = nespy(DEMO_ROM), nespy(DEMO_ROM)
    buttons = inputs(60, 5)
    run(a, buttons[:30])
    blob = a.save_state(screen=True)
    run(a, buttons[30:])
    b.load_state(blob)
    run(b, buttons[30:])
    assert snapshot(a) == snapshot(b)
    assert a.save_state(screen=True) == b.save_state(screen=True)
    c = pickle.loads(pickle.dumps(a))
    assert c.timing == "nes-py" and c.save_state(screen=True) == a.save_state(screen=True)


def test_state_of_the_other_timing_is_refused():
    accurate, fast = NES(DEMO_ROM), nespy(DEMO_ROM)
    run(accurate, inputs(5, 1))
    run(fast, inputs(5, 1))
    keep = fast.save_state()
    with pytest.raises(StateError, match="made with accurate timing, this console runs nes-py"):
        fast.load_state(accurate.save_state())
    assert fast.save_state() == keep
    with pytest.raises(StateError, match="made with nes-py timing, this console runs accurate"):
        accurate.load_state(keep)


def test_the_modes_differ_and_accurate_is_untouched_by_the_other():
    """The two models run the demo differently; an accurate console run beside a nes-py one
    gives what it gives alone."""
    alone = NES(DEMO_ROM)
    run(alone, inputs(30, 2))
    beside, other = NES(DEMO_ROM), nespy(DEMO_ROM)
    for b in inputs(30, 2):
        beside.step(1, buttons=b)
        other.step(1, buttons=b)
    assert beside.save_state(screen=True) == alone.save_state(screen=True)
    assert snapshot(other) != snapshot(alone)


def test_picture_after_a_screenless_load_is_whole_one_frame_on():
    """A state saved without its screen at a step boundary (early in the picture) leaves the
    picture unknown until the PPU has drawn a whole frame past that point: one step."""
    a = nespy(DEMO_ROM)
    run(a, inputs(10, 4))
    a.frame_grid = (30000, 0)  # 219 cycles on: into the picture
    a.step(1)
    a.frame_grid = None
    line, _ = a.ppu_position()
    assert 0 <= line < 240
    b = nespy(DEMO_ROM)
    b.load_state(a.save_state())
    with pytest.raises(StateError, match="picture is not known"):
        b.screen
    a.step(1)
    b.step(1)
    assert (b.screen == a.screen).all()


def test_a_state_drawing_below_the_picture_is_refused():
    """NSPY section: timing u8, skip i32, cycles u32, p u8, stage u8, dot i16, line i16, ...
    A render-stage line past 239 would draw outside the picture: refused, console untouched."""
    import struct

    from tests.states import edit

    nes = nespy(DEMO_ROM)
    run(nes, inputs(3, 1))
    blob = nes.save_state()
    bad = edit(edit(blob, "NSPY", 10, bytes([1])), "NSPY", 13, struct.pack("<h", 250))
    with pytest.raises(StateError, match="out of range in section NSPY"):
        nes.load_state(bad)
    assert nes.save_state() == blob


# ---- nes-py 9.0.1 ("nes-py-9") ----

def nespy9(rom):
    nes = NES(rom)
    nes.timing = "nes-py-9"
    return nes


def run_to(nes, pc, limit=200_000):
    for _ in range(limit):
        if nes.cpu_registers()["pc"] == pc:
            return
        nes.step_instruction()
    raise AssertionError(f"PC never reached ${pc:04X}")


def test_nes_py_9_pushes_the_6502_status_byte_and_runs_dcp_abs_x():
    """PHP pushes the 6502's NV-BDIZC byte with B and bit 5 set (8.2.1 pushes its reversed
    layout); BRK pushes B, the reset status is $34; $DF (DCP abs,X) decrements and compares
    in 7 cycles (8.2.1 has no such opcode)."""
    rom, labs = program_rom_labels("""
    reset: SEC
           PHP
           LDA #$05
           STA $0302
           LDX #$02
           LDA #$04
    dcp:   .byte $DF, $00, $03
    after: PHP
           BRK
           NOP
    done:  JMP done
    irq:   JMP irq
    """)
    nes = nespy9(rom)
    assert nes.cpu_registers()["p"] == 0x34
    run_to(nes, labs["dcp"])
    nes.step_instruction()  # DCP runs on this cycle
    start = nes.cycles
    assert nes.cpu_registers()["pc"] == labs["after"]
    nes.step_instruction()  # PHP, 7 cycles on
    assert nes.cycles - start == 7
    assert nes.ram[0x0302] == 0x04
    run_to(nes, labs["irq"])
    # stack: SEC;PHP at $01FD (S starts at $FD), PHP after DCP (Z and C: A == M), then BRK's
    # return address and status
    assert nes.ram[0x01FD] == 0x35 and nes.ram[0x01FC] == 0x37
    assert nes.ram[0x01F9] == 0x37  # BRK: B and bit 5 set, as PHP
    old = nespy(rom)
    run_to(old, labs["dcp"])
    assert old.ram[0x01FD] == 0xB4  # 8.2.1, its layout: C bit 7, I bit 5, D bit 4, ONE bit 2


def test_nes_py_9_mmc3_irq_counts_visible_lines_only():
    """nes-py 9.0.1's MMC3 sees A12 rise once a visible line (its sprite fetch at dot 260),
    never on the pre-render line: with $C000 = 5 set in vblank, the counter reloads on line 0
    and reaches 0 on line 5, where the IRQ is taken at once (the console's MMC3 also clocks
    on the pre-render line)."""
    rom, labs = program_rom_labels("""
    reset: SEI
           LDX #$FF
           TXS
    wait:  BIT $2002
           BPL wait
           LDA #$20
           STA $2000
           LDA #$05
           STA $C000
           STA $C001
           STA $E001
           LDA #$1E
           STA $2001
           CLI
    loop:  JMP loop
    irq:   STA $E000
    halt:  JMP halt
    """)
    rom = rom[:6] + bytes([0x40 | rom[6] & 0x0F]) + rom[7:]  # mapper 4: MMC3 maps 32 KiB as NROM at power-on
    nes = nespy9(rom)
    run_to(nes, labs["halt"])  # the IRQ came mid-wait; the handler's first instruction ran
    line, dot = nes.ppu_position()
    assert line == 5 and 260 < dot < 300
    assert nes.ram[0x01FE] == labs["loop"] & 0xFF  # it interrupted the loop


def test_nes_py_9_state_of_another_timing_is_refused():
    old, new = nespy(DEMO_ROM), nespy9(DEMO_ROM)
    with pytest.raises(StateError, match="made with nes-py timing, this console runs nes-py-9"):
        new.load_state(old.save_state())
    with pytest.raises(StateError, match="made with nes-py-9 timing, this console runs nes-py"):
        old.load_state(new.save_state())
