"""NESEnv: a thin Gymnasium env over ``nes_core.NES`` and a game module.

The env owns the emulator; the game module (:mod:`games`) says what the RAM means. Without a game
module the env is generic: reward 0, never terminates, empty info.
"""
import functools
import hashlib
import json
import os
import struct
from typing import Any, Collection, Dict, List, Mapping, Optional, Tuple, Union

import gymnasium as gym
import numpy as np
from nes_core import NES, OBS_TYPES as PICTURE_OBS_TYPES, ObsFormat, StateError

from games import Game

from . import actions as _actions

SCREEN_HEIGHT = 240
SCREEN_WIDTH = 256
SCREEN_SHAPE = (SCREEN_HEIGHT, SCREEN_WIDTH, 3)

_STATE_MAGIC = b"NESENV\x00\x02"  # 2: the env's own counters beside the game's
_STATE_MAGIC_V1 = b"NESENV\x00\x01"  # the game's counters only (still loaded)


def _is_env_state(blob) -> bool:
    """True for a blob of ``NESEnv.save_state`` (either version), False for a console state."""
    return bytes(blob[: len(_STATE_MAGIC)]) in (_STATE_MAGIC, _STATE_MAGIC_V1)


def split_state(data: bytes) -> Tuple[Dict[str, Any], bytes]:
    """Split a blob of :meth:`NESEnv.save_state` (either version) into ``(counters, console
    state)``: counters ``{"game": ..., "env": ...}`` (a version 1 blob's env counters are the
    start's).

    Raises:
        ValueError: ``data`` is not an env save state, or is truncated or corrupt.
    """
    head = len(_STATE_MAGIC) + 4
    magic = bytes(data[: len(_STATE_MAGIC)])
    if len(data) < head or magic not in (_STATE_MAGIC, _STATE_MAGIC_V1):
        raise ValueError(f"not a nesenv env save state ({len(data)} bytes)")
    (size,) = struct.unpack("<I", data[len(_STATE_MAGIC) : head])
    if head + size > len(data):
        raise ValueError(
            f"truncated env save state: {len(data)} bytes, its game counters alone "
            f"need {head + size}"
        )
    try:
        counters = json.loads(bytes(data[head : head + size]).decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"corrupt nesenv save state: {exc}") from None
    if magic == _STATE_MAGIC_V1:
        counters = {"game": counters, "env": {"episode_frames": 0, "last_buttons": [0, 0]}}
    return counters, bytes(data[head + size :])

# start states shared by all envs of this process: (ROM file SHA-1, game.start_key, frame grid)
# -> console state with its picture. Computing one means running the game's menus.
_START_CACHE: Dict[Tuple[str, Any, Any], bytes] = {}

# nes-py's frame (gym-super-mario-bros' step): a fixed 29781 CPU cycles from power-on, where
# an NTSC frame is 29780.5, so its boundary drifts through the picture by 1.5 dots a frame. It
# falls near the start of the pre-render line after power-on, while SMB's NMI handler waits
# for the sprite 0 hit: the controller has been read there, the game logic has not yet run.
NES_PY_FRAME_CYCLES = 29781
# Games whose upstream runs on nes-py (Game.nes_py_core: "8.2.1" for SMB and the Lost Levels,
# "9.0.1" for SMB2 USA and SMB3) run on that nes-py's own timing instead (NES.timing "nes-py" or
# "nes-py-9", NES_PY_TIMINGS, set_frame_timing), where a step is exactly 29781 of
# its cycles from its reset and nothing is approximated. For the accurate console on the grid:
# nes-py powers on at dot 0 of the pre-render line; this core ends its 7-cycle reset sequence
# at dot 26 of line 0, so by PPU position its cycle c is nes-py's c + 115. The phase is the
# value near -115 with the most RAM equal to upstream's in the parity traces (tests/parity):
# -114 gives every episode's start state exactly (nes-py's CPU runs an instruction on its first
# cycle, so its reads of PPU registers lead this core's by a few cycles, and no one phase
# lines up every frame; -119 matches more steps and fewer start states).
NES_PY_FRAME_PHASE = -114
FRAME_TIMINGS = ("vblank", "nes-py")
# Game.nes_py_core (a nes-py version) -> the nes_core.NES.timing that emulates it
NES_PY_TIMINGS = {"8.2.1": "nes-py", "9.0.1": "nes-py-9"}


#: observation types: the picture (``"rgb"``, ``"grayscale"``, of any ``shape``), the tile view
#: (``"tiles"``, ``nes_core.TILES_SHAPE``) or CPU RAM (``"ram"``, ALE's name: the 2 KiB at
#: $0000-$07FF)
OBS_TYPES = PICTURE_OBS_TYPES + ("ram",)


# the largest value of each tiles channel: tile, background palette, sprite tile, sprite palette + 1
_TILES_HIGH = (255, 3, 255, 4)


