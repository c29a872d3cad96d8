"""Helpers for the APU tests: consoles running register-writing snippets from RAM.

Snippets are assembled (tests.ines) at $0400 and run on the harness ROM (standard init, I
flag set, frame IRQ inhibited, NMI off). Unlike tests.unit._helpers.run_code they may loop
forever: the console is then stepped by frames and its sound read back with ``nes.audio``.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from nes_core import NES

from tests.unit._helpers import ORIGIN, harness_rom, load_code

CPU_HZ = 236_250_000 / 132          # NTSC 2A03: 21.477272 MHz / 12
FRAME_HZ = CPU_HZ / (341 * 262 - 0.5) * 3  # 60.0988 frames/s


def console(audio: bool = False, sample_rate: int = 44100, frames: int = 2) -> NES:
    """The harness ROM after `frames` frames (past the PPU warm-up), audio on or off."""
    nes = NES(harness_rom(), audio=audio, sample_rate=sample_rate)
    nes.step(frames)
    return nes


def start(nes: NES, source, labels: Optional[Dict[str, int]] = None) -> Dict[str, int]:
    """Load `source` at $0400 and jump there (the snippet's end, if reached, loops)."""
    labs = load_code(nes, source, ORIGIN, labels)
    nes.set_cpu_registers(pc=ORIGIN)
    return labs


def run_until(nes: NES, pc: int, max_instructions: int = 2_000_000) -> int:
    """Single-step until PC == `pc`; returns the CPU cycle count there."""
    for _ in range(max_instructions):
        r = nes.cpu_registers()
        if r["pc"] == pc:
            return r["cycles"]
        nes.step_instruction()
    raise AssertionError(f"PC never reached ${pc:04X}")


def record(nes: NES, frames: int) -> np.ndarray:
    """Step `frames` frames one by one and return all their samples, float32."""
    out: List[np.ndarray] = []
    for _ in range(frames):
        nes.step(1)
        out.append(nes.audio)
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def rms(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(np.sqrt(np.mean((x - x.mean()) ** 2))) if x.size else 0.0


def peak_frequency(x: np.ndarray, rate: int) -> float:
    """Frequency of the strongest spectral line (Hann window, parabolic interpolation)."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean()
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    spec[0] = 0.0
    k = int(np.argmax(spec))
    if 0 < k < spec.size - 1:
        a, b, c = np.log(spec[k - 1] + 1e-30), np.log(spec[k] + 1e-30), np.log(spec[k + 1] + 1e-30)
        k = k + 0.5 * (a - c) / (a - 2 * b + c)
    return k * rate / x.size


# Snippet tails: keep the frame sequencer from ever clocking (rewrite $4017 = $40, 4-step,
# IRQ inhibited, every ~2000 cycles: each write restarts the sequence before its first
# quarter-frame step at 7457), so envelopes, sweeps and length counters stay as set.
HOLD_SEQUENCER = """
hold:   LDA #$40
        STA $4017
        LDX #$FF
hold_d: DEX
        BNE hold_d
        JMP hold
"""

IDLE = """
idle:   JMP idle
"""
