"""Play loops shared by the command-line tools: a random agent and a keyboard player."""
import os
import sys
import time
from typing import Any, Callable, Dict, Optional

import gymnasium as gym

from . import actions as _actions


def has_display() -> bool:
    """Return True when a real window can probably be opened.

    False when ``SDL_VIDEODRIVER`` is ``dummy`` or ``offscreen``, and on Linux/BSD when neither
    ``DISPLAY`` nor ``WAYLAND_DISPLAY`` is set.
    """
    if os.environ.get("SDL_VIDEODRIVER", "").lower() in ("dummy", "offscreen"):
        return False
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


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
) -> Dict[str, Any]:
    """Play uniformly random actions for ``steps`` steps, resetting after each episode.

    Args:
        env: any env with a sampleable action space.
        steps: number of steps to take.
        seed: seeds the env and its action space.
        render: show the frames in a window (pygame) at ``fps``.
        fps: frame rate limit of the window; None for as fast as possible.
        progress: show a tqdm progress bar on stderr when it is a terminal.

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
    env.action_space.seed(seed)
    obs, info = env.reset(seed=seed)
    summary = _Summary(env)
    # progress bar on a terminal only (disable=None: off when stderr is not a TTY, e.g. CI logs)
    bar = tqdm(total=steps, disable=None if progress else True, unit="step", mininterval=0.5,
               file=sys.stderr)
    try:
        for _ in range(steps):
            obs, reward, terminated, truncated, info = summary.step(env, env.action_space.sample())
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
) -> Dict[str, Any]:
    """Play with the keyboard in a pygame window until Esc, the window closes or ``steps``.

    Keys: arrows = d-pad, Z or O = B, X or P = A, Enter = Start, Space or Shift = Select,
    Esc = quit. Keys are tracked from KEYDOWN/KEYUP events. An episode that ends restarts.

    Args:
        env: an env whose observation is the frame (``(240, 256, 3)`` uint8) and whose actions
            are controller bytes, possibly through :class:`nesenv.wrappers.JoypadSpace`.
        steps: stop after this many steps (None: play until quit).
        seed: seed for the first reset.
        fps: frame rate (60 like the NES); None for as fast as possible.
        scale: window pixels per NES pixel.

    Returns:
        The same summary dict as :func:`play_random`.

    Raises:
        ImportError: pygame is missing.
        RuntimeError: no window can be opened.
    """
    from ._viewer import ImageViewer, import_pygame

    pygame = import_pygame()
    caption = env.spec.id if env.spec is not None else "nesenv"
    viewer = ImageViewer(caption, scale=scale)
    to_action = _byte_to_action(env)
    pressed = set()
    obs, info = env.reset(seed=seed)
    summary = _Summary(env)
    try:
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
            action = to_action(_actions.keys_to_byte(pressed))
            obs, reward, terminated, truncated, info = summary.step(env, action)
            viewer.show(obs)
            viewer.tick(fps)
            if terminated or truncated:
                obs, info = env.reset()
                summary.episodes += 1
    finally:
        viewer.close()
    return summary.result()
