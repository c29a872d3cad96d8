"""Sound output for nesenv: WAV files and live playback through pygame's mixer.

The core produces mono float32 samples in [-1, 1] at ``NES.sample_rate`` Hz, one block per
``step`` (``NES.audio``, about sample_rate / 60.0988 samples per frame; empty unless the console
was made with ``audio=True`` or ``nes.audio_enabled = True``). This module turns those blocks
into sound:

* :func:`to_int16` / :func:`write_wav` / :class:`WavWriter`: 16-bit PCM mono WAV files with the
  standard library's :mod:`wave` (no extra dependency).
* :class:`AudioSink`: queues blocks on a pygame mixer channel with a small buffer. When pygame
  is missing or there is no audio device it falls back to silence with one warning, so callers
  never need to special-case it. ``sink.wait()`` lets the audio clock pace a real-time loop.

Typical use in a viewer loop::

    sink = AudioSink(nes.sample_rate)      # silent (with a warning) when no device
    while running:
        nes.step(1, buttons)
        sink.play(nes.audio)
        sink.wait()                        # or pace with the video clock instead
    sink.close()
"""
from __future__ import annotations

import time
import warnings
import wave
from os import PathLike
from typing import Optional, Union

import numpy as np

__all__ = ["to_int16", "write_wav", "WavWriter", "AudioSink"]


def to_int16(samples) -> np.ndarray:
    """Convert float samples in [-1, 1] to int16 PCM (clipped), shape (n,), C-contiguous.

    Args:
        samples: array-like of floats (e.g. ``NES.audio``), any shape; flattened.
    """
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    return np.ascontiguousarray(np.clip(np.rint(x * 32767.0), -32768, 32767).astype(np.int16))


class WavWriter:
    """Stream blocks of samples into a 16-bit mono WAV file.

    Args:
        path: output file path.
        sample_rate: samples per second (``NES.sample_rate``).

    Use as a context manager, or call :meth:`close`::

        with WavWriter("run.wav", nes.sample_rate) as wav:
            for _ in range(600):
                nes.step(1)
                wav.write(nes.audio)
    """

    def __init__(self, path: Union[str, "PathLike[str]"], sample_rate: int):
        if not 1000 <= int(sample_rate) <= 384000:
            raise ValueError(f"sample_rate out of range: {sample_rate}")
        self.sample_rate = int(sample_rate)
        self.frames_written = 0
        self._wav = wave.open(str(path), "wb")
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(self.sample_rate)

    def write(self, samples) -> None:
        """Append float samples in [-1, 1] (clipped) to the file."""
        pcm = to_int16(samples)
        self._wav.writeframes(pcm.astype("<i2", copy=False).tobytes())
        self.frames_written += pcm.size

    @property
    def seconds(self) -> float:
        """Duration written so far, in seconds."""
        return self.frames_written / self.sample_rate

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None

    def __enter__(self) -> "WavWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_wav(path: Union[str, "PathLike[str]"], samples, sample_rate: int) -> None:
    """Write float samples in [-1, 1] to a 16-bit PCM mono WAV file in one go."""
    with WavWriter(path, sample_rate) as w:
        w.write(samples)


