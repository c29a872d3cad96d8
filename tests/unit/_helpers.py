"""Helpers shared by the core unit tests: build a synthetic ROM, run 6502 snippets.

Snippets run from CPU RAM: `run_code` assembles the source at ORIGIN, pokes it into RAM,
points PC at it and single-steps (NES.step_instruction) until the final `JMP *` it appends.
"""
from __future__ import annotations

from typing import Dict, Optional

from nes_core import NES

from tests.ines import INIT, assemble, program_rom

ORIGIN = 0x0400          # snippets live in RAM $0400-$06FF
RESET_COUNT = 0x07FF     # the harness ROM increments this on every RESET
NMI_COUNT = 0x07FE       # ... and this on every NMI

# The harness ROM: standard init, count resets, then idle.  NMI counts, IRQ returns.
HARNESS = INIT + f"""
        INC ${RESET_COUNT:04X}
idle:   JMP idle
nmi:    INC ${NMI_COUNT:04X}
        RTI
irq:    RTI
"""

# P as the core reports it: bit 5 always set, B (bit 4) clear (the nestest.log convention).
C, Z, I, D, B, U, V, N = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80


def harness_rom(**kw) -> bytes:
    return program_rom(HARNESS, **kw)


def booted(rom: Optional[bytes] = None, frames: int = 2) -> NES:
    """A console that ran `frames` frames of `rom` (default: the harness ROM).

    Two frames take the PPU past its power-on warm-up (~29658 CPU cycles during which
    PPUCTRL/PPUMASK/PPUSCROLL/PPUADDR writes are ignored; nesdev wiki "PPU power up state").
    """
    nes = NES(rom if rom is not None else harness_rom())
    if frames:
        nes.step(frames)
    return nes


def load_code(nes: NES, source, origin: int = ORIGIN, labels: Optional[Dict[str, int]] = None):
    """Assemble `source` + a final `JMP *` at `origin`, poke it into RAM. Returns the labels."""
    src = source if isinstance(source, str) else "\n".join(source)
    code, labs = assemble(src + "\n__done: JMP __done\n", origin, labels)
    assert origin + len(code) <= 0x0800, "snippet does not fit in RAM"
    for i, b in enumerate(code):
        nes.poke(origin + i, b)
    return labs


def run_code(nes: NES, source, origin: int = ORIGIN, max_instructions: int = 100_000,
             labels: Optional[Dict[str, int]] = None, **regs) -> Dict[str, int]:
    """Run `source` from RAM until it reaches its end; `regs` go to set_cpu_registers.

    Returns the label table. Fails the test if the CPU jams or the end is not reached.
    """
    labs = load_code(nes, source, origin, labels)
    nes.set_cpu_registers(pc=origin, **regs)
    done = labs["__done"]
    for _ in range(max_instructions):
        if nes.cpu_registers()["pc"] == done:
            return labs
        nes.step_instruction()
        assert not nes.jammed, f"CPU jammed at {nes.cpu_registers()}"
    raise AssertionError(f"snippet did not finish in {max_instructions} instructions: "
                         f"{nes.cpu_registers()}")


def fresh_cpu(**regs) -> NES:
    """A console straight after power-on with registers set for single-instruction tests.

    P defaults to $24 (I set, so no IRQ can interfere), SP to $FD.
    """
    nes = NES(harness_rom())
    base = dict(pc=ORIGIN, a=0, x=0, y=0, p=0x24, sp=0xFD)
    base.update(regs)
    nes.set_cpu_registers(**base)
    return nes
