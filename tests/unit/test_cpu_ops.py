"""Opcode results: registers, flags and memory after small programs run from RAM.

P is compared as the core reports it: bit 5 set, B clear (the nestest.log convention).
The 2A03 has no decimal mode: D is a plain flag and ADC/SBC stay binary
(https://www.nesdev.org/wiki/Status_flags: "decimal mode is disabled").
"""
import pytest

from tests.ines import KIL_OPCODES, program_rom
from tests.unit._helpers import C, D, I, N, ORIGIN, U, V, Z, fresh_cpu, run_code

from nes_core import NES


def regs(nes):
    r = nes.cpu_registers()
    return {k: r[k] for k in ("a", "x", "y", "p", "sp")}


# ---------------------------------------------------------------- ADC / SBC ----------
# (A, operand, carry in) -> (A, flags). Flags from the overflow truth table in
# http://www.6502.org/tutorials/vflag.html
ADC_CASES = [
    (0x50, 0x10, 0, 0x60, 0),
    (0x50, 0x50, 0, 0xA0, N | V),
    (0x50, 0x90, 0, 0xE0, N),
    (0x50, 0xD0, 0, 0x20, C),
    (0xD0, 0x10, 0, 0xE0, N),
    (0xD0, 0x50, 0, 0x20, C),
    (0xD0, 0x90, 0, 0x60, C | V),
    (0xD0, 0xD0, 0, 0xA0, C | N),
    (0xFF, 0x00, 1, 0x00, C | Z),
    (0x7F, 0x00, 1, 0x80, N | V),
]
SBC_CASES = [
    (0x50, 0xF0, 1, 0x60, 0),
    (0x50, 0xB0, 1, 0xA0, N | V),
    (0x50, 0x70, 1, 0xE0, N),
    (0x50, 0x30, 1, 0x20, C),
    (0xD0, 0xF0, 1, 0xE0, N),
    (0xD0, 0xB0, 1, 0x20, C),
    (0xD0, 0x70, 1, 0x60, C | V),
    (0xD0, 0x30, 1, 0xA0, C | N),
    (0x05, 0x05, 1, 0x00, C | Z),
    (0x05, 0x05, 0, 0xFF, N),
    (0x00, 0x01, 1, 0xFF, N),
]


@pytest.mark.parametrize("a,m,cin,res,flags", ADC_CASES)
def test_adc_immediate(a, m, cin, res, flags):
    nes = fresh_cpu(a=a, p=U | I | cin)
    run_code(nes, f"ADC #${m:02X}")
    assert regs(nes)["a"] == res
    assert regs(nes)["p"] == U | I | flags


@pytest.mark.parametrize("a,m,cin,res,flags", SBC_CASES)
def test_sbc_immediate(a, m, cin, res, flags):
    nes = fresh_cpu(a=a, p=U | I | cin)
    run_code(nes, f"SBC #${m:02X}")
    assert regs(nes)["a"] == res
    assert regs(nes)["p"] == U | I | flags


def test_decimal_flag_does_not_change_adc_sbc():
    nes = fresh_cpu()
    run_code(nes, """
        SED
        CLC
        LDA #$09
        ADC #$01
        STA $10
        SEC
        LDA #$10
        SBC #$01
        STA $11
    """)
    assert nes.peek(0x10) == 0x0A  # BCD would give $10
    assert nes.peek(0x11) == 0x0F  # BCD would give $09
    assert regs(nes)["p"] & D == D


# ---------------------------------------------------------------- compare ------------
@pytest.mark.parametrize("mn,reg", [("CMP", "a"), ("CPX", "x"), ("CPY", "y")])
@pytest.mark.parametrize("r,m,flags", [
    (0x40, 0x40, Z | C),
    (0x40, 0x41, N),
    (0x40, 0x3F, C),
    (0x80, 0x00, N | C),
    (0x00, 0x80, N),
    (0x01, 0xFF, 0),
])
def test_compare(mn, reg, r, m, flags):
    nes = fresh_cpu(**{reg: r})
    run_code(nes, f"{mn} #${m:02X}")
    got = regs(nes)
    assert got["p"] == U | I | flags
    assert got[reg] == r