class AudioSink:
    """Play blocks of samples through pygame's mixer, with a small queue.

    Each :meth:`play` call appends a block; blocks are handed to one mixer channel (the one
    playing and at most one queued sound), the rest waits in a pending buffer capped at
    ``max_latency`` seconds (older audio is dropped rather than letting the sound lag behind
    the picture). :meth:`wait` sleeps while more than ``target_latency`` seconds are buffered,
    so a loop that calls it runs at the audio clock (60.0988 frames/s of sound).

    When pygame is not installed, or the mixer cannot open a device, the sink is silent:
    ``enabled`` is False, a single :class:`RuntimeWarning` says why, and every method is a
    no-op (``wait`` then paces nothing).

    Args:
        sample_rate: rate of the blocks, ``NES.sample_rate``.
        buffer: the mixer's device buffer in samples (small = low latency; 512 at 44.1 kHz
            is 11.6 ms).
        target_latency: seconds of sound :meth:`wait` keeps queued ahead.
        max_latency: pending audio beyond this many seconds is dropped.
        volume: 0.0-1.0 channel volume.
    """

    def __init__(self, sample_rate: int = 44100, buffer: int = 512, target_latency: float = 0.05,
                 max_latency: float = 0.2, volume: float = 1.0):
        self.sample_rate = int(sample_rate)
        self.target_latency = float(target_latency)
        self.max_latency = float(max_latency)
        self.enabled = False
        self.reason: Optional[str] = None
        self._channels = 1
        self._pending = np.zeros(0, dtype=np.int16)
        self._end = 0.0  # time.monotonic() when all audio handed to the mixer has played
        self._last_seconds = 0.0  # length of the last sound handed to the mixer
        self._pygame = None
        self._channel = None
        self._owns_mixer = False
        try:
            import pygame  # noqa: F401  (optional dependency)
        except ImportError:
            self._disable("pygame is not installed (pip install pygame); playing without sound")
            return
        self._pygame = pygame
        try:
            cur = pygame.mixer.get_init()
            if cur is None or cur[0] != self.sample_rate:
                if cur is not None:
                    pygame.mixer.quit()
                pygame.mixer.init(frequency=self.sample_rate, size=-16, channels=1, buffer=int(buffer))
                self._owns_mixer = True
                cur = pygame.mixer.get_init()
            if cur is None:
                raise pygame.error("mixer did not initialise")
            if cur[0] != self.sample_rate or abs(cur[1]) != 16:
                raise pygame.error(f"mixer opened at {cur[0]} Hz / {cur[1]} bits, not "
                                   f"{self.sample_rate} Hz / 16 bits")
            self._channels = int(cur[2])
            self._channel = pygame.mixer.Channel(0)
            self._channel.set_volume(float(volume))
        except Exception as e:  # pygame.error: no audio device, driver trouble
            self._disable(f"no audio output ({e}); playing without sound")
            return
        self.enabled = True

    def _disable(self, reason: str) -> None:
        self.enabled = False
        self.reason = reason
        warnings.warn(reason, RuntimeWarning, stacklevel=3)

    @property
    def latency(self) -> float:
        """Seconds of sound queued ahead of what is playing now (0 when silent)."""
        if not self.enabled:
            return 0.0
        return max(0.0, self._end - time.monotonic()) + self._pending.size / self.sample_rate

    def play(self, samples) -> None:
        """Queue float samples in [-1, 1] (e.g. ``nes.audio`` after a step)."""
        if not self.enabled:
            return
        pcm = to_int16(samples)
        if pcm.size:
            self._pending = np.concatenate([self._pending, pcm])
        cap = int(self.max_latency * self.sample_rate)
        if self._pending.size > cap:
            self._pending = self._pending[-cap:]
        self._pump()

    def _pump(self) -> None:
        ch = self._channel
        if self._pending.size == 0:
            return
        now = time.monotonic()
        if ch.get_busy():
            if ch.get_queue() is not None:
                return  # one playing, one queued: the rest waits
            # The queued sound has started, so what is left is at most the last sound handed
            # over. Re-anchoring here keeps the estimate on the device's clock: a device that
            # plays slightly fast (SDL's dummy driver runs ~5% fast) would otherwise let it
            # drift ahead until the channel runs dry (a gap: crackle).
            self._end = min(self._end, now + self._last_seconds)
        data = self._pending
        self._pending = np.zeros(0, dtype=np.int16)
        if self._channels > 1:
            data = np.repeat(data, self._channels)
        sound = self._pygame.mixer.Sound(buffer=data.tobytes())
        if ch.get_busy():
            ch.queue(sound)
        else:
            ch.play(sound)
            self._end = now  # the channel had run dry: the queue starts now
        self._last_seconds = (data.size // self._channels) / self.sample_rate
        self._end = max(self._end, now) + self._last_seconds

    def wait(self, target_latency: Optional[float] = None) -> None:
        """Sleep while more than ``target_latency`` seconds of sound are queued ahead."""
        if not self.enabled:
            return
        target = self.target_latency if target_latency is None else float(target_latency)
        while True:
            self._pump()
            excess = self.latency - target
            if excess <= 0:
                return
            time.sleep(min(excess, 0.01))

    def clear(self) -> None:
        """Drop queued sound (e.g. on reset or pause)."""
        self._pending = np.zeros(0, dtype=np.int16)
        if self.enabled:
            self._channel.stop()
            self._end = 0.0

    def close(self) -> None:
        """Stop playing; closes the mixer if this sink opened it."""
        if self.enabled:
            self._channel.stop()
            if self._owns_mixer:
                self._pygame.mixer.quit()
        self.enabled = False

    def __enter__(self) -> "AudioSink":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
