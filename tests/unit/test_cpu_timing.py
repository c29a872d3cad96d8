"""Cycle counts of every official opcode (and a sample of unofficial ones).

Each case pokes one instruction into RAM at $0400, sets the registers, runs
step_instruction() and compares the change of cpu_registers()['cycles'] with the table.
Sources: https://www.nesdev.org/wiki/6502_cycle_times (+1 when an indexed read crosses a
page; stores and read-modify-writes always take the long path; branches +1 when taken and
+1 more when the target is on a different page than the next instruction) and
https://www.nesdev.org/wiki/CPU_unofficial_opcodes for the unofficial ones.
"""
import pytest

from tests.ines import OFFICIAL_OPCODES
from tests.unit._helpers import ORIGIN, fresh_cpu

# Flags that make each branch taken (set) or not taken.
BRANCH_TAKEN_P = {
    "BPL": 0x24, "BMI": 0xA4, "BVC": 0x24, "BVS": 0x64,
    "BCC": 0x24, "BCS": 0x25, "BNE": 0x24, "BEQ": 0x26,
}
BRANCH_NOT_TAKEN_P = {
    "BPL": 0xA4, "BMI": 0x24, "BVC": 0x64, "BVS": 0x24,
    "BCC": 0x25, "BCS": 0x24, "BNE": 0x26, "BEQ": 0x24,
}


def _operand_cases(op, mnem, mode, cycles, penalty):
    """Yield (id, instruction bytes, pc, registers, zero-page pokes, expected cycles)."""
    if mode in ("imp", "acc"):
        yield "", bytes([op]), ORIGIN, {}, {}, cycles
    elif mode == "imm":
        yield "", bytes([op, 0x01]), ORIGIN, {}, {}, cycles
    elif mode == "zp":
        yield "", bytes([op, 0x80]), ORIGIN, {}, {}, cycles
    elif mode in ("zpx", "zpy"):
        reg = "x" if mode == "zpx" else "y"
        yield "", bytes([op, 0x80]), ORIGIN, {reg: 0x10}, {}, cycles
        yield "-zpwrap", bytes([op, 0xF0]), ORIGIN, {reg: 0x20}, {}, cycles
    elif mode == "abs":
        yield "", bytes([op, 0x00, 0x03]), ORIGIN, {}, {}, cycles
    elif mode in ("abx", "aby"):
        reg = "x" if mode == "abx" else "y"
        yield "", bytes([op, 0x00, 0x03]), ORIGIN, {reg: 0x10}, {}, cycles
        yield "-pagecross", bytes([op, 0xF8, 0x03]), ORIGIN, {reg: 0x10}, {}, cycles + penalty
    elif mode == "ind":
        yield "", bytes([op, 0x00, 0x03]), ORIGIN, {}, {}, cycles
    elif mode == "izx":
        yield "", bytes([op, 0x80]), ORIGIN, {"x": 0x04}, {0x84: 0x00, 0x85: 0x03}, cycles
    elif mode == "izy":
        yield "", bytes([op, 0x80]), ORIGIN, {"y": 0x10}, {0x80: 0x00, 0x81: 0x03}, cycles
        yield ("-pagecross", bytes([op, 0x80]), ORIGIN, {"y": 0x10}, {0x80: 0xF8, 0x81: 0x03},
               cycles + penalty)
    elif mode == "rel":
        taken = {"p": BRANCH_TAKEN_P[mnem]}
        not_taken = {"p": BRANCH_NOT_TAKEN_P[mnem]}
        yield "-not_taken", bytes([op, 0x04]), ORIGIN, not_taken, {}, 2
        yield "-taken", bytes([op, 0x04]), ORIGIN, taken, {}, 3
        # $04F0 + 2 = $04F2, +$20 -> $0512: other page
        yield "-taken_pagecross_fwd", bytes([op, 0x20]), 0x04F0, taken, {}, 4
        # $0402 + 2 = $0404, -$10 -> $03F4: other page
        yield "-taken_pagecross_back", bytes([op, 0xF0]), 0x0402, taken, {}, 4
        # Branch at $04FE: the next instruction is at $0500 and the target $0502 is on its
        # page, so no penalty although the branch opcode sits on page $04.
        yield "-taken_after_page_end", bytes([op, 0x02]), 0x04FE, taken, {}, 3
    else:  # pragma: no cover
        raise AssertionError(mode)


CASES = []
for _op, _m, _mode, _cyc, _pen in OFFICIAL_OPCODES:
    for _suffix, _code, _pc, _regs, _zp, _exp in _operand_cases(_op, _m, _mode, _cyc, _pen):
        CASES.append(pytest.param(_code, _pc, _regs, _zp, _exp,
                                  id=f"{_op:02X}-{_m}-{_mode}{_suffix}"))