# ---------------------------------------------------------------- logic / loads ------
@pytest.mark.parametrize("src,a,flags", [
    ("LDA #$F0\n AND #$3C", 0x30, 0),
    ("LDA #$F0\n AND #$0F", 0x00, Z),
    ("LDA #$81\n ORA #$02", 0x83, N),
    ("LDA #$FF\n EOR #$0F", 0xF0, N),
    ("LDA #$5A\n EOR #$5A", 0x00, Z),
    ("LDA #$00", 0x00, Z),
    ("LDA #$80", 0x80, N),
])
def test_logic(src, a, flags):
    nes = fresh_cpu()
    run_code(nes, src)
    assert regs(nes)["a"] == a
    assert regs(nes)["p"] == U | I | flags


@pytest.mark.parametrize("src,a,mem,flags", [
    ("LDA #$81\n ASL A", 0x02, None, C),
    ("LDA #$01\n LSR A", 0x00, None, C | Z),
    ("SEC\n LDA #$80\n ROL A", 0x01, None, C),
    ("SEC\n LDA #$01\n ROR A", 0x80, None, C | N),
    ("CLC\n LDA #$40\n ROL A", 0x80, None, N),
    ("LDA #$C1\n STA $10\n LDA #0\n ASL $10", 0x00, 0x82, C | N),
    ("LDA #$02\n STA $10\n LSR $10", 0x02, 0x01, 0),
    ("SEC\n LDA #$7F\n STA $10\n ROL $10", 0x7F, 0xFF, N),
    ("CLC\n LDA #$01\n STA $10\n ROR $10", 0x01, 0x00, C | Z),
    ("LDA #$FF\n STA $10\n INC $10", 0xFF, 0x00, Z),
    ("LDA #$00\n STA $10\n DEC $10", 0x00, 0xFF, N),
    ("LDA #$7F\n STA $10\n INC $10", 0x7F, 0x80, N),
])
def test_shifts_and_inc_dec(src, a, mem, flags):
    nes = fresh_cpu()
    run_code(nes, src)
    assert regs(nes)["a"] == a
    if mem is not None:
        assert nes.peek(0x10) == mem
    assert regs(nes)["p"] == U | I | flags


def test_register_inc_dec_wrap():
    nes = fresh_cpu(x=0xFF, y=0x00)
    run_code(nes, "INX\n DEY")
    got = regs(nes)
    assert (got["x"], got["y"]) == (0x00, 0xFF)
    assert got["p"] == U | I | N  # the last result ($FF) sets N, clears Z


def test_bit_sets_n_v_from_memory_and_z_from_and():
    nes = fresh_cpu(a=0x01)
    nes.poke(0x10, 0xC0)
    run_code(nes, "BIT $10")
    assert regs(nes)["p"] == U | I | N | V | Z
    assert regs(nes)["a"] == 0x01
    nes2 = fresh_cpu(a=0x41, p=U | I | N | V)
    nes2.poke(0x0300, 0x01)
    run_code(nes2, "BIT $0300")
    assert regs(nes2)["p"] == U | I


def test_transfers_and_flags():
    nes = fresh_cpu(a=0x80)
    run_code(nes, "TAX\n TAY\n LDA #0\n TXS")
    got = regs(nes)
    assert (got["x"], got["y"], got["sp"]) == (0x80, 0x80, 0x80)
    assert got["p"] == U | I | Z  # TXS does not touch flags: Z from LDA #0 stays
    run_code(nes, "LDX #1\n TSX")
    assert regs(nes)["x"] == 0x80 and regs(nes)["p"] == U | I | N


def test_flag_instructions():
    nes = fresh_cpu(p=U | I | V)
    run_code(nes, "SEC\n SED\n CLI\n CLV")
    assert regs(nes)["p"] == U | C | D
    run_code(nes, "CLC\n CLD\n SEI")
    assert regs(nes)["p"] == U | I


