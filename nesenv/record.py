"""Record a run to a file: its sound as WAV, or video with sound as MP4.

* :class:`Recorder` takes one frame and its sound at a time (``add(frame, audio)``) and writes a
  ``.wav`` (16-bit mono, with the standard library) or a ``.mp4`` (H.264 + AAC, through the
  ffmpeg binary that ``imageio-ffmpeg`` ships: ``pip install 'nesenv[record]'``).
* :class:`RecordRun` is a Gymnasium wrapper that records every frame of an env (reset and step)
  with its sound, for agents::

      env = RecordRun(gym.make("SuperMarioBros-1-1-v0"), "clip.mp4")
      obs, info = env.reset(seed=0)
      for _ in range(600):
          obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
      env.close()                       # finishes the file

A WAV gets all the sound the console made, frames that an env skips between steps included. In
an MP4 each video frame lasts 1/60.0988 s, and the sound is kept within one frame of the picture:
the sound of skipped frames is cut, and a frame without sound (a reset) gets silence.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from os import PathLike
from typing import Optional, Union

import gymnasium as gym
import numpy as np

from .audio import WavWriter

__all__ = ["FORMATS", "RECORD_HINT", "Recorder", "RecordRun", "check_record_path"]

FORMATS = (".wav", ".mp4")
FRAME_RATE = 60.0988  # NTSC frames per second (nes_core.FRAME_RATE)
RECORD_HINT = (
    "recording MP4 needs imageio-ffmpeg: pip install 'nesenv[record]' (or pip install "
    "imageio-ffmpeg); a .wav path records the sound without it"
)


def check_record_path(path: Union[str, "PathLike[str]"]) -> str:
    """Return the lower-case extension of ``path`` (``".wav"`` or ``".mp4"``).

    Raises:
        ValueError: another extension.
        ImportError: ``.mp4`` without imageio-ffmpeg installed (the message names the extra).
    """
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in FORMATS:
        raise ValueError(f"cannot record to {os.fspath(path)!r}: the file must end in .wav or .mp4")
    if ext == ".mp4":
        _import_ffmpeg()
    return ext


def _import_ffmpeg():
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise ImportError(RECORD_HINT) from exc
    return imageio_ffmpeg


class Recorder:
    """Write frames and their sound to a ``.wav`` or ``.mp4`` file.

    Args:
        path: output file; the extension picks the format.
        sample_rate: rate of the sound blocks (``nes.sample_rate``).
        fps: video frame rate (the NES's 60.0988).
        scale: MP4 only: output pixels per NES pixel (nearest neighbour), 1-8.

    Raises:
        ValueError: the extension is not ``.wav`` or ``.mp4``, or a bad scale.
        ImportError: ``.mp4`` without imageio-ffmpeg.

    Attributes:
        frames: frames added so far.
        samples: sound samples written so far.
    """

    def __init__(self, path: Union[str, "PathLike[str]"], sample_rate: int = 44100,
                 fps: float = FRAME_RATE, scale: int = 2):
        self.path = os.fspath(path)
        self.format = check_record_path(self.path)
        if not 1 <= int(scale) <= 8:
            raise ValueError(f"scale must be in 1..8, got {scale!r}")
        self.sample_rate = int(sample_rate)
        self.fps = float(fps)
        self.scale = int(scale)
        self.frames = 0
        self.samples = 0
        self._video = None
        self._tmpdir: Optional[str] = None
        self._size = None
        if self.format == ".wav":
            self._wav = WavWriter(self.path, self.sample_rate)
        else:
            self._ffmpeg = _import_ffmpeg()
            self._tmpdir = tempfile.mkdtemp(prefix="nesenv-record-")
            self._wav = WavWriter(os.path.join(self._tmpdir, "sound.wav"), self.sample_rate)

    def add(self, frame: Optional[np.ndarray] = None, audio=None) -> None:
        """Add one frame (``(240, 256, 3)`` uint8 RGB; ignored for WAV) and its sound.

        Args:
            frame: the picture; None adds sound only (WAV) or repeats nothing (MP4: no frame).
            audio: float32 samples in [-1, 1] (``env.unwrapped.audio`` or ``nes.audio``).
        """
        if self._wav is None:
            raise ValueError("the recorder is closed")
        audio = np.zeros(0, np.float32) if audio is None else np.asarray(audio, np.float32)
        if self.format == ".wav":
            if frame is not None:
                self.frames += 1
            self._write_sound(audio)
            return
        if frame is None:
            return
        self._write_frame(frame)
        # keep the sound within one frame of the picture
        per_frame = self.sample_rate / self.fps
        target = int(round(self.frames * per_frame))
        total = self.samples + audio.size
        if total > target + per_frame:
            audio = audio[: max(0, target - self.samples)]
        elif total < target - per_frame:
            audio = np.concatenate([audio, np.zeros(target - total, np.float32)])
        self._write_sound(audio)

    def _write_sound(self, audio: np.ndarray) -> None:
        if audio.size:
            self._wav.write(audio)
            self.samples += audio.size

    def _write_frame(self, frame: np.ndarray) -> None:
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"frame must be (height, width, 3) uint8 RGB, got {frame.shape}")
        if self._video is None:
            h, w = frame.shape[:2]
            self._size = (w, h)
            self._video = self._ffmpeg.write_frames(
                os.path.join(self._tmpdir, "video.mp4"), (w, h), fps=self.fps,
                codec="libx264", pix_fmt_in="rgb24", macro_block_size=1,
                output_params=["-vf", f"scale={w * self.scale}:{h * self.scale}:flags=neighbor"],
                ffmpeg_log_level="error",
            )
            self._video.send(None)
        elif frame.shape[1::-1] != self._size:
            raise ValueError(f"frame size changed from {self._size} to {frame.shape[1::-1]}")
        self._video.send(frame)
        self.frames += 1

    def close(self) -> None:
        """Finish the file (idempotent). For MP4 this muxes the video and the sound.

        Raises:
            RuntimeError: ffmpeg failed (its message is included).
        """
        if self._wav is None:
            return
        wav, self._wav = self._wav, None
        wav.close()
        if self.format == ".wav":
            return
        try:
            if self._video is None:
                raise RuntimeError(f"no frame was recorded; {self.path} not written")
            self._video.close()
            cmd = [
                self._ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
                "-i", os.path.join(self._tmpdir, "video.mp4"),
                "-i", os.path.join(self._tmpdir, "sound.wav"),
                "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "160k",
                "-movflags", "+faststart", self.path,
            ]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"ffmpeg could not write {self.path}: {done.stderr.strip()}")
        finally:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RecordRun(gym.Wrapper):
    """Record every frame of a nesenv env (after each reset and step) with its sound.

    Turns the console's audio on. The file is finished by :meth:`close`. Frames are taken from
    ``env.unwrapped.screen``, so observation wrappers applied inside this one do not matter.

    Args:
        env: a nesenv env (``env.unwrapped`` is a :class:`nesenv.env.NESEnv`).
        path: ``.wav`` or ``.mp4`` file.
        scale: MP4 output pixels per NES pixel.

    Raises:
        ValueError / ImportError: see :class:`Recorder`.
    """

    def __init__(self, env: gym.Env, path: Union[str, "PathLike[str]"], scale: int = 2):
        super().__init__(env)
        nes = env.unwrapped.nes
        self.recorder = Recorder(path, nes.sample_rate, scale=scale)
        nes.audio_enabled = True

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self.recorder.add(self.env.unwrapped.screen, None)
        return obs, info

    def step(self, action):
        result = self.env.step(action)
        self.recorder.add(self.env.unwrapped.screen, self.env.unwrapped.audio)
        return result

    def close(self):
        try:
            self.recorder.close()
        finally:
            super().close()
