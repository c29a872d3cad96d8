"""Env-level sound (NESEnv.audio, human rendering through AudioSink), recording (Recorder,
RecordRun), battery RAM on reset, and the generic id nesenv/NES-v0."""
import os
import wave
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nesenv
from games import Game
from nesenv import audio
from nesenv.env import NESEnv
from nesenv.record import RECORD_HINT, Recorder, RecordRun
from tests.ines import INIT, program_rom

SAMPLES_PER_FRAME = 44100 / 60.0988

# a steady 440 Hz square on pulse 1 (timer = 1789773 / (16 * 440) - 1 = 253), then idle
BEEP = INIT + """
        LDA #$01
        STA $4015
        LDA #$BF
        STA $4000
        LDA #$FD
        STA $4002
        LDA #$08
        STA $4003
loop:   JMP loop
"""


@pytest.fixture
def beep_rom(tmp_path):
    path = tmp_path / "beep.nes"
    path.write_bytes(program_rom(BEEP))
    return path


def corpus_rom(relpath):
    root = os.environ.get("NESENV_TEST_ROMS")
    root = Path(root) if root else Path(__file__).resolve().parents[2].parent / "shared" / "nes-test-roms"
    path = root / relpath
    if not path.is_file():
        pytest.skip(f"test ROM corpus not found ({path}); set NESENV_TEST_ROMS to its folder")
    return path


class SkipTwo(Game):
    """After each step, runs two more frames (as SMB skips cut-scenes)."""

    def after_step(self, console, terminated):
        console.step(1)
        console.step(1)


# --- NESEnv.audio --------------------------------------------------------------------------------
def test_audio_is_off_unless_human_or_asked(beep_rom):
    env = NESEnv(beep_rom)
    env.reset()
    env.step(0)
    assert not env.nes.audio_enabled and env.audio.size == 0
    assert NESEnv(beep_rom, render_mode="rgb_array").nes.audio_enabled is False
    assert NESEnv(beep_rom, render_mode="human", mute=True).nes.audio_enabled is False
    assert NESEnv(beep_rom, render_mode="human").nes.audio_enabled is True


def test_audio_keeps_the_frames_a_game_skips(beep_rom):
    env = NESEnv(beep_rom, game=SkipTwo())
    env.nes.audio_enabled = True
    env.reset()
    env.step(0)
    sizes = []
    for _ in range(10):
        env.step(0)
        sizes.append(env.audio.size)
        assert env.audio.dtype == np.float32
    assert all(abs(n - 3 * SAMPLES_PER_FRAME) <= 3 for n in sizes), sizes
    assert np.abs(env.audio).max() > 0.05  # the beep is in it
    env.reset()
    assert env.audio.size == 0


def test_human_render_plays_through_the_sink(beep_rom, monkeypatch):
    made = []

    class Sink:
        def __init__(self, rate, **kw):
            self.enabled, self.blocks, self.waits = True, [], 0
            made.append(self)

        def play(self, samples):
            self.blocks.append(np.array(samples))

        def wait(self):
            self.waits += 1

        def close(self):
            self.enabled = False

    monkeypatch.setattr(audio, "AudioSink", Sink)
    pytest.importorskip("pygame")
    env = NESEnv(beep_rom, render_mode="human")
    env.reset()
    for _ in range(4):
        env.step(0)
    (sink,) = made
    assert len(sink.blocks) == 4 and sink.waits == 5  # reset waits too, with nothing to play
    assert all(abs(b.size - SAMPLES_PER_FRAME) < 80 for b in sink.blocks)
    env.close()
    assert not sink.enabled
    made.clear()
    muted = NESEnv(beep_rom, render_mode="human", mute=True)
    muted.reset()
    muted.step(0)
    muted.close()
    assert made == []


def test_reset_loads_battery_ram(tmp_path):
    rom = tmp_path / "bat.nes"
    rom.write_bytes(program_rom(INIT + "loop: JMP loop", battery=True))
    env = NESEnv(rom)
    assert env.battery_ram.size == 8192
    env.reset(options={"battery_ram": b"\x01\x02\x03"})
    assert list(env.battery_ram[:4]) == [1, 2, 3, 0]
    env.reset()
    assert not env.battery_ram.any()  # a plain reset restores the power-on state
    assert NESEnv(beep_rom_plain(tmp_path)).battery_ram.size == 0


def beep_rom_plain(tmp_path):
    path = tmp_path / "plain.nes"
    path.write_bytes(program_rom(INIT + "loop: JMP loop"))
    return path


# --- recording -----------------------------------------------------------------------------------
def test_record_run_wav(beep_rom, tmp_path):
    out = tmp_path / "beep.wav"
    env = RecordRun(NESEnv(beep_rom), out)
    env.reset()
    for _ in range(120):
        env.step(0)
    env.close()
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 44100)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert abs(pcm.size - 120 * SAMPLES_PER_FRAME) < SAMPLES_PER_FRAME
    # the beep: strongest frequency near 440 Hz over the last second
    tail = pcm[-44100:].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(tail - tail.mean()))
    assert abs(np.argmax(spectrum) * 44100 / tail.size - 440) < 3


def test_recorder_rejects_other_formats(tmp_path):
    with pytest.raises(ValueError, match=r"\.wav or \.mp4"):
        Recorder(tmp_path / "clip.gif")


def test_recorder_mp4_hint_without_imageio_ffmpeg(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(ImportError) as exc:
        Recorder(tmp_path / "clip.mp4")
    assert str(exc.value) == RECORD_HINT and "nesenv[record]" in RECORD_HINT


def test_record_run_mp4_has_video_and_sound(beep_rom, tmp_path):
    ffmpeg = pytest.importorskip("imageio_ffmpeg")
    out = tmp_path / "beep.mp4"
    env = RecordRun(NESEnv(beep_rom, game=SkipTwo()), out, scale=1)  # 3 frames of sound a step
    env.reset()
    for _ in range(59):
        env.step(0)
    env.close()
    frames, seconds = ffmpeg.count_frames_and_secs(str(out))
    assert frames == 60 and abs(seconds - 60 / 60.0988) < 0.05
    import subprocess

    probe = subprocess.run([ffmpeg.get_ffmpeg_exe(), "-i", str(out)], capture_output=True,
                           text=True).stderr
    assert "Audio: aac" in probe and "44100 Hz" in probe and "256x240" in probe


# --- nesenv/NES-v0 --------------------------------------------------------------------------------
def test_generic_id_is_registered():
    spec = gym.spec("nesenv/NES-v0")
    assert spec.entry_point == "nesenv.env:NESEnv"
    assert "nesenv/NES-v0" not in nesenv.register_envs()  # the SMB id list stays as it was


def test_generic_id_passes_check_env_on_a_corpus_rom():
    rom = corpus_rom("nestest/nestest.nes")
    env = gym.make("nesenv/NES-v0", rom_path=str(rom), render_mode="rgb_array")
    assert env.unwrapped.render_mode == "rgb_array"
    check_env(env.unwrapped)
    obs, info = env.reset(seed=0)
    assert obs.shape == (240, 256, 3) and info == {}
    env.close()