# ---------------------------------------------------------------- stack --------------
def test_php_pushes_b_and_bit5_plp_ignores_them():
    nes = fresh_cpu(p=U | I | C, sp=0xFD)
    run_code(nes, """
        PHP
        LDA #$FF
        PHA
        PLP
    """)
    # PHP pushed P | $30 (B and bit 5 set: https://www.nesdev.org/wiki/Status_flags#The_B_flag)
    assert nes.peek(0x01FD) == U | I | C | 0x10
    # PLP loaded $FF: B is not a real flag, bit 5 always reads 1
    assert regs(nes)["p"] == 0xFF & ~0x10
    assert regs(nes)["sp"] == 0xFC


def test_pha_pla():
    nes = fresh_cpu(sp=0xFD)
    run_code(nes, "LDA #$80\n PHA\n LDA #$01\n PLA")
    assert nes.peek(0x01FD) == 0x80
    got = regs(nes)
    assert (got["a"], got["sp"], got["p"]) == (0x80, 0xFD, U | I | N)


def test_stack_pointer_wraps_in_page_one():
    nes = fresh_cpu(sp=0x00, a=0x5A)
    run_code(nes, "PHA")
    assert nes.peek(0x0100) == 0x5A
    assert regs(nes)["sp"] == 0xFF


def test_jsr_rts():
    nes = fresh_cpu(sp=0xFD)
    labs = run_code(nes, """
        JSR sub
        LDX #$22
        JMP end
sub:    LDY #$11
        RTS
end:
    """)
    got = regs(nes)
    assert (got["x"], got["y"], got["sp"]) == (0x22, 0x11, 0xFD)
    # JSR at $0400 pushed the address of its last byte, $0402, high byte first
    assert (nes.peek(0x01FD), nes.peek(0x01FC)) == (0x04, 0x02)
    assert labs["sub"] == ORIGIN + 8


def test_brk_pushes_pc_plus_2_and_flags_and_uses_irq_vector():
    # ROM whose IRQ/BRK handler stores marker values and returns with RTI
    src = """
reset:  JMP reset
irq:    LDA #$77
        STA $20
        RTI
    """
    nes = NES(program_rom(src))
    nes.set_cpu_registers(pc=ORIGIN, sp=0xFD, p=U | C, a=0)
    for i, b in enumerate([0x00, 0xEA, 0xA2, 0x33]):  # BRK ; (padding) ; LDX #$33
        nes.poke(ORIGIN + i, b)
    before = nes.cpu_registers()["cycles"]
    nes.step_instruction()  # BRK
    r = nes.cpu_registers()
    assert r["cycles"] - before == 7
    assert r["pc"] == 0x8003  # irq label: after the 3-byte JMP at $8000
    assert r["p"] & I == I
    assert r["sp"] == 0xFA
    assert (nes.peek(0x01FD), nes.peek(0x01FC)) == (0x04, 0x02)  # PC + 2
    assert nes.peek(0x01FB) == U | C | 0x10  # B set in the pushed copy
    for _ in range(3):  # LDA, STA, RTI
        nes.step_instruction()
    r = nes.cpu_registers()
    assert r["pc"] == ORIGIN + 2 and r["sp"] == 0xFD and r["p"] == U | C
    assert nes.peek(0x20) == 0x77
    nes.step_instruction()
    assert nes.cpu_registers()["x"] == 0x33


def test_rti_restores_p_and_pc_without_adding_one():
    nes = fresh_cpu(sp=0xFA)
    nes.poke(0x01FB, 0xC3)  # P to pull
    nes.poke(0x01FC, 0x34)  # PCL
    nes.poke(0x01FD, 0x05)  # PCH
    nes.poke(ORIGIN, 0x40)  # RTI
    nes.step_instruction()
    r = nes.cpu_registers()
    assert (r["pc"], r["p"], r["sp"]) == (0x0534, 0xC3 | U, 0xFD)