def _check_int(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int >= ``minimum``; ValueError for anything else (bools and floats too)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def stacked_space(space: gym.spaces.Box, stack: Any) -> gym.spaces.Box:
    """The space of ``stack`` stacked observations of ``space`` (``space`` itself for 1).

    Raises:
        ValueError: ``stack`` is not an int >= 1.
    """
    stack = _check_int(stack, "stack", 1)
    if stack == 1:
        return space
    shape = (stack,) + space.shape
    return gym.spaces.Box(np.broadcast_to(space.low, shape), np.broadcast_to(space.high, shape),
                          shape, np.uint8)


def observation_format(obs_type: str = "rgb", shape: Optional[Tuple[int, int]] = None):
    """Return ``(fmt, space)`` for an observation type and size, the one rule every env uses.

    Args:
        obs_type: ``"rgb"``, ``"grayscale"``, ``"tiles"`` or ``"ram"``.
        shape: ``(height, width)`` of a picture observation, 1-240 by 1-256 (area averaging,
            see ``nes_core.ObsFormat``); None for the native (240, 256). Not allowed with
            ``"ram"`` or ``"tiles"``.

    Returns:
        ``fmt``: a ``nes_core.ObsFormat``, or None for ``"ram"``; ``space``: the ``Box`` of one
        observation (``uint8``; ``(H, W, 3)``, ``(H, W)``, ``(2048,)``, or ``(30, 32, 4)`` for
        tiles with per-channel bounds: tile indices 0-255, background palette 0-3, sprite
        palette + 1 0-4).

    Raises:
        ValueError: unknown ``obs_type``, a bad size, or ``shape`` with ``"ram"`` or
            ``"tiles"``; TypeError: a ``shape`` that is not a pair of ints.
    """
    if obs_type == "ram":
        if shape is not None:
            raise ValueError("shape applies to picture observations, not obs_type='ram'")
        return None, gym.spaces.Box(0, 255, (2048,), np.uint8)
    if obs_type not in OBS_TYPES:
        raise ValueError(f"obs_type must be one of {OBS_TYPES}, got {obs_type!r}")
    fmt = ObsFormat(obs_type, shape)
    if obs_type == "tiles":
        high = np.broadcast_to(np.array(_TILES_HIGH, np.uint8), fmt.shape)
        return fmt, gym.spaces.Box(np.zeros(fmt.shape, np.uint8), high, fmt.shape, np.uint8)
    return fmt, gym.spaces.Box(0, 255, fmt.shape, np.uint8)


_GAME_HOOKS = ("reset", "step", "info", "after_step")


def rules_in_c(game: Game) -> bool:
    """True when ``game``'s rules are all in its spec (or it has none): it keeps
    :class:`games.Game`'s hooks, so the pool's C loop can evaluate them frame by frame
    (``nes_core.NESPool.run``'s ``rule_ops`` and ``frameskip``) with no Python per frame."""
    return _keeps_game_hooks(type(game))


@functools.lru_cache(maxsize=None)
def _keeps_game_hooks(cls: type) -> bool:  # a class property, asked every step
    return all(getattr(cls, hook) is getattr(Game, hook) for hook in _GAME_HOOKS)


def frames_to_draw(obs_type: str, frameskip: int) -> int:
    """How many of a step's last frames draw the picture (``NES.draw_picture``; the frames
    before them only emulate): 2 when the observation pools the last two pictures, else 1,
    so that the console's picture (``screen``, ``render()``, a state saved with its screen)
    is always the step's last frame, whatever the observation. The pool also draws the end of
    the frame before when a frame grid ends it inside the picture, and runs a step again
    drawing every frame when a picture it shows was not drawn whole (a step that ends
    early)."""
    return 2 if frameskip > 1 and obs_type not in ("ram", "tiles") else 1


class FrameStack:
    """The last ``k`` observations of ``n`` envs, as Gymnasium's ``FrameStackObservation``
    gives them: stack axis first, oldest first, padded with the episode's first observation.

    A ring ``(k, n) + shape`` with one head for all envs: every env gets exactly one new
    observation a step (it steps or starts an episode), so a step's observations go into one
    contiguous ``(n,) + shape`` slot (:meth:`advance`), written there by the observation code
    itself (the pool's threads, ``NES.observe(out=...)``); :meth:`read` gathers the k slots,
    oldest first, into the output: the one copy a step.
    """

    def __init__(self, k: int, n: int, shape: Tuple[int, ...]):
        self.k = k
        self.ring = np.zeros((k, n) + tuple(shape), dtype=np.uint8)
        self.head = 0  # the slot of the newest observations

    @property
    def newest(self) -> np.ndarray:
        """The newest observations, ``(n,) + shape`` (a view into the ring)."""
        return self.ring[self.head]

    def advance(self) -> np.ndarray:
        """Move to the next slot (dropping the oldest observations) and return it, ``(n,) +
        shape``, for the step's observations to be written into."""
        self.head = (self.head + 1) % self.k
        return self.ring[self.head]

    def fill(self, envs, obs: Optional[np.ndarray] = None) -> None:
        """Start the stacks of ``envs`` (indices or a bool mask): every slot gets ``obs`` (their
        rows), or their newest observation when ``obs`` is None."""
        self.ring[:, envs] = self.ring[self.head, envs] if obs is None else obs

    def read(self) -> np.ndarray:
        """All stacks, ``(n, k) + shape``, oldest first: a new array."""
        k, ring = self.k, self.ring
        out = np.empty((ring.shape[1], k) + ring.shape[2:], dtype=np.uint8)
        for j in range(k):
            out[:, j] = ring[(self.head + 1 + j) % k]
        return out


def check_max_frames(max_num_frames_per_episode: Any) -> Optional[int]:
    """``max_num_frames_per_episode`` as an int >= 1, or None (no limit).

    Raises:
        ValueError: anything else.
    """
    if max_num_frames_per_episode is None:
        return None
    return _check_int(max_num_frames_per_episode, "max_num_frames_per_episode", 1)


def check_time_options(frameskip: Any, repeat_action_probability: Any, noop_max: Any):
    """Validate ``(frameskip, repeat_action_probability, noop_max)`` and return them as
    ``(int, float, int)``.

    Raises:
        ValueError: ``frameskip`` not an int >= 1, a probability outside [0, 1], ``noop_max``
            not an int >= 0.
    """
    frameskip = _check_int(frameskip, "frameskip", 1)
    noop_max = _check_int(noop_max, "noop_max", 0)
    try:
        p = float(repeat_action_probability)
    except (TypeError, ValueError):
        p = float("nan")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"repeat_action_probability must be in [0, 1], got {repeat_action_probability!r}")
    return frameskip, p, noop_max


