"""nesenv.audio: WAV files and the pygame mixer sink (silent fallback without a device)."""
import wave

import numpy as np
import pytest

from nesenv.audio import AudioSink, WavWriter, to_int16, write_wav


def test_to_int16_scales_and_clips():
    pcm = to_int16(np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -3.0], np.float32))
    assert pcm.dtype == np.int16
    assert list(pcm) == [0, 16384, -16384, 32767, -32767, 32767, -32768]


def test_wav_round_trip(tmp_path):
    x = (0.25 * np.sin(2 * np.pi * 440 * np.arange(4410) / 44100)).astype(np.float32)
    path = tmp_path / "a.wav"
    with WavWriter(path, 44100) as w:
        w.write(x[:1000])
        w.write(x[1000:])
        assert w.frames_written == 4410 and abs(w.seconds - 0.1) < 1e-9
    with wave.open(str(path)) as r:
        assert (r.getnchannels(), r.getsampwidth(), r.getframerate(), r.getnframes()) == (1, 2, 44100, 4410)
        back = np.frombuffer(r.readframes(4410), "<i2") / 32767.0
    assert np.max(np.abs(back - x)) < 1e-4
    write_wav(tmp_path / "b.wav", x, 22050)
    with wave.open(str(tmp_path / "b.wav")) as r:
        assert r.getframerate() == 22050 and r.getnframes() == 4410


def test_sink_without_device_is_silent_with_a_warning(monkeypatch):
    pygame = pytest.importorskip("pygame")

    def no_device(*a, **k):
        raise pygame.error("No available audio device")

    monkeypatch.setattr(pygame.mixer, "get_init", lambda: None)
    monkeypatch.setattr(pygame.mixer, "init", no_device)
    with pytest.warns(RuntimeWarning, match="no audio output"):
        sink = AudioSink(44100)
    assert not sink.enabled and "No available audio device" in sink.reason
    sink.play(np.zeros(734, np.float32))  # no-ops
    sink.wait()
    assert sink.latency == 0.0
    sink.close()


def test_sink_with_dummy_driver_paces_at_the_audio_clock(monkeypatch):
    pygame = pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    if pygame.mixer.get_init():
        pygame.mixer.quit()
    sink = AudioSink(44100, target_latency=0.05)
    if not sink.enabled:
        pytest.skip(f"SDL dummy audio driver unavailable: {sink.reason}")
    import time
    block = np.zeros(735, np.float32)
    t = time.monotonic()
    for _ in range(30):                      # 0.5 s of sound
        sink.play(block)
        sink.wait()
    elapsed = time.monotonic() - t
    assert 0.3 < elapsed < 1.0, elapsed
    assert sink.latency <= 0.2
    sink.close()