# ---------------------------------------------------------------- addressing quirks --
def test_jmp_indirect_page_wrap_bug():
    nes = fresh_cpu()
    nes.poke(0x02FF, 0x34)
    nes.poke(0x0300, 0x12)   # not used by the 6502
    nes.poke(0x0200, 0x05)   # high byte comes from $0200
    for i, b in enumerate([0x6C, 0xFF, 0x02]):
        nes.poke(ORIGIN + i, b)
    nes.step_instruction()
    assert nes.cpu_registers()["pc"] == 0x0534


def test_zero_page_indexed_wraps():
    nes = fresh_cpu(x=0x20)
    nes.poke(0x0010, 0x11)
    nes.poke(0x0110, 0x22)
    run_code(nes, "LDA $F0,X")
    assert regs(nes)["a"] == 0x11


def test_indexed_indirect_pointer_wraps_in_zero_page():
    nes = fresh_cpu(x=0x00)
    nes.poke(0x00FF, 0x00)
    nes.poke(0x0000, 0x03)   # pointer $0300 (high byte from $00, not $100)
    nes.poke(0x0100, 0x06)
    nes.poke(0x0300, 0x5A)
    nes.poke(0x0600, 0xA5)
    run_code(nes, "LDA ($FF,X)")
    assert regs(nes)["a"] == 0x5A
    nes2 = fresh_cpu(x=0x85)
    nes2.poke(0x0005, 0x00)
    nes2.poke(0x0006, 0x03)
    nes2.poke(0x0300, 0x77)
    run_code(nes2, "LDA ($80,X)")  # $80 + $85 wraps to $05
    assert regs(nes2)["a"] == 0x77


def test_indirect_indexed_pointer_wraps_and_adds_y():
    nes = fresh_cpu(y=0x10)
    nes.poke(0x00FF, 0xF8)
    nes.poke(0x0000, 0x02)   # pointer $02F8 (+$10 = $0308)
    nes.poke(0x0100, 0x06)
    nes.poke(0x0308, 0x99)
    run_code(nes, "LDA ($FF),Y")
    assert regs(nes)["a"] == 0x99


def test_absolute_indexed_wraps_at_ffff():
    nes = fresh_cpu(y=0x02)
    nes.poke(0x0001, 0x42)
    run_code(nes, "LDA $FFFF,Y")
    assert regs(nes)["a"] == 0x42


def test_stores_with_indexes():
    nes = fresh_cpu(a=0x11, x=0x22, y=0x33)
    nes.poke(0x40, 0x00)
    nes.poke(0x41, 0x03)
    run_code(nes, """
        STA $0300,X
        STA $0300,Y
        STX $50,Y
        STY $50,X
        STA ($40),Y
        STX $0302
        STY $0303
    """)
    assert nes.peek(0x0322) == 0x11
    assert nes.peek(0x0333) == 0x11
    assert nes.peek(0x0083) == 0x22
    assert nes.peek(0x0072) == 0x33
    assert nes.peek(0x0302) == 0x22
    assert nes.peek(0x0303) == 0x33


def test_branch_backward_loop():
    nes = fresh_cpu()
    run_code(nes, """
        LDX #5
        LDA #0
loop:   CLC
        ADC #3
        DEX
        BNE loop
    """)
    assert regs(nes)["a"] == 15 and regs(nes)["x"] == 0


# ---------------------------------------------------------------- unofficial ---------
# https://www.nesdev.org/wiki/CPU_unofficial_opcodes (the ones instr_test-v5 checks)
def test_lax_sax():
    nes = fresh_cpu(a=0xF0, x=0x3C)
    nes.poke(0x10, 0x81)
    run_code(nes, ".byte $87, $20\n .byte $A7, $10")  # SAX $20 ; LAX $10
    assert nes.peek(0x20) == 0x30
    got = regs(nes)
    assert (got["a"], got["x"], got["p"]) == (0x81, 0x81, U | I | N)


