"""Play loops shared by the command-line tools: a random agent and a keyboard player."""
import os
import sys
import time
from typing import Any, Callable, Dict, Optional

import gymnasium as gym
import numpy as np

from . import actions as _actions
from . import audio as _audio

_NO_AUDIO = np.zeros(0, dtype=np.float32)


def _nes_of(env: gym.Env):
    return getattr(env.unwrapped, "nes", None)


def _step_audio(env: gym.Env) -> np.ndarray:
    """The sound of the env's last step (NESEnv.audio), else the console's last block."""
    base = env.unwrapped
    audio = getattr(base, "audio", None)
    if audio is None:
        nes = _nes_of(env)
        audio = nes.audio if nes is not None else _NO_AUDIO
    return audio


def _frame_of(env: gym.Env, obs) -> np.ndarray:
    screen = getattr(env.unwrapped, "screen", None)
    return obs if screen is None else screen


def open_sink(env: gym.Env, log=None):
    """Turn the env's console audio on and return an :class:`nesenv.audio.AudioSink` for it.

    Without an audio device (or pygame) the sink is silent; then one line saying so goes to
    ``log`` (default: stderr) instead of a warning. Returns None if the env has no console.
    """
    import warnings

    nes = _nes_of(env)
    if nes is None:
        return None
    nes.audio_enabled = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sink = _audio.AudioSink(nes.sample_rate)
    if not sink.enabled:
        note = f"note: {sink.reason}"
        if log is None:
            print(note, file=sys.stderr)
        else:
            log(note)
    return sink


def has_display() -> bool:
    """Return True when a real window can probably be opened.

    False when ``SDL_VIDEODRIVER`` is ``dummy`` or ``offscreen``, and on Linux/BSD when neither
    ``DISPLAY`` nor ``WAYLAND_DISPLAY`` is set.
    """
    from ._viewer import HEADLESS_DRIVERS, display_env_missing

    if os.environ.get("SDL_VIDEODRIVER", "").lower() in HEADLESS_DRIVERS:
        return False
    return display_env_missing() is None


def _frame_counter(env: gym.Env) -> Callable[[], Optional[int]]:
    nes = getattr(env.unwrapped, "nes", None)
    if nes is None or not hasattr(nes, "frame"):
        return lambda: None
    return lambda: int(nes.frame)


class _Summary:
    """Accumulates what the play loops report."""

    def __init__(self, env: gym.Env):
        self.env = env
        self.steps = 0
        self.episodes = 1
        self.total_reward = 0.0
        self.max_x = None
        self.info: Dict[str, Any] = {}
        self._frame_counter = _frame_counter(env)
        self._frames: Optional[int] = 0 if self._frame_counter() is not None else None
        self._t0 = time.perf_counter()

    def step(self, env: gym.Env, action) -> tuple:
        """Step ``env``, account for the result and return it."""
        before = self._frame_counter()
        result = env.step(action)
        if self._frames is not None:
            # frames the step emulated, including the ones the game module skipped
            self._frames += self._frame_counter() - before
        self.add(result[1], result[4])
        return result

    def add(self, reward: float, info: Dict[str, Any]) -> None:
        self.steps += 1
        self.total_reward += float(reward)
        self.info = info
        if "x_pos" in info:
            self.max_x = info["x_pos"] if self.max_x is None else max(self.max_x, info["x_pos"])

    def result(self) -> Dict[str, Any]:
        seconds = max(time.perf_counter() - self._t0, 1e-9)
        frames = self._frames
        out: Dict[str, Any] = {
            "steps": self.steps,
            "episodes": self.episodes,
            "total_reward": self.total_reward,
            "x_pos": self.max_x,
            "info": self.info,
            "seconds": seconds,
            "steps_per_second": self.steps / seconds,
            "frames": frames,
            "frames_per_second": None if frames is None else frames / seconds,
        }
        if "world" in self.info and "stage" in self.info:
            out["world_stage"] = f"{self.info['world']}-{self.info['stage']}"
        return out