def frame_grid(frame_timing: str) -> Optional[Tuple[int, int]]:
    """Return the ``nes_core.NES.frame_grid`` of a ``frame_timing`` name.

    Raises:
        ValueError: not one of ``FRAME_TIMINGS``.
    """
    if frame_timing == "vblank":
        return None
    if frame_timing == "nes-py":
        return (NES_PY_FRAME_CYCLES, NES_PY_FRAME_PHASE)
    raise ValueError(f"frame_timing must be one of {FRAME_TIMINGS}, got {frame_timing!r}")


def set_frame_timing(console, frame_timing: str, game: Game) -> None:
    """Set ``console``'s frame grid and timing model for a ``frame_timing`` name and a game.

    ``"nes-py"`` with a game whose upstream runs on nes-py (``game.nes_py_core``, a version
    in ``NES_PY_TIMINGS``) runs the console on that emulator's timing (``console.timing``
    ``"nes-py"`` or ``"nes-py-9"``, which power-cycles it) with 29781-cycle frames from its
    reset; for other games it is the accurate console on the 29781-cycle grid
    (``NES_PY_FRAME_PHASE``).

    Raises:
        ValueError: not one of ``FRAME_TIMINGS``, or a ``nes_py_core`` not in ``NES_PY_TIMINGS``.
    """
    grid = frame_grid(frame_timing)
    version = getattr(game, "nes_py_core", None)
    if version and version not in NES_PY_TIMINGS:
        raise ValueError(f"{type(game).__name__}.nes_py_core must be one of "
                         f"{tuple(NES_PY_TIMINGS)} or None, got {version!r}")
    nes_py = frame_timing == "nes-py" and bool(version)
    timing = NES_PY_TIMINGS[version] if nes_py else "accurate"
    if console.timing != timing:
        console.timing = timing
    console.frame_grid = (NES_PY_FRAME_CYCLES, 0) if nes_py else grid


def check_reset_options(options: Optional[Mapping[str, Any]], known: Collection[str]) -> None:
    """Raise if ``options`` (a ``reset`` argument) has a key not in ``known``.

    Raises:
        TypeError: ``options`` is neither None nor a mapping.
        ValueError: an unknown key; the message names the known ones.
    """
    if options is None:
        return
    if not isinstance(options, Mapping):
        raise TypeError(f"options must be a dict or None, got {type(options).__name__}")
    unknown = sorted(str(k) for k in options if k not in known)
    if unknown:
        raise ValueError(
            f"unknown reset option(s) {', '.join(map(repr, unknown))}; this env knows "
            f"{', '.join(map(repr, sorted(known))) or 'none'}"
        )


_NO_AUDIO = np.zeros(0, dtype=np.float32)
_NO_AUDIO.flags.writeable = False


class _AudioTap:
    """The console as a game module's ``after_step`` sees it, keeping the sound of the frames
    it runs (``nes.audio`` holds only the last ``step`` call's samples)."""

    __slots__ = ("_nes", "_blocks")

    def __init__(self, nes, blocks):
        self._nes = nes
        self._blocks = blocks

    @property
    def ram(self) -> np.ndarray:
        return self._nes.ram

    def step(self, frames: int = 1, buttons: int = 0, buttons2: int = 0) -> None:
        self._nes.step(frames, buttons, buttons2)
        self._blocks.append(self._nes.audio)

    def __getattr__(self, name):
        return getattr(self._nes, name)