def test_dcp_isc():
    nes = fresh_cpu(a=0x40, p=U | I)
    nes.poke(0x10, 0x41)
    run_code(nes, ".byte $C7, $10")  # DCP $10: DEC then CMP
    assert nes.peek(0x10) == 0x40
    assert regs(nes)["p"] == U | I | Z | C
    nes = fresh_cpu(a=0x50, p=U | I | C)
    nes.poke(0x10, 0x0F)
    run_code(nes, ".byte $E7, $10")  # ISC $10: INC then SBC
    assert nes.peek(0x10) == 0x10
    assert regs(nes)["a"] == 0x40
    assert regs(nes)["p"] == U | I | C


def test_slo_rla_sre_rra():
    nes = fresh_cpu(a=0x01)
    nes.poke(0x10, 0x81)
    run_code(nes, ".byte $07, $10")  # SLO: ASL mem, ORA
    assert nes.peek(0x10) == 0x02 and regs(nes)["a"] == 0x03
    assert regs(nes)["p"] == U | I | C
    nes = fresh_cpu(a=0xFF, p=U | I | C)
    nes.poke(0x10, 0x40)
    run_code(nes, ".byte $27, $10")  # RLA: ROL mem, AND
    assert nes.peek(0x10) == 0x81 and regs(nes)["a"] == 0x81
    assert regs(nes)["p"] == U | I | N
    nes = fresh_cpu(a=0x0F)
    nes.poke(0x10, 0x03)
    run_code(nes, ".byte $47, $10")  # SRE: LSR mem, EOR
    assert nes.peek(0x10) == 0x01 and regs(nes)["a"] == 0x0E
    assert regs(nes)["p"] == U | I | C
    nes = fresh_cpu(a=0x10, p=U | I)
    nes.poke(0x10, 0x03)
    run_code(nes, ".byte $67, $10")  # RRA: ROR mem (C=1), ADC with that carry
    assert nes.peek(0x10) == 0x01 and regs(nes)["a"] == 0x12
    assert regs(nes)["p"] == U | I


def test_anc_alr_axs_unofficial_sbc():
    nes = fresh_cpu(a=0xF0)
    run_code(nes, ".byte $0B, $81")  # ANC #$81: AND, C = N
    assert regs(nes)["a"] == 0x80 and regs(nes)["p"] == U | I | N | C
    nes = fresh_cpu(a=0xFF)
    run_code(nes, ".byte $4B, $03")  # ALR #$03: AND then LSR
    assert regs(nes)["a"] == 0x01 and regs(nes)["p"] == U | I | C
    nes = fresh_cpu(a=0xF0, x=0x3C)
    run_code(nes, ".byte $CB, $10")  # AXS #$10: X = (A & X) - imm, C as CMP
    assert regs(nes)["x"] == 0x20 and regs(nes)["p"] == U | I | C
    nes = fresh_cpu(a=0x05, p=U | I | C)
    run_code(nes, ".byte $EB, $05")  # $EB = SBC #imm
    assert regs(nes)["a"] == 0x00 and regs(nes)["p"] == U | I | Z | C


# ---------------------------------------------------------------- jam ----------------
@pytest.mark.parametrize("op", KIL_OPCODES, ids=lambda o: f"{o:02X}")
def test_kil_opcode_jams_cpu(op):
    nes = fresh_cpu()
    nes.poke(ORIGIN, op)
    assert not nes.jammed
    nes.step_instruction()
    assert nes.jammed


def test_jammed_console_step_returns_and_power_cycle_recovers():
    rom = program_rom("""
reset:  LDA #$01
        STA $10
        .byte $02
    """)
    nes = NES(rom)
    nes.step(1)
    assert nes.jammed
    assert nes.peek(0x10) == 0x01
    assert nes.step(frames=3) is None  # returns at once, no exception
    assert nes.jammed
    nes.power_cycle()
    assert not nes.jammed