# Unofficial opcodes that instr_test-v5 / instr_timing exercise (cycle counts from the
# nesdev "CPU unofficial opcodes" table): (bytes, registers, zero-page pokes, cycles).
UNOFFICIAL = [
    ("1A-NOP-imp", bytes([0x1A]), {}, {}, 2),
    ("80-NOP-imm", bytes([0x80, 0x00]), {}, {}, 2),
    ("04-NOP-zp", bytes([0x04, 0x80]), {}, {}, 3),
    ("14-NOP-zpx", bytes([0x14, 0x80]), {"x": 1}, {}, 4),
    ("0C-NOP-abs", bytes([0x0C, 0x00, 0x03]), {}, {}, 4),
    ("1C-NOP-abx", bytes([0x1C, 0x00, 0x03]), {"x": 1}, {}, 4),
    ("1C-NOP-abx-pagecross", bytes([0x1C, 0xFF, 0x03]), {"x": 1}, {}, 5),
    ("A7-LAX-zp", bytes([0xA7, 0x80]), {}, {}, 3),
    ("B3-LAX-izy-pagecross", bytes([0xB3, 0x80]), {"y": 0x10}, {0x80: 0xF8, 0x81: 0x03}, 6),
    ("87-SAX-zp", bytes([0x87, 0x80]), {}, {}, 3),
    ("C7-DCP-zp", bytes([0xC7, 0x80]), {}, {}, 5),
    ("DF-DCP-abx", bytes([0xDF, 0x00, 0x03]), {"x": 1}, {}, 7),
    ("D3-DCP-izy", bytes([0xD3, 0x80]), {"y": 1}, {0x80: 0x00, 0x81: 0x03}, 8),
    ("E3-ISC-izx", bytes([0xE3, 0x80]), {"x": 4}, {0x84: 0x00, 0x85: 0x03}, 8),
    ("0F-SLO-abs", bytes([0x0F, 0x00, 0x03]), {}, {}, 6),
    ("3B-RLA-aby", bytes([0x3B, 0x00, 0x03]), {"y": 1}, {}, 7),
    ("57-SRE-zpx", bytes([0x57, 0x80]), {"x": 1}, {}, 6),
    ("73-RRA-izy", bytes([0x73, 0x80]), {"y": 1}, {0x80: 0x00, 0x81: 0x03}, 8),
    ("0B-ANC-imm", bytes([0x0B, 0x01]), {}, {}, 2),
    ("4B-ALR-imm", bytes([0x4B, 0x01]), {}, {}, 2),
    ("6B-ARR-imm", bytes([0x6B, 0x01]), {}, {}, 2),
    ("CB-AXS-imm", bytes([0xCB, 0x01]), {}, {}, 2),
    ("EB-SBC-imm", bytes([0xEB, 0x01]), {}, {}, 2),
]


def _measure(code, pc, regs, zp):
    nes = fresh_cpu(pc=pc, **regs)
    for addr, val in zp.items():
        nes.poke(addr, val)
    for i, b in enumerate(code):
        nes.poke(pc + i, b)
    before = nes.cpu_registers()["cycles"]
    nes.step_instruction()
    assert not nes.jammed
    return nes.cpu_registers()["cycles"] - before


@pytest.mark.parametrize("code,pc,regs,zp,expected", CASES)
def test_official_opcode_cycles(code, pc, regs, zp, expected):
    assert _measure(code, pc, regs, zp) == expected


@pytest.mark.parametrize("code,regs,zp,expected",
                         [pytest.param(c, r, z, e, id=i) for i, c, r, z, e in UNOFFICIAL])
def test_unofficial_opcode_cycles(code, regs, zp, expected):
    assert _measure(code, ORIGIN, regs, zp) == expected


def test_cycle_counter_is_settable_and_counts_from_there():
    nes = fresh_cpu(cycles=1000)
    nes.poke(ORIGIN, 0xEA)  # NOP
    assert nes.cpu_registers()["cycles"] == 1000
    nes.step_instruction()
    assert nes.cpu_registers()["cycles"] == 1002


def test_oam_dma_halts_cpu_513_or_514_cycles():
    """STA $4014 takes 4 cycles plus 513 DMA cycles, +1 when the DMA starts on an odd
    (put) cycle (nesdev wiki "PPU OAM" / "DMA"). Measured over STA + the following NOP,
    so it does not matter which of the two step_instruction calls the stall is counted in.
    """
    totals = []
    for pad in ([], [0xA5, 0x00]):  # LDA $00 (3 cycles) shifts the parity by one
        nes = fresh_cpu(a=0x02)
        code = bytes(pad) + bytes([0x8D, 0x14, 0x40, 0xEA, 0xEA])  # STA $4014 ; NOP ; NOP
        for i, b in enumerate(code):
            nes.poke(ORIGIN + i, b)
        if pad:
            nes.step_instruction()
        before = nes.cpu_registers()["cycles"]
        nes.step_instruction()  # STA $4014
        nes.step_instruction()  # NOP
        totals.append(nes.cpu_registers()["cycles"] - before)
    assert sorted(totals) == [4 + 513 + 2, 4 + 514 + 2]