class NESEnv(gym.Env):
    """A Gymnasium env playing one NES ROM.

    Observation: by default ``Box(0, 255, (240, 256, 3), uint8)``, the last completed frame as
    RGB, an array the caller owns (``obs_type`` and ``shape`` choose others). Action: by default
    ``Discrete(256)``, the controller byte (A=0x01, B=0x02, Select=0x04, Start=0x08, Up=0x10,
    Down=0x20, Left=0x40, Right=0x80); ``full_action_space=False`` gives the game's minimal set
    instead, ``players=2`` one action per controller. One step runs one frame (``frameskip``).

    Args:
        rom_path: path to an iNES ``.nes`` file.
        render_mode: None, ``"human"`` (a pygame window, drawn on every step) or ``"rgb_array"``.
        game: the game module instance that computes reward, termination and info; None for the
            generic behaviour (reward 0, never terminates, info ``{}``).
        mute: with ``render_mode="human"``, do not play the sound. Otherwise human rendering
            turns the console's audio on and plays it through :class:`nesenv.audio.AudioSink`
            (silent, with one warning, when there is no audio device); the sound then paces the
            window at the console's 60.0988 frames per second.
        palette: the RGB palette of observations and rendering: ``"nes-py"`` (default,
            nes-py's colours), ``"ntsc"``, a ``.pal`` file path or a (64, 3) / (512, 3)
            ``uint8`` array (see ``nes_core.load_palette``).
        frame_timing: where a step (and every frame a game module runs) ends: ``"vblank"``
            (the PPU enters vblank) or ``"nes-py"`` (nes-py's fixed 29781 CPU cycles from
            power-on; with a game whose upstream runs on nes-py, ``game.nes_py_core``, such
            as Super Mario Bros. (8.2.1) or Super Mario Bros. 3 (9.0.1), the console also runs
            on that nes-py's timing, ``nes_core.NES.timing`` ``"nes-py"`` or ``"nes-py-9"``,
            for step-exact RAM and pictures with gym-super-mario-bros: see
            :func:`set_frame_timing`).
        obs_type: ``"rgb"`` (default), ``"grayscale"`` (luma of the palette's RGB), ``"tiles"``
            (what the screen shows as tile and sprite indices, ``(30, 32, 4)``: see
            ``nes_core.ObsFormat`` and the README) or ``"ram"`` (a copy of the 2 KiB of CPU
            RAM, shape ``(2048,)``).
        shape: ``(height, width)`` of picture observations, e.g. ``(84, 84)``: each pixel the
            mean of the area it covers (OpenCV's INTER_AREA, computed in C); None for 240 x 256.
            Rendering (``render()``, the window) always shows the full RGB picture.
        frameskip: frames one step runs with its action (>= 1; ALE's name). With more than
            one, the reward is the sum of the frames' clipped rewards, the step ends early when
            a frame terminates the episode, and the observation is the pixelwise maximum of the
            last two frames (ALE's pooling, as Gymnasium's ``AtariPreprocessing`` does; a step
            that ends early returns its last frame; ``"ram"`` and ``"tiles"`` observations
            are the last frame's, not pooled). A game whose rules are its spec's runs the
            step in one C call, drawing only the pictures it uses (:attr:`screen` is always
            the last frame's).
        repeat_action_probability: each frame, the action of the frame before is repeated
            instead of the step's action with this probability (sticky actions, ALE v5 and
            Machado et al. 2018); drawn from ``np_random``, so ``reset(seed=S)`` repeats them.
        noop_max: on reset, run 1..noop_max no-op steps (uniform, from ``np_random``) before the
            first observation (random no-op starts; 0 = none). An episode that ends during them
            starts again.
        stack: observations are the last ``stack`` frames' observations, ``(stack,) + shape``,
            oldest first, the first of an episode repeated to fill (Gymnasium's
            ``FrameStackObservation`` layout); 1 = none.
        full_action_space: True (default): the actions are the 256 controller bytes; False:
            the game's minimal action set (``game.minimal_actions``, e.g. Super Mario Bros.'
            12 = gym-super-mario-bros' ``COMPLEX_MOVEMENT``; all 256 bytes for a game that
            declares none), ``Discrete(n)`` with action ``i`` its ``i``-th button combination
            (see :func:`nesenv.actions.action_set`, :meth:`get_action_meanings`).
        players: 1 (default) or 2. With 2 the action is a pair, ``MultiDiscrete([n, n])``:
            controller 1's action then controller 2's, each from the same action set (the
            second controller is the one a two-player game gives player 2, or scripted input
            read at $4017). Sticky actions draw for each controller; no-ops press neither.
        max_num_frames_per_episode: truncate the episode (``truncated=True``) once it has run
            this many frames (ALE's option: frames, not steps, so ``frameskip`` does not change
            it; no-op start frames count, frames a game module skips do not); None = no limit.

    Raises:
        RuntimeError: ``render_mode="human"`` without a display (the message names the fixes:
            a display, ``render_mode="rgb_array"``, or ``SDL_VIDEODRIVER=dummy`` on purpose);
            a fallback of pygame to its offscreen driver raises it at the first frame shown.
        FileNotFoundError: ``rom_path`` does not exist.
        nes_core.RomError: the file is not a ROM the core can run.
        ValueError: unknown ``render_mode``, ``frame_timing`` or ``obs_type``, a bad ``shape``,
            ``frameskip``, ``repeat_action_probability``, ``noop_max``, ``players`` or
            ``max_num_frames_per_episode``; a bad ``palette`` (TypeError when it is of a type
            that cannot be a palette).
        TypeError: ``full_action_space`` is not a bool.

    Attributes:
        nes: the ``nes_core.NES`` emulator. Setting ``nes.audio_enabled = True`` makes
            :attr:`audio` hold the sound of each step (recording does this).
        game: the game module instance.

    ``reset(options={"battery_ram": data})`` writes ``data`` (bytes) into the cartridge's
    battery-backed RAM right after the start state is restored, before the first frame runs
    (see :attr:`battery_ram`). Other option keys raise ``ValueError`` (see
    :attr:`reset_options`). ``step`` before the first ``reset`` (or :meth:`load_state`) raises
    ``gymnasium.error.ResetNeeded``, as Gymnasium's ``OrderEnforcing`` does for ``gym.make``.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 60}
    reward_range = (-float("inf"), float("inf"))
    #: the keys ``reset(options=...)`` accepts
    reset_options = frozenset({"battery_ram", "state"})

    def __init__(
        self,
        rom_path: Union[str, "os.PathLike[str]"],
        render_mode: Optional[str] = None,
        game: Optional[Game] = None,
        mute: bool = False,
        palette: Any = "nes-py",
        frame_timing: str = "vblank",
        obs_type: str = "rgb",
        shape: Optional[Tuple[int, int]] = None,
        frameskip: int = 1,
        repeat_action_probability: float = 0.0,
        noop_max: int = 0,
        stack: int = 1,
        full_action_space: bool = True,
        players: int = 1,
        max_num_frames_per_episode: Optional[int] = None,
    ):
        frame_grid(frame_timing)  # refuses an unknown name before anything is built
        self.players = _actions.check_players(players)
        self.max_num_frames_per_episode = check_max_frames(max_num_frames_per_episode)
        self._obs_format, frame_space = observation_format(obs_type, shape)
        self._pooled = self._obs_format is not None and obs_type != "tiles"  # max-pooled pictures
        self.observation_space = stacked_space(frame_space, stack)
        self._stack = FrameStack(int(stack), 1, frame_space.shape) if stack > 1 else None
        self.obs_type = obs_type
        self.frameskip, self.repeat_action_probability, self.noop_max = check_time_options(
            frameskip, repeat_action_probability, noop_max)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, "
                f"got {render_mode!r}"
            )
        if render_mode == "human":
            from ._viewer import check_display

            check_display()  # before the ROM is loaded: fail fast, naming the fix
        self.render_mode = render_mode
        self.rom_path = os.fspath(rom_path)
        with open(self.rom_path, "rb") as fh:
            rom = fh.read()
        self._rom_sha1 = hashlib.sha1(rom).hexdigest()
        self.nes = NES(rom, palette=palette)
        self.frame_timing = frame_timing
        self.game = game if game is not None else Game()
        set_frame_timing(self.nes, frame_timing, self.game)
        low, high = self.game.reward_range
        self._frame_reward_range = (low, high)
        self.reward_range = (low * self.frameskip, high * self.frameskip)
        self.full_action_space = full_action_space
        self._action_table, self._action_meanings = _actions.action_set(
            full_action_space, self.game.minimal_actions)
        n = len(self._action_table)
        self.action_space = (gym.spaces.Discrete(n) if self.players == 1
                             else gym.spaces.MultiDiscrete([n, n]))
        self._viewer = None
        self._sink = None
        self._audio = _NO_AUDIO
        self._has_reset = False
        self._last_buttons = (0, 0)  # each pad's last frame's buttons (sticky actions repeat them)
        self._episode_frames = 0  # frames run in this episode (max_num_frames_per_episode)
        self._pool_with = None  # the frame before a step's last, for pooling
        self._frame_pool = None  # a one-console nes_core.NESPool: frame-skipped steps in C
        self._start_state = self._start_for(self.game)
        # sound only where someone hears it; recorders turn it on themselves
        self.nes.audio_enabled = render_mode == "human" and not mute

    # --- nes-py compatible accessors -----------------------------------------------------------
    @property
    def ram(self) -> np.ndarray:
        """CPU RAM: a writable view, shape ``(2048,)``, dtype ``uint8``."""
        return self.nes.ram

    @property
    def screen(self) -> np.ndarray:
        """The last completed frame: a live view, shape ``(240, 256, 3)``, ``uint8``.

        The next step overwrites it; observations returned by ``step``/``reset`` are copies.
        """
        return self.nes.screen

    @property
    def audio(self) -> np.ndarray:
        """The sound of the last ``step``: float32 samples in [-1, 1], shape ``(n,)``.

        Mono at ``nes.sample_rate`` Hz, every frame the step emulated (frames a game module
        skips included, so about ``k * sample_rate / 60.0988`` samples for ``k`` frames). Empty
        after ``reset`` and whenever ``nes.audio_enabled`` is False.
        """
        return self._audio

    @property
    def battery_ram(self) -> np.ndarray:
        """The battery-backed part of the cartridge RAM: a writable ``uint8`` view, shape ``(n,)``.

        ``nes.sram[prg_ram_size:]`` (the volatile work RAM comes first); empty when the board
        has no battery. This is what a ``.sav`` file holds.
        """
        sram = self.nes.sram
        info = self.nes.rom_info()
        if sram is None or not info["battery"]:
            return np.zeros(0, dtype=np.uint8)
        return sram[info["prg_ram_size"]:]

    # --- episode start ------------------------------------------------------------------------
    def _start_for(self, game: Game) -> bytes:
        """Return the console state, picture included, at the start of an episode of ``game``."""
        key = (self._rom_sha1, game.start_key, self.nes.frame_grid, self.nes.timing)
        cached = _START_CACHE.get(key)
        if cached is None:
            self.nes.power_cycle()
            game.start(self.nes)
            cached = self.nes.save_state(screen=True)  # palette indices: any palette renders it
            _START_CACHE[key] = cached
        return cached

    def _select_game(self, seed: Optional[int], options: Optional[Dict[str, Any]]) -> None:
        """Hook run by ``reset`` after seeding: subclasses may switch ``self.game`` here."""

    def reset(
        self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None
    ) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Restore the start state of an episode.

        Args:
            seed: seeds ``self.np_random`` (the emulator itself is deterministic).
            options: env-specific options; ``{"battery_ram": bytes}`` loads battery RAM (a
                ``.sav`` file's content; a shorter or longer blob fills what fits);
                ``{"state": blob}`` starts the episode from a saved state instead of the game's
                start: a blob of :meth:`save_state` (console and game counters) or of
                ``nes_core.NES.save_state`` (the console; the game's counters start from its
                RAM). No no-op steps are run after a given state.

        Returns:
            ``(observation, info)``; the observation as ``observation_space`` says (by default
            ``(240, 256, 3)`` ``uint8``).

        Raises:
            ValueError: an option key not in :attr:`reset_options` (checked before anything
                changes).
            nes_core.StateError, ValueError: a ``state`` that is not a valid state of this ROM
                (the env is left as it was).
        """
        check_reset_options(options, self.reset_options)
        state = options.get("state") if options is not None else None
        if state is not None:
            self._check_given_state(state)
        super().reset(seed=seed)
        self._select_game(seed, options)
        self._start_state = self._start_for(self.game)
        given_counters = False
        if state is not None and _is_env_state(state):
            self.load_state(state)  # checks everything before it changes anything
            given_counters = True
        elif state is not None:
            self.nes.load_state(bytes(state))
        else:
            self.nes.load_state(self._start_state)
        if options is not None and options.get("battery_ram") is not None:
            data = np.frombuffer(bytes(options["battery_ram"]), dtype=np.uint8)
            target = self.battery_ram
            n = min(target.size, data.size)
            target[:n] = data[:n]
        self._audio = _NO_AUDIO
        ram = self.nes.ram
        if not given_counters:
            self.game.reset(ram)
        self._last_buttons = (0, 0)
        self._episode_frames = 0
        if self.noop_max and state is None:
            self._noop_start()
        if self._stack is not None:
            self._observe(self._stack.newest[0])  # the start picture in this env's palette
            self._stack.fill([0])
            obs = self._stack.read()[0]
        else:
            obs = self._observe()
        if self.render_mode == "human":
            self._show(self.nes.screen)
        self._has_reset = True
        return obs, self.game.info(ram)

    # --- step -----------------------------------------------------------------------------------
    def step(self, action) -> Tuple[np.ndarray, float, bool, bool, Dict[str, Any]]:
        """Run ``frameskip`` frames (default one) with ``action``'s buttons held.

        Args:
            action: an int in ``0..n-1`` (``n`` = ``action_space.n``: with the full action set
                the controller byte itself); with ``players=2`` a pair of such ints (array-like
                ``(2,)``), controller 1's then controller 2's.

        Returns:
            ``(observation, reward, terminated, truncated, info)``: the observation as
            ``observation_space`` says (owned by the caller), reward: each frame's reward
            clipped to the game's range, summed over the step's frames; truncated: the episode
            reached ``max_num_frames_per_episode`` frames, or the game spec's ``truncated``
            condition held after the step's last frame (other time limits are wrappers).

        Raises:
            gymnasium.error.ResetNeeded: no ``reset`` (or :meth:`load_state`) yet.
            ValueError: ``action`` is not an action of ``action_space``.
        """
        if not self._has_reset:
            raise gym.error.ResetNeeded("Cannot call env.step() before calling env.reset()")
        pads = self._pads(action)
        reward, terminated, info = self._run_frames(pads)
        if self._stack is not None:
            self._observe(self._stack.advance()[0])
            obs = self._stack.read()[0]
        else:
            obs = self._observe()
        if self.render_mode == "human":
            self._show(self.nes.screen, self._audio)
        limit = self.max_num_frames_per_episode
        truncated = not terminated and (bool(self.game.last_truncated) or (
            limit is not None and self._episode_frames >= limit))  # a spec's condition or ALE's limit
        return obs, reward, bool(terminated), truncated, info

    def _pads(self, action) -> Tuple[int, int]:
        """The controller bytes ``(pad 1, pad 2)`` of a step's ``action``.

        Raises:
            ValueError: not an action of ``action_space``.
        """
        table, n = self._action_table, len(self._action_table)
        if self.players == 1:
            try:
                index = int(action)
            except (TypeError, ValueError):
                index = -1
            if not 0 <= index < n or index != action:
                raise ValueError(f"action must be an int in 0..{n - 1}, got {action!r}")
            return int(table[index]), 0
        a = np.asarray(action)
        if a.shape != (2,) or a.dtype.kind not in "iu" or a.min() < 0 or a.max() >= n:
            raise ValueError(
                f"action must be a pair of ints in 0..{n - 1} (controller 1, controller 2) with "
                f"players=2, got {action!r}")
        return int(table[a[0]]), int(table[a[1]])

    def _check_given_state(self, state: Any) -> None:
        """Load ``reset(options={"state": ...})``'s blob once and put everything back: a blob
        that cannot start an episode (invalid, another ROM, no picture for a picture
        observation) raises before the env changes."""
        if not isinstance(state, (bytes, bytearray, memoryview)):
            raise TypeError(f"options['state'] must be bytes, not {type(state).__name__}")
        keep, counters, has_reset = self.nes.save_state(screen=True), self.game.get_state(), self._has_reset
        env_counters = self._episode_frames, self._last_buttons
        try:
            if _is_env_state(state):
                self.load_state(state)
            else:
                self.nes.load_state(bytes(state))
            if self._obs_format is not None and not self.nes.screen_valid:
                raise StateError(
                    "options['state'] holds no picture, and the first observation is one: save "
                    "it with save_state(screen=True)"
                )
        finally:
            self.nes.load_state(keep)
            self.game.set_state(counters)
            self._episode_frames, self._last_buttons = env_counters
            self._has_reset = has_reset

    def _run_frames(self, buttons: Tuple[int, int], sticky: bool = True
                    ) -> Tuple[float, bool, Dict[str, Any]]:
        """Run the step's frames (frameskip, sticky actions) with the pads ``buttons`` held;
        keep the frame before the last for pooling. Returns the summed clipped reward,
        termination and the last info.

        A game whose rules are its spec's (:func:`rules_in_c`) runs the whole step in one C
        call, the vector env's (``NESPool.run(frameskip=...)``); one with Python hooks, or with
        the sound on (each frame's samples), runs frame by frame here with the same results."""
        if rules_in_c(self.game) and not self.nes.audio_enabled:
            return self._run_frames_c(buttons, sticky)
        nes, game = self.nes, self.game
        low, high = self._frame_reward_range
        total, terminated, blocks = 0.0, False, []
        self._pool_with = None
        p = self.repeat_action_probability if sticky else 0.0
        for f in range(self.frameskip):
            pads = buttons
            if p and self.players == 1:
                if self.np_random.random() < p:
                    pads = self._last_buttons
            elif p:  # one draw per controller and frame (ALE draws per player)
                keep = self.np_random.random(2) < p
                pads = tuple(last if k else new for last, new, k in
                             zip(self._last_buttons, buttons, keep))
            self._last_buttons = pads
            if f == self.frameskip - 1 and f and self._pooled:
                self._pool_with = nes.capture(self._obs_format)
            nes.step(1, pads[0], pads[1])
            self._episode_frames += 1
            ram = nes.ram
            reward, terminated = game.step(ram)
            if terminated or f == self.frameskip - 1:  # the step's last frame gives the info,
                info = game.info(ram)  # read before after_step's RAM writes and skipped frames
            if nes.audio_enabled:
                blocks.append(nes.audio)
                game.after_step(_AudioTap(nes, blocks), terminated)
            else:
                game.after_step(nes, terminated)
            total += float(min(max(reward, low), high))
            if terminated:
                if f < self.frameskip - 1:
                    self._pool_with = None
                break
        if blocks:
            self._audio = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
        return total, bool(terminated), info

    def _run_frames_c(self, buttons: Tuple[int, int], sticky: bool
                      ) -> Tuple[float, bool, Dict[str, Any]]:
        """:meth:`_run_frames` in one ``NESPool.run`` call. The sticky draws are those of the
        frame loop: ``players`` uniforms a frame for the frames that run (drawn for all
        ``frameskip`` frames, then the generator is put back to where it would be when the
        step ended early)."""
        nes, game, k = self.nes, self.game, self.frameskip
        spec = game.spec is not None
        a = self._frame_pool
        if a is None:
            from nes_core import NESPool

            fmt = self._obs_format if self._obs_format is not None else ObsFormat("grayscale", (1, 1))
            pool = NESPool([nes], 1, obs_format=fmt)
            a = self._frame_pool = {
                "pool": pool, "game": None, "b1": np.zeros(1, np.uint8), "b2": np.zeros(1, np.uint8),
                "last": np.zeros((1, 2), np.uint8), "sticky": np.zeros((1, k), np.uint8),
                "ran": np.zeros(1, np.intc), "ops": np.ones(1, np.uint8),
                "rewards": np.zeros(1), "flags": np.zeros(1, np.uint8),
                "capture": (np.zeros((1,) + pool.capture_shape, np.uint8)
                            if self._pooled and k > 1 else None),
                "draw": frames_to_draw(self.obs_type, k),
            }
        pool = a["pool"]
        rules = {}
        if spec:
            if a["game"] is not game:  # a new game module (random stages): its table, its counters
                pool.set_rules(game.rules.table, game._rule_states)
                a["game"] = game
                a["info"] = np.zeros((game.rules.table.ninfo, 1), np.int64)
                a["rules"] = {"rule_ops": a["ops"], "rewards": a["rewards"], "flags": a["flags"],
                              "info": a["info"]}
            rules = a["rules"]
        a["b1"][0], a["b2"][0] = buttons
        a["last"][0] = self._last_buttons
        p = self.repeat_action_probability if sticky else 0.0
        keep = None
        if p:
            bits = self.np_random.bit_generator
            before = bits.state
            draws = self.np_random.random((k, self.players)) < p  # the loop's draws, in order
            keep = a["sticky"]
            keep[0] = draws[:, 0] if self.players == 1 else draws[:, 0] | (draws[:, 1] << 1)
        pool.run(a["b1"], 1, None, None, None, a["b2"], capture=a["capture"],
                 frameskip=k, sticky=keep, last_pads=a["last"], reward_range=self._frame_reward_range,
                 draw=a["draw"], frames_run=a["ran"], **rules)
        ran = int(a["ran"][0])
        if p and ran < k:  # the loop would have drawn for the frames that ran only
            bits.state = before
            self.np_random.random((ran, self.players))
        self._last_buttons = (int(a["last"][0, 0]), int(a["last"][0, 1]))
        self._episode_frames += ran
        self._pool_with = a["capture"][0] if a["capture"] is not None and ran == k else None
        if not spec:
            return 0.0, False, game.info(nes.ram)
        flags = int(a["flags"][0])
        if flags & 4:
            what = game.rules.compiled.skip_names[game._rule_states.rule(0)]
            raise RuntimeError(
                f"{game.name}: still in {what} after {game.spec.frame_limit} frames; "
                "the emulator does not run the game as expected"
            )
        game.last_truncated = bool(flags & 2)
        return float(a["rewards"][0]), bool(flags & 1), game.rules.info_dict(a["info"][:, 0].tolist(), game._rule_states, 0)

    def _noop_start(self) -> None:
        """1..noop_max no-op steps (without sticky actions); an episode that ends meanwhile
        starts again from the start state."""
        for _ in range(100):
            noops = int(self.np_random.integers(1, self.noop_max + 1))
            for _ in range(noops):
                _, terminated, _ = self._run_frames((0, 0), sticky=False)
                if terminated:
                    break
            else:
                return
            self.nes.load_state(self._start_state)
            self.game.reset(self.nes.ram)
            self._episode_frames = 0
        raise RuntimeError(f"every no-op start of up to {self.noop_max} steps ended the episode")

    def _observe(self, out: Optional[np.ndarray] = None) -> np.ndarray:
        """The observation of the current frame: a new array the caller owns, or written into
        ``out`` (a frame stack's slot)."""
        if self._obs_format is None:
            if out is None:
                return self.nes.ram.copy()
            out[...] = self.nes.ram
            return out
        pool_with, self._pool_with = self._pool_with, None
        return self.nes.observe(self._obs_format, out=out, pool_with=pool_with)

    # --- rendering ------------------------------------------------------------------------------
    def render(self) -> Optional[np.ndarray]:
        """Render the current frame.

        Returns:
            For ``"rgb_array"``: a copy of the frame, shape ``(240, 256, 3)``, ``uint8``.
            For ``"human"``: None (the frame is shown in a window at ``render_fps``).
            For None: None.
        """
        if self.render_mode == "rgb_array":
            return self.nes.screen.copy()
        if self.render_mode == "human":
            self._show(self.nes.screen)
        return None

    def _show(self, frame: np.ndarray, audio: Optional[np.ndarray] = None) -> None:
        if self._viewer is None:
            from ._viewer import ImageViewer

            caption = self.spec.id if self.spec is not None else os.path.basename(self.rom_path)
            self._viewer = ImageViewer(caption, SCREEN_WIDTH, SCREEN_HEIGHT)
            if self.nes.audio_enabled:
                from .audio import AudioSink

                self._sink = AudioSink(self.nes.sample_rate)
        self._viewer.events()
        self._viewer.show(frame)
        sink = self._sink
        if sink is not None and sink.enabled:
            # the audio clock paces the loop: a 60 fps video clock would drift against the
            # console's 60.0988 frames of sound per second and run the queue dry
            if audio is not None:
                sink.play(audio)
            sink.wait()
        else:
            self._viewer.tick(self.metadata["render_fps"])

    def close(self) -> None:
        """Close the window and the sound output, if any (idempotent)."""
        if self._frame_pool is not None:
            self._frame_pool["pool"].close()
            self._frame_pool = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        if self._viewer is not None:
            self._viewer.close()
            self._viewer = None

    # --- keyboard / action meanings -------------------------------------------------------------
    def get_keys_to_action(self) -> Dict[Tuple[int, ...], Any]:
        """Return ``{sorted pygame key tuple: action}`` for the keyboard (controller 1).

        Arrows = d-pad, X = A, Z = B, Enter = Start, Space = Select. With the full action set
        the 255 non-empty combinations; with the minimal set the combinations of its actions
        (the first action of a byte). No keys is ``play()``'s ``noop`` (0),
        as ``gymnasium.utils.play.play`` refuses an empty key tuple. With ``players=2`` the
        values are pairs, controller 2 doing action 0.
        """
        index = {}
        for i, byte in enumerate(self._action_table):
            index.setdefault(int(byte), i)
        mapping = {keys: index[byte] for keys, byte in _actions.keys_to_action().items()
                   if byte in index}
        if self.players == 2:
            return {keys: (a, 0) for keys, a in mapping.items()}
        return mapping

    def get_action_meanings(self) -> List[str]:
        """Return the button names of each action of one controller (``"NOOP"``, ``"A"``,
        ``"right A"``, ...): 256 with the full action set, else the minimal set's."""
        return list(self._action_meanings)

    # --- pickling -------------------------------------------------------------------------------
    def __getstate__(self) -> Dict[str, Any]:
        """State for pickle, cloudpickle and ``copy.deepcopy``: everything but the window and the
        sound output (reopened by the next frame shown). The console pickles as its ROM image
        plus a save state with the picture (``nes_core.NES.__reduce__``), the game module and
        ``np_random`` as themselves, so a copy continues exactly as the original would."""
        state = self.__dict__.copy()
        state["_viewer"] = None
        state["_sink"] = None
        state["_frame_pool"] = None  # threads and buffers: built again on the next step
        return state

    # --- save states ----------------------------------------------------------------------------
    def save_state(self, screen: bool = False) -> bytes:
        """Return the console state plus the game module's counters, as one blob.

        Args:
            screen: also keep the picture, so that ``render()`` works right after
                :meth:`load_state` (see ``nes_core.NES.save_state``); without it the next
                ``step`` draws the next observation as usual. With ``frame_timing="nes-py"``
                the picture is always kept: a step ends inside the next frame's picture, so
                its observation holds lines drawn before the state was saved.

        The blob also holds the frames run in this episode (``max_num_frames_per_episode``)
        and the buttons held last (sticky actions); not the frame stack, which
        ``load_state`` does not change (as ALE's ``cloneState`` and Gymnasium's
        ``FrameStackObservation``: the stack is the agent's history, not the console's).
        """
        counters = json.dumps({
            "game": self.game.get_state(),
            # ALE's episode frame number and the sticky action: a loaded state goes on as the
            # saved env would have (truncation at max_num_frames_per_episode, the kept buttons)
            "env": {"episode_frames": self._episode_frames,
                    "last_buttons": list(self._last_buttons)},
        }, sort_keys=True).encode()
        keep = screen or self.nes.frame_grid is not None
        blob = self.nes.save_state(screen=keep)
        return _STATE_MAGIC + struct.pack("<I", len(counters)) + counters + blob

    def load_state(self, data: bytes) -> None:
        """Restore a blob from :meth:`save_state`.

        Raises:
            ValueError: ``data`` is not an env save state.
            nes_core.StateError: the console part is invalid or from another ROM.
        """
        counters, console = split_state(data)
        try:
            env_counters = counters["env"]
            episode_frames = int(env_counters["episode_frames"])
            last_buttons = tuple(int(b) & 0xFF for b in env_counters["last_buttons"])
            if episode_frames < 0 or len(last_buttons) != 2:
                raise ValueError(f"bad env counters {env_counters!r}")
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"corrupt nesenv save state: {exc}") from None
        try:
            self.nes.load_state(console)
        except StateError as exc:
            raise StateError(
                f"env save state of {len(data)} bytes: its console part "
                f"({len(console)} bytes) was refused: {exc}"
            ) from None
        self.game.set_state(counters["game"])
        self._episode_frames, self._last_buttons = episode_frames, last_buttons
        self._has_reset = True  # a whole episode state: stepping on from it is fine