def format_summary(summary: Dict[str, Any]) -> str:
    """Return the end-of-run report printed by ``smb-play``."""
    lines = [
        f"steps: {summary['steps']} ({summary['episodes']} episode(s))",
        f"total reward: {summary['total_reward']:g}",
    ]
    if summary.get("x_pos") is not None:
        lines.append(f"x_pos reached: {summary['x_pos']}")
    if summary.get("world_stage"):
        lines.append(f"world-stage: {summary['world_stage']}")
    fps = summary.get("frames_per_second")
    if fps is not None:
        lines.append(
            f"frames per second: {fps:.1f} ({summary['frames']} frames emulated in "
            f"{summary['seconds']:.2f} s, {summary['steps_per_second']:.1f} steps/s)"
        )
    else:
        lines.append(f"steps per second: {summary['steps_per_second']:.1f}")
    return "\n".join(lines)


def play_random(
    env: gym.Env,
    steps: int = 500,
    seed: Optional[int] = None,
    render: bool = False,
    fps: Optional[float] = 60,
    progress: bool = True,
    recorder=None,
) -> Dict[str, Any]:
    """Play uniformly random actions for ``steps`` steps, resetting after each episode.

    Args:
        env: any env with a sampleable action space.
        steps: number of steps to take.
        seed: seeds the env and its action space.
        render: show the frames in a window (pygame) at ``fps``.
        fps: frame rate limit of the window; None for as fast as possible.
        progress: show a tqdm progress bar on stderr when it is a terminal.
        recorder: a :class:`nesenv.record.Recorder` that gets every frame and its sound (the
            console's audio is turned on); the caller closes it.

    Returns:
        A summary dict (see :func:`format_summary`): steps, episodes, total_reward, x_pos (the
        largest reached, for Mario envs), info (last), world_stage, frames, frames_per_second.
    """
    from tqdm import tqdm

    viewer = None
    if render:
        from ._viewer import ImageViewer

        caption = env.spec.id if env.spec is not None else "nesenv"
        viewer = ImageViewer(caption)
    if recorder is not None and _nes_of(env) is not None:
        _nes_of(env).audio_enabled = True
    env.action_space.seed(seed)
    obs, info = env.reset(seed=seed)
    if recorder is not None:
        recorder.add(_frame_of(env, obs), None)
    summary = _Summary(env)
    # progress bar on a terminal only (disable=None: off when stderr is not a TTY, e.g. CI logs)
    bar = tqdm(total=steps, disable=None if progress else True, unit="step", mininterval=0.5,
               file=sys.stderr)
    try:
        for _ in range(steps):
            obs, reward, terminated, truncated, info = summary.step(env, env.action_space.sample())
            if recorder is not None:
                recorder.add(_frame_of(env, obs), _step_audio(env))
            bar.update(1)
            if "x_pos" in info and bar.n % 50 == 0:
                bar.set_postfix(x_pos=info["x_pos"], reward=f"{summary.total_reward:g}")
            if viewer is not None:
                viewer.events()
                if not viewer.is_open:
                    break
                viewer.show(obs)
                viewer.tick(fps)
            if terminated or truncated:
                obs, info = env.reset()
                summary.episodes += 1
                if recorder is not None:
                    recorder.add(_frame_of(env, obs), None)
    finally:
        bar.close()
        if viewer is not None:
            viewer.close()
    return summary.result()


def _byte_to_action(env: gym.Env) -> Callable[[int], int]:
    """Return a function mapping a controller byte to an action of ``env``.

    For a JoypadSpace-wrapped env: the action pressing exactly those buttons, else the one
    pressing the most of them and nothing else, else action 0 (NOOP).
    """
    if not env.has_wrapper_attr("action_map"):
        return lambda byte: byte
    action_map = env.get_wrapper_attr("action_map")
    exact = {byte: action for action, byte in sorted(action_map.items(), reverse=True)}
    cache: Dict[int, int] = {}

    def convert(byte: int) -> int:
        if byte in exact:
            return exact[byte]
        if byte not in cache:
            best, best_bits = 0, -1
            for action, b in sorted(action_map.items()):
                if b & ~byte == 0 and bin(b).count("1") > best_bits:
                    best, best_bits = action, bin(b).count("1")
            cache[byte] = best
        return cache[byte]

    return convert


