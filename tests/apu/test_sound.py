"""The audio output: pitch, sample count per frame, range, determinism, cost-free when off.

* A pulse at period t plays CPU / (16 (t + 1)) Hz: t = 253 gives 440.4 Hz.
* NTSC frames are 29780.5 CPU cycles (60.0988 frames/s), so a step averages
  sample_rate / 60.0988 samples (733.79 at 44100 Hz).
* The samples are float32 in [-1, 1], after the console's 90/440 Hz high-pass filters
  (no DC: a constant output decays to 0).
"""
import numpy as np
import pytest

from nes_core import NES

from tests.apu._apu import CPU_HZ, FRAME_HZ, HOLD_SEQUENCER, console, peak_frequency, record, rms, start
from tests.unit._helpers import harness_rom

SQUARE_440 = """
        LDA #$01
        STA $4015
        LDA #$BF        ; duty 50 %, halt, constant volume 15
        STA $4000
        LDA #$08        ; sweep off (negate set: no overflow muting either way)
        STA $4001
        LDA #253        ; t = 253: 1789773 / (16 * 254) = 440.40 Hz
        STA $4002
        LDA #$08
        STA $4003
""" + HOLD_SEQUENCER


@pytest.mark.parametrize("rate", [44100, 48000])
def test_square_440_hz_spectrum_peak(rate):
    nes = console(audio=True, sample_rate=rate)
    start(nes, SQUARE_440)
    x = record(nes, 150)[rate // 10:]           # ~2.4 s, the first 0.1 s dropped
    f = peak_frequency(x, rate)
    assert abs(f - 440.0) <= 2.0, f
    assert abs(f - CPU_HZ / (16 * 254)) <= 0.5, f
    assert x.dtype == np.float32 and np.abs(x).max() <= 1.0
    assert 0.03 < rms(x) < 0.2


@pytest.mark.parametrize("rate", [44100, 22050, 48000, 96000])
def test_samples_per_frame_average(rate):
    nes = console(audio=True, sample_rate=rate)
    counts = []
    for _ in range(300):
        nes.step(1)
        counts.append(nes.audio.size)
    expected = rate / FRAME_HZ
    assert abs(np.mean(counts) - expected) < 0.01, (np.mean(counts), expected)
    assert max(counts) - min(counts) <= 2
    nes.step(10)
    assert abs(nes.audio.size - 10 * expected) <= 1.5


def test_audio_off_by_default_and_settable():
    nes = NES(harness_rom())
    assert nes.audio_enabled is False and nes.sample_rate == 44100
    nes.step(2)
    a = nes.audio
    assert a.shape == (0,) and a.dtype == np.float32
    nes.audio_enabled = True
    nes.step(1)
    assert 730 <= nes.audio.size <= 737
    nes.audio_enabled = False
    nes.step(1)
    assert nes.audio.size == 0


def test_audio_is_a_copy():
    nes = console(audio=True)
    start(nes, SQUARE_440)
    nes.step(1)
    a = nes.audio
    keep = a.copy()
    nes.step(1)
    assert np.array_equal(a, keep)


def test_bad_sample_rate():
    with pytest.raises(ValueError):
        NES(harness_rom(), sample_rate=1000)
    with pytest.raises(ValueError):
        NES(harness_rom(), sample_rate=10**6)


def test_audio_does_not_change_emulation():
    # the same program with audio on and off: same RAM, registers and frame count
    def run(audio):
        nes = console(audio=audio)
        start(nes, SQUARE_440)
        nes.step(30)
        return bytes(nes.ram), nes.cpu_registers(), nes.frame
    assert run(True) == run(False)


def test_state_load_continues_the_same_sound():
    nes = console(audio=True)
    start(nes, SQUARE_440)
    nes.step(5)
    blob = nes.save_state()
    a = record(nes, 5)
    nes.load_state(blob)
    b = record(nes, 5)
    assert np.array_equal(a, b)
    other = NES(harness_rom(), audio=True)
    other.load_state(blob)
    assert np.array_equal(record(other, 5), a)


def test_power_cycle_and_reset_keep_output_settings():
    nes = console(audio=True, sample_rate=48000)
    nes.reset()
    nes.step(1)
    assert nes.audio_enabled and 790 <= nes.audio.size <= 810
    nes.power_cycle()
    nes.step(2)
    nes.step(1)
    assert 790 <= nes.audio.size <= 810


def test_state_round_trip_is_byte_identical_with_audio_on():
    nes = console(audio=True)
    start(nes, SQUARE_440)
    nes.step(7)
    blob = nes.save_state()
    nes.load_state(blob)
    assert nes.save_state() == blob
