"""APU channel behaviour from synthetic register writes ($4000-$4017), checked through $4015
and through the sound the console produces.

Facts (nesdev wiki "APU", "APU Length Counter", "APU Sweep", "APU Noise", "APU DMC",
"APU Triangle"):
* $4015 read: bits 0-3 = length counter of pulse 1, pulse 2, triangle, noise is non-zero,
  bit 4 = DMC bytes remaining > 0. Writing $4015 bit n = 0 clears that length counter and
  keeps it at 0; a length write ($4003/$4007/$400B/$400F bits 3-7) loads it only while the
  channel is enabled. The halt bit ($4000/$4004/$400C bit 5, $4008 bit 7) freezes it.
* Length table index 0 = 10 half-frame clocks (4-step mode: 2 per 29830 CPU cycles).
* Sweep: the target period t + (t >> s) above $7FF mutes the pulse even with the sweep
  disabled; t < 8 mutes it. Negate on pulse 1 is ones' complement: t - (t >> s) - 1.
* Noise periods (CPU cycles): 4 8 16 32 64 96 128 160 202 254 380 508 762 1016 2034 4068;
  mode 1 (short) makes the LFSR repeat every 93 (or 31) steps.
* DMC rates (CPU cycles per output bit): 428 380 340 320 286 254 226 214 190 160 142 128
  106 84 72 54; a byte is fetched each 8 output clocks.
"""
import numpy as np
import pytest

from tests.apu._apu import CPU_HZ, HOLD_SEQUENCER, IDLE, console, record, rms, run_until, start
from tests.unit._helpers import run_code

NOISE_PERIODS = [4, 8, 16, 32, 64, 96, 128, 160, 202, 254, 380, 508, 762, 1016, 2034, 4068]
DMC_RATES = [428, 380, 340, 320, 286, 254, 226, 214, 190, 160, 142, 128, 106, 84, 72, 54]


def status(nes) -> int:
    run_code(nes, "LDA $4015\nSTA $F0")
    return int(nes.ram[0xF0])


# ---- length counters and $4015 ----
def test_length_loads_only_when_enabled_and_4015_clears():
    nes = console()
    run_code(nes, """
        LDA #$00
        STA $4015       ; all off
        LDA #$30        ; halt set: the counters hold still
        STA $4000
        STA $4004
        STA $400C
        LDA #$80
        STA $4008
        LDA #$08        ; length index 1 = 254
        STA $4003
        STA $4007
        STA $400B
        STA $400F
    """)
    assert status(nes) & 0x0F == 0, "loaded while disabled"
    run_code(nes, """
        LDA #$0F
        STA $4015
        LDA #$08
        STA $4003
        STA $4007
        STA $400B
        STA $400F
    """)
    assert status(nes) & 0x0F == 0x0F
    run_code(nes, "LDA #$05\nSTA $4015")    # pulse 2 and noise off
    assert status(nes) & 0x0F == 0x05
    run_code(nes, "LDA #$00\nSTA $4015")
    assert status(nes) & 0x1F == 0


@pytest.mark.parametrize("halt", [False, True])
def test_length_counter_counts_down_unless_halted(halt):
    nes = console()
    run_code(nes, f"""
        LDA #$00        ; 4-step sequence, frame IRQ on (flag unused here)
        STA $4017
        LDA #$01
        STA $4015
        LDA #${0x30 if halt else 0x10:02X}
        STA $4000
        LDA #$00        ; length index 0 = 10 half frames = 5 sequences of 29830 cycles
        STA $4003
    """)
    nes.step(4)         # 4 x 29780.5 cycles: 8 half-frame clocks at most
    assert status(nes) & 1
    nes.step(2)         # past 10 clocks (5.008 frames)
    assert bool(status(nes) & 1) == halt


# ---- sweep muting and pulse 1's ones' complement ----
def pulse_sound(setup: str, frames: int = 6) -> float:
    nes = console(audio=True)
    start(nes, setup + HOLD_SEQUENCER)
    return rms(record(nes, frames)[2000:])


def pulse2(period: int, sweep: int) -> str:
    return f"""
        LDA #$02
        STA $4015
        LDA #$BF        ; duty 50 %, halt, constant volume 15
        STA $4004
        LDA #${sweep:02X}
        STA $4005
        LDA #${period & 0xFF:02X}
        STA $4006
        LDA #${0x08 | period >> 8:02X}
        STA $4007
    """


def test_sweep_overflow_mutes_even_when_disabled():
    audible = pulse_sound(pulse2(0x400, 0x01))   # target $600: plays
    overflow = pulse_sound(pulse2(0x600, 0x01))  # target $900 > $7FF: muted (sweep off)
    negated = pulse_sound(pulse2(0x600, 0x09))   # negate: target $300, plays
    too_low = pulse_sound(pulse2(0x007, 0x00))   # t < 8: muted
    assert audible > 0.02 and negated > 0.02
    assert overflow < 1e-4 and too_low < 1e-4