def play_human(
    env: gym.Env,
    steps: Optional[int] = None,
    seed: Optional[int] = None,
    fps: Optional[float] = 60,
    scale: int = 3,
    sound: bool = True,
    recorder=None,
    options: Optional[Dict[str, Any]] = None,
    caption: Optional[str] = None,
    pads_log: Optional[list] = None,
) -> Dict[str, Any]:
    """Play with the keyboard in a pygame window until Esc, the window closes or ``steps``.

    Keys: arrows = d-pad, Z or O = B, X or P = A, Enter = Start, Space or Shift = Select,
    Esc = quit. Keys are tracked from KEYDOWN/KEYUP events. An episode that ends restarts.

    With ``sound`` the console's audio plays through :class:`nesenv.audio.AudioSink`, and the
    sound clock paces the loop (60.0988 frames per second, a few frames of sound queued ahead);
    without an audio device it is silent (one note on stderr) and the video clock paces it.

    Args:
        env: an env whose observation is the frame (``(240, 256, 3)`` uint8) and whose actions
            are controller bytes, possibly through :class:`nesenv.wrappers.JoypadSpace`.
        steps: stop after this many steps (None: play until quit).
        seed: seed for the first reset.
        fps: frame rate (60 like the NES); None for as fast as possible.
        scale: window pixels per NES pixel.
        sound: play the sound (False: the audio stays off and no sink is opened).
        recorder: a :class:`nesenv.record.Recorder` that gets every frame and its sound; the
            caller closes it.
        options: passed to the first ``env.reset`` (e.g. ``{"battery_ram": data}``).
        caption: window title (default: the env id, else "nesenv").
        pads_log: a list that gets the controller byte of every step (``nesenv play --movie``
            writes it as an ``.fm2`` movie).

    Returns:
        The same summary dict as :func:`play_random`.

    Raises:
        ImportError: pygame is missing.
        RuntimeError: no window can be opened.
    """
    from ._viewer import ImageViewer, import_pygame

    pygame = import_pygame()
    if caption is None:
        caption = env.spec.id if env.spec is not None else "nesenv"
    viewer = ImageViewer(caption, scale=scale)
    sink = None
    try:
        if sound and fps:
            sink = open_sink(env)
        if recorder is not None and _nes_of(env) is not None:
            _nes_of(env).audio_enabled = True
        to_action = _byte_to_action(env)
        pressed = set()
        obs, info = env.reset(seed=seed, options=options)
        if recorder is not None:
            recorder.add(_frame_of(env, obs), None)
        summary = _Summary(env)
        viewer.show(obs)
        while viewer.is_open and (steps is None or summary.steps < steps):
            for event in viewer.events():
                if event.type == pygame.KEYDOWN:
                    if event.key == pygame.K_ESCAPE:
                        viewer.close()
                    pressed.add(event.key)
                elif event.type == pygame.KEYUP:
                    pressed.discard(event.key)
            if not viewer.is_open:
                break
            byte = _actions.keys_to_byte(pressed)
            action = to_action(byte)
            obs, reward, terminated, truncated, info = summary.step(env, action)
            if pads_log is not None:
                pads_log.append(byte)
            if recorder is not None:
                recorder.add(_frame_of(env, obs), _step_audio(env))
            viewer.show(obs)
            if sink is not None and sink.enabled:
                # the sound paces the loop: a 60 fps video clock would drift against the
                # console's 60.0988 frames of sound per second and run the queue dry (crackle)
                sink.play(_step_audio(env))
                sink.wait()
            else:
                viewer.tick(fps)
            if terminated or truncated:
                obs, info = env.reset()
                summary.episodes += 1
                if recorder is not None:
                    recorder.add(_frame_of(env, obs), None)
    finally:
        if sink is not None:
            sink.close()
        viewer.close()
    return summary.result()