@pytest.mark.parametrize("pulse,expect_audible", [(1, False), (2, True)])
def test_pulse1_negates_with_ones_complement(pulse, expect_audible):
    # t = 10, negate, shift 2 (change 2), divider period 0. The 5-step $4017 write clocks
    # the sweep once: pulse 2 goes to 10 - 2 = 8 (plays), pulse 1 to 10 - 2 - 1 = 7 (muted).
    base = 0x4000 if pulse == 1 else 0x4004
    src = f"""
        LDA #${pulse:02X}
        STA $4015
        LDA #$BF
        STA ${base:04X}
        LDA #$8A        ; enabled, P = 0, negate, shift 2
        STA ${base + 1:04X}
        LDA #10
        STA ${base + 2:04X}
        LDA #$08
        STA ${base + 3:04X}
        LDA #$C0        ; 5-step: clocks the half-frame units at once
        STA $4017
        NOP
        NOP
        NOP
    """ + HOLD_SEQUENCER
    nes = console(audio=True)
    start(nes, src)
    level = rms(record(nes, 6)[2000:])
    assert (level > 0.01) == expect_audible, level


# ---- noise period table ----
def autocorr_period(x: np.ndarray, lo: int, hi: int) -> int:
    x = x - x.mean()
    f = np.fft.rfft(x, 2 * x.size)
    ac = np.fft.irfft(f * np.conj(f))[: x.size]
    return lo + int(np.argmax(ac[lo:hi]))


@pytest.mark.parametrize("index", [3, 5, 7, 9, 11])
def test_noise_period_table(index):
    # short mode: the LFSR repeats every 93 steps (31 from a few seeds): the sound is periodic
    rate = 192000
    p = NOISE_PERIODS[index]
    nes = console(audio=True, sample_rate=rate)
    start(nes, f"""
        LDA #$08
        STA $4015
        LDA #$3F        ; halt, constant volume 15
        STA $400C
        LDA #${0x80 | index:02X}
        STA $400E
        LDA #$08
        STA $400F
    """ + HOLD_SEQUENCER)
    x = record(nes, 12)[rate // 20:].astype(np.float64)
    cycles_per_sample = CPU_HZ / rate
    lags = {n: n * p / cycles_per_sample for n in (31, 93)}
    found = autocorr_period(x, int(lags[31] * 0.9), int(lags[93] * 1.1) + 2)
    assert any(abs(found - lag) <= max(2.0, 0.01 * lag) for lag in lags.values()), (found, lags)


def test_noise_long_mode_is_not_short_periodic():
    rate = 192000
    nes = console(audio=True, sample_rate=rate)
    start(nes, """
        LDA #$08
        STA $4015
        LDA #$3F
        STA $400C
        LDA #$04        ; long mode, period 64
        STA $400E
        LDA #$08
        STA $400F
    """ + HOLD_SEQUENCER)
    x = record(nes, 12)[rate // 20:].astype(np.float64)
    x -= x.mean()
    lag = int(round(93 * 64 / (CPU_HZ / rate)))
    corr = np.dot(x[:-lag], x[lag:]) / np.dot(x, x)
    assert abs(corr) < 0.3


# ---- DMC rate table ----
@pytest.mark.parametrize("index", range(16))
def test_dmc_rate_table(index):
    # A 65-byte sample ($4013 = 4): bytes 2..65 are fetched 8 output clocks apart, the first
    # at once, and bit 4 of $4015 drops at the last fetch: 63-64 x 8 x rate cycles after the
    # enable (the first 8-clock span starts at an arbitrary point of the output unit's cycle).
    nes = console()
    labs = start(nes, f"""
        LDA #${index:02X}   ; no IRQ, no loop
        STA $4010
        LDA #$00
        STA $4012       ; $C000
        LDA #$04
        STA $4013       ; 65 bytes
        LDA #$10
go:     STA $4015
poll:   LDA $4015
        AND #$10
        BNE poll
end:    JMP end
    """ + IDLE)
    t0 = run_until(nes, labs["poll"])
    t1 = run_until(nes, labs["end"], max_instructions=3_000_000)
    rate = DMC_RATES[index]
    est = (t1 - t0) / (64 * 8)
    assert rate * 63 / 64 - 0.5 <= est <= rate + 0.5, (est, rate)


def test_dmc_irq_flag_and_loop():
    nes = console()
    run_code(nes, """
        LDA #$8F        ; IRQ enabled (I flag is set: only the flag), rate 15
        STA $4010
        LDA #$00
        STA $4013       ; 1 byte
        LDA #$10
        STA $4015
        NOP
        NOP
        NOP
        NOP
        LDA $4015
        STA $F1
        LDA $4015       ; reading does not clear the DMC flag
        STA $F2
        LDA #$10
        STA $4015       ; writing $4015 does
        LDA $4015
        STA $F3
    """)
    assert nes.ram[0xF1] & 0x90 == 0x80, hex(nes.ram[0xF1])  # flag set, sample over
    assert nes.ram[0xF2] & 0x80
    assert not nes.ram[0xF3] & 0x80
    run_code(nes, """
        LDA #$CF        ; IRQ enabled but looping: never ends, never flags
        STA $4010
        LDA #$10
        STA $4015
    """)
    nes.step(3)
    assert status(nes) & 0x90 == 0x10


# ---- triangle linear counter ----
def test_triangle_linear_counter_stops_the_sound():
    nes = console(audio=True)
    start(nes, """
        LDA #$04
        STA $4015
        LDA #$3C        ; control clear, linear reload 60 quarter frames (~0.25 s)
        STA $4008
        LDA #$80        ; period $080: ~437 Hz
        STA $400A
        LDA #$08
        STA $400B
        LDA #$00
        STA $4017
    """ + IDLE)
    x = record(nes, 40)
    per_frame = int(44100 / 60.0988)
    early = rms(x[2 * per_frame: 10 * per_frame])
    late = rms(x[20 * per_frame: 40 * per_frame])
    assert early > 0.02 and late < 1e-3, (early, late)
