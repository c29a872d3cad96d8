"""Native vector envs: N consoles stepped at once by a C thread pool with the GIL released.

``gym.make_vec("SuperMarioBros-1-1-v0", num_envs=8, vectorization_mode="vector_entry_point")``
returns a :class:`SuperMarioBrosVectorEnv` (``SuperMarioBrosRandomStages-v*``: a
:class:`SuperMarioBrosRandomStagesVectorEnv`, each env drawing its own stages);
:class:`NESVectorEnv` plays any ROM (generic: reward 0, never terminates, empty info). One
``step`` does, for all N envs:

1. maps the actions to controller bytes (one table lookup for all envs);
2. restores the start state of the envs whose episode ended on the previous step (autoreset);
3. runs one frame on every other console, then, for a game with a spec (``game.spec``,
   :mod:`games.spec`), evaluates its compiled rules (reward, termination, info, and the skip
   rules with their frames: death animation, pipes, flagpole...), renders every frame into one
   preallocated ``(N, H, W[, 3])`` ``uint8`` array and copies every CPU RAM into one
   ``(N, 2048)`` array, on ``num_threads`` threads in C (``nes_core.NESPool``), without the GIL
   and with no Python per env;
4. a game without a spec, or one that overrides the hooks of :class:`games.base.Game`, runs
   its Python hooks env by env instead (the general path: a few microseconds per hook call
   and env, and ``after_step``'s frames one ``NES.step`` at a time, then drawn again).

The results equal those of N :class:`nesenv.env.NESEnv` stepped one by one with the same actions
under :class:`gymnasium.vector.SyncVectorEnv`: the same observations, rewards, terminations,
truncations, infos (same keys, dtypes and ``_key`` masks) and autoreset behaviour
(``AutoresetMode.NEXT_STEP``, as Gymnasium's built-in vector envs: the step after an episode
ends ignores that env's action, resets it and returns its first observation with reward 0).

Observation options that shrink the per-step copy: ``grayscale=True`` (one luma byte per pixel,
``(77 R + 150 G + 29 B + 128) >> 8``) and ``downscale=k`` (k in 1, 2, 4, 8, 16; the rounded mean
of each ``k x k`` block), computed in the pool threads; :func:`reduce_observation` is the NumPy
reference of both.
"""
import copy as _copy
import hashlib
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from games import Game, SuperMarioBros
from games.spec import RewardInfo

from .actions import action_set, buttons_to_byte, byte_to_buttons, check_players
from .env import (FrameStack, check_max_frames, check_reset_options, check_time_options,
                  frame_grid, frames_to_draw, observation_format, rules_in_c, set_frame_timing,
                  stacked_space)
from .smb import ALL_STAGES, ROM_MODES, draw_stage, game_and_rom, parse_stages, rom_for

PathLike = Union[str, "os.PathLike[str]"]

RAM_SIZE = 2048

# start states of this process: (ROM SHA-1, game.start_key) -> console state after game.start
_START_CACHE: Dict[Tuple[str, Any], bytes] = {}


def reduce_observation(rgb: np.ndarray, grayscale: bool = False, downscale: int = 1) -> np.ndarray:
    """NumPy reference of the pool's observation formats.

    Args:
        rgb: frames, shape ``(..., 240, 256, 3)``, ``uint8``.
        grayscale: convert to luma ``(77 R + 150 G + 29 B + 128) >> 8`` (drops the last axis).
        downscale: 1, 2, 4, 8 or 16: the mean of each ``downscale x downscale`` block, rounded
            half up, taken after the luma conversion.

    Returns:
        ``uint8`` array of shape ``(..., 240 // downscale, 256 // downscale[, 3])``.
    """
    if downscale not in (1, 2, 4, 8, 16):
        raise ValueError(f"downscale must be 1, 2, 4, 8 or 16, got {downscale}")
    x = np.asarray(rgb)
    if grayscale:
        x = (x.astype(np.uint32) @ np.array([77, 150, 29], np.uint32) + 128) >> 8
    if downscale == 1:
        return x.astype(np.uint8)
    k = downscale
    h, w = x.shape[-3:-1] if not grayscale else x.shape[-2:]
    lead = x.shape[: -3 if not grayscale else -2]
    tail = x.shape[-1:] if not grayscale else ()
    blocks = x.astype(np.uint32).reshape(lead + (h // k, k, w // k, k) + tail)
    axes = (len(lead) + 1, len(lead) + 3)
    return ((blocks.sum(axis=axes) + k * k // 2) // (k * k)).astype(np.uint8)


def _default_threads(num_envs: int) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(num_envs, cores))


# --- per-batch game logic --------------------------------------------------------------------------
class _BatchGame:
    """Reward, termination and info of N envs from their stacked RAM (the generic game).

    ``ram`` arguments are ``(N, 2048)`` ``uint8`` arrays, masks ``(N,)`` bools.
    """

    def __init__(self, games: List[Game], consoles: list):
        self.games = games
        self.consoles = consoles
        self.n = len(games)
        self.num_envs = self.n  # for VectorEnv._add_info
        # the env passes this very array as the stepping mask of a step where every env runs
        self.all_true = np.ones(self.n, dtype=bool)
        self.all_true.flags.writeable = False

    #: the spec's truncation of the last step's envs (bool (N,)), or None
    truncated: Optional[np.ndarray] = None

    def reset_args(self, mask: np.ndarray) -> Dict[str, Any]:
        """Extra keyword arguments of the pool's ``run`` of a reset of the envs in ``mask``."""
        return {}

    def step_args(self, stepping: np.ndarray, resetting: np.ndarray) -> Dict[str, Any]:
        """Extra keyword arguments of the pool's ``run`` of a frame of the envs in ``stepping``
        (``resetting``: the envs restarted this step)."""
        return {}

    def reset(self, ram: np.ndarray, mask: np.ndarray) -> Dict[str, Any]:
        """Start the episodes of the envs in ``mask``; return their infos."""
        return {}

    def info(self, ram: np.ndarray, mask: np.ndarray) -> Dict[str, Any]:
        """The infos of the envs in ``mask`` (their counters unchanged)."""
        return {}

    def step(self, ram: np.ndarray, stepping: np.ndarray, frozen: Optional[np.ndarray] = None
             ) -> Tuple[np.ndarray, np.ndarray, Dict[str, Any], np.ndarray]:
        """Account for one frame of the envs in ``stepping``; the others were just reset, except
        those in ``frozen`` (their episode ended earlier in a frame-skipped step: no frame ran,
        their counters stay).

        Returns:
            ``(reward float64 (N,), terminated bool (N,), infos of all envs, after)``: reward
            0 and terminated False for the reset envs; ``after`` masks the stepped envs whose
            game module's ``after_step`` may do something.
        """
        zeros = np.zeros(self.n, dtype=bool)
        return np.zeros(self.n), zeros, {}, zeros


class _LoopBatchGame(_BatchGame):
    """Any game module: its hooks called env by env on the live RAM (the slow, general path)."""

    # Gymnasium's merge, which recurses into dict values (e.g. SMB3's reward_components) as
    # self._add_info
    _add_info = VectorEnv._add_info

    def _infos(self, indices) -> Dict[str, Any]:
        infos: Dict[str, Any] = {}
        for i in indices:  # Gymnasium's own merge (it reads only self.num_envs)
            infos = self._add_info(infos, self.games[i].info(self.consoles[i].ram), int(i))
        return infos

    def reset(self, ram, mask):
        idx = np.flatnonzero(mask)
        for i in idx:
            self.games[i].reset(self.consoles[i].ram)
        return self._infos(idx)

    def info(self, ram, mask):
        return self._infos(np.flatnonzero(mask))

    def step(self, ram, stepping, frozen=None):
        reward, terminated = np.zeros(self.n), np.zeros(self.n, dtype=bool)
        for i in range(self.n):
            live = self.consoles[i].ram
            if stepping[i]:
                r, t = self.games[i].step(live)
                reward[i], terminated[i] = r, bool(t)
            elif frozen is None or not frozen[i]:
                self.games[i].reset(live)
        return reward, terminated, self._infos(range(self.n)), stepping.copy()


class _SpecBatchGame(_BatchGame):
    """A spec game (``game.spec``, no hooks of its own): the pool's threads evaluate its
    compiled rules in C after each console's frames (reward, termination, info, skip rules with
    their frames), so a step has no Python per env; this class only hands the pool its output
    arrays and wraps the infos."""

    STEP, RESET, INFO = 1, 2, 3

    def __init__(self, games, consoles, pool):
        from nes_core import RuleStates

        super().__init__(games, consoles)
        self.name = games[0].name
        self.rules = games[0].rules
        self.pool = pool
        self.states = RuleStates(self.n)
        pool.set_rules(self.rules.table, self.states)
        self.ops = np.zeros(self.n, dtype=np.uint8)
        self.rewards = np.zeros(self.n, dtype=np.float64)
        self.flags = np.zeros(self.n, dtype=np.uint8)
        self.ninfo = self.rules.table.ninfo
        self.values = np.zeros((self.ninfo, self.n), dtype=np.int64)
        self.nothing = np.zeros(self.n, dtype=bool)
        self.nothing.flags.writeable = False
        # each console's last reward and reward components, for infos that show them
        self.parts = (np.zeros((1 + self.rules.ncomponents, self.n)) if any(
            isinstance(e, RewardInfo) for e in self.rules.compiled.info_entries) else None)
        # per-step setup kept out of the usual step: the pool's keyword arguments, whether ops
        # holds STEP for every env already, the flags of a step where no episode ends
        self._kwargs = {"rule_ops": self.ops, "rewards": self.rewards, "flags": self.flags,
                        "info": self.values}
        self._ops_all_step = False
        self._no_flags = bytes(self.n)

    def _infos(self, mask, full=None):
        parts = self.parts
        if parts is not None:
            self.states.reward_parts(self.rules.ncomponents, parts)
        return self.rules.info_arrays(self.values, mask, full, parts)

    @staticmethod
    def applies_to(game: Game) -> bool:
        """True for a game with a spec whose class keeps Game's spec-evaluating hooks."""
        return game.spec is not None and rules_in_c(game)

    def _args(self) -> Dict[str, Any]:
        # the infos' arrays are views of this one: a new one each call
        self.values = self._kwargs["info"] = np.empty((self.ninfo, self.n), dtype=np.int64)
        return self._kwargs

    def reset_args(self, mask: np.ndarray) -> Dict[str, Any]:
        self.ops[:] = np.where(mask, self.RESET, 0)
        self._ops_all_step = False
        return self._args()

    def step_args(self, stepping: np.ndarray, resetting: np.ndarray) -> Dict[str, Any]:
        if stepping is self.all_true or stepping is None or stepping.all():
            if not self._ops_all_step:
                self.ops.fill(self.STEP)
                self._ops_all_step = True
        else:
            self.ops[:] = np.where(stepping, self.STEP, np.where(resetting, self.RESET, self.INFO))
            self._ops_all_step = False
        return self._args()

    def info(self, ram, mask):
        # the rules' info values of the envs in mask, counters unchanged (op 3, no frame)
        self.ops[:] = np.where(mask, self.INFO, 0)
        self._ops_all_step = False
        self.pool.run(None, 0, None, None, np.flatnonzero(mask), **self._args())
        return self._infos(mask)

    def reset(self, ram, mask):
        return self._infos(mask)

    def step(self, ram, stepping, frozen=None):
        flags = self.flags
        infos = self._infos(self.all_true, True)
        if flags.tobytes() == self._no_flags:  # the usual step: no episode ends (a memcmp)
            self.truncated = None
            return self.rewards.copy(), self.nothing, infos, self.nothing
        if (flags & 4).any():
            envs = np.flatnonzero(flags & 4).tolist()
            raise RuntimeError(
                f"{self.name}: envs {envs} still in a skipped state after "
                f"{self.rules.spec.frame_limit} frames; the emulator does not run the game as "
                "expected"
            )
        self.truncated = (flags & 2) != 0
        return self.rewards.copy(), (flags & 1) != 0, infos, self.nothing


def _batch_game(games: List[Game], consoles: list, pool) -> _BatchGame:
    game = games[0]
    if _SpecBatchGame.applies_to(game):
        return _SpecBatchGame(games, consoles, pool)
    if type(game) is Game:
        return _BatchGame(games, consoles)
    return _LoopBatchGame(games, consoles)


# --- the vector env ------------------------------------------------------------------------------
class NESVectorEnv(VectorEnv):
    """N copies of one NES game stepped in parallel by a C thread pool.

    Observations: ``Box(0, 255, (N, H, W, 3), uint8)`` (``H, W = 240, 256`` unless ``shape``
    says otherwise); ``(N, H, W)`` with ``obs_type="grayscale"``; ``(N, 2048)`` with
    ``obs_type="ram"``. Actions: ``MultiDiscrete`` of the controller
    byte per env (``Discrete(256)`` each), or of indices into ``actions`` or the game's minimal
    set (``full_action_space=False``); with ``players=2`` a pair per env, ``(N, 2)``. Rewards ``float64``
    ``(N,)``, clipped to the game's ``reward_range``; terminations / truncations ``bool (N,)``;
    infos: the game's info keys as arrays with ``_key`` masks, as :class:`SyncVectorEnv` builds.
    Autoreset: ``AutoresetMode.NEXT_STEP``.

    Args:
        num_envs: number of consoles N (>= 1).
        rom_path: path to an iNES ``.nes`` file.
        game: a game module instance (copied for each env), or None for the generic game
            (reward 0, never terminates, empty info).
        render_mode: None or ``"rgb_array"`` (``render()`` returns N RGB frames).
        max_episode_steps: truncate episodes after this many steps (None: never).
        num_threads: threads stepping consoles, counting the caller; default
            ``min(num_envs, usable cores)``.
        obs_type: ``"rgb"`` (default), ``"grayscale"``, ``"tiles"`` or ``"ram"``, as for
            :class:`nesenv.env.NESEnv`; computed by the pool threads in C.
        shape: ``(height, width)`` of picture observations (area averaging), e.g. ``(84, 84)``;
            None for 240 x 256.
        grayscale, downscale: shorthand for ``obs_type="grayscale"`` and
            ``shape=(240 // downscale, 256 // downscale)`` (downscale 1, 2, 4, 8 or 16).
        frameskip, repeat_action_probability: as for :class:`nesenv.env.NESEnv` (summed
            clipped rewards, early end, pooling of the last two frames, sticky actions), run by
            the pool; the sticky draws come from this env's ``np_random`` (deterministic per
            seed, not the draws of N single envs).
        noop_max: random no-op starts as for :class:`nesenv.env.NESEnv`, on every reset and
            autoreset of each env (not after a given ``states`` entry). Env ``i`` draws its
            counts from a generator of its own that ``reset(seed=S)`` seeds with ``S + i`` (a
            list: its entries), as :class:`gymnasium.vector.SyncVectorEnv` seeds single envs:
            without sticky actions the no-ops are those of N single envs.
        full_action_space, players, max_num_frames_per_episode: as for
            :class:`nesenv.env.NESEnv`: all 256 bytes or the game's minimal set (not together
            with ``actions``); one action per controller, ``MultiDiscrete`` ``(N, 2)``; the
            frame limit of an episode (``truncated``; no-op frames count).
        stack: observations stack the last ``stack`` observations of each env, as the single
            env does (a ring per env; an autoreset env's stack restarts with its reset
            observation).
        actions: list of button-name lists (as :class:`nesenv.wrappers.JoypadSpace`, e.g.
            :data:`nesenv.actions.SIMPLE_MOVEMENT`) to act with their indices instead of bytes.
        copy: True (like SyncVectorEnv): each call returns a new observation array, which the
            pool threads fill directly (no extra copy); False: the env's one preallocated
            array, overwritten by the next call (no allocation).
        spin_us: how long the pool threads poll for the next step before sleeping (None: the
            pool's default, 2000 µs; 0 sleeps at once, using the least CPU between steps).
        palette: the RGB palette of observations (grey ones included: their luma is that of
            the palette's colours): ``"nes-py"`` (default), ``"ntsc"``, a ``.pal`` file path
            or a (64, 3) / (512, 3) ``uint8`` array (see ``nes_core.load_palette``).
        frame_timing: ``"vblank"`` or ``"nes-py"``: where a step ends, as for
            :class:`nesenv.env.NESEnv`.

    Raises:
        FileNotFoundError: ``rom_path`` does not exist.
        nes_core.RomError: not a ROM the core runs.
        ValueError: bad ``num_envs``, ``num_threads``, ``obs_type``, ``shape``, ``downscale``
            (or a shorthand given with the option it stands for), ``render_mode``,
            ``actions`` (or ``actions`` with ``full_action_space=False``), ``frame_timing``,
            ``players``, a time option or ``palette`` (TypeError for a palette of the wrong
            type, or a ``full_action_space`` that is not a bool).

    Attributes:
        consoles: the ``nes_core.NES`` objects, one per env.
        games: the game module instances, one per env.
        pool: the ``nes_core.NESPool`` stepping them.
    """

    metadata = {
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": ["rgb_array"],
        "render_fps": 60,
    }
    #: the keys ``reset(options=...)`` accepts
    reset_options = frozenset({"reset_mask", "states"})

    def __init__(
        self,
        num_envs: int = 1,
        rom_path: Optional[PathLike] = None,
        game: Optional[Game] = None,
        *,
        render_mode: Optional[str] = None,
        max_episode_steps: Optional[int] = None,
        num_threads: Optional[int] = None,
        grayscale: bool = False,
        downscale: int = 1,
        actions: Optional[Sequence[Sequence[str]]] = None,
        copy: bool = True,
        spin_us: Optional[int] = None,
        palette: Any = "nes-py",
        frame_timing: str = "vblank",
        obs_type: Optional[str] = None,
        shape: Optional[Tuple[int, int]] = None,
        frameskip: int = 1,
        repeat_action_probability: float = 0.0,
        noop_max: int = 0,
        stack: int = 1,
        full_action_space: bool = True,
        players: int = 1,
        max_num_frames_per_episode: Optional[int] = None,
    ):
        from nes_core import NES, NESPool, ObsFormat

        self.frameskip, self.repeat_action_probability, self.noop_max = check_time_options(
            frameskip, repeat_action_probability, noop_max)
        self.players = check_players(players)
        self.max_num_frames_per_episode = check_max_frames(max_num_frames_per_episode)
        if not isinstance(full_action_space, (bool, np.bool_)):
            raise TypeError(f"full_action_space must be a bool, got {full_action_space!r}")
        if actions is not None and not full_action_space:
            raise ValueError("give actions or full_action_space=False (the game's minimal set), "
                             "not both")

        frame_grid(frame_timing)  # refuses an unknown name before anything is built
        if obs_type is None:
            obs_type = "grayscale" if grayscale else "rgb"
        elif grayscale:
            raise ValueError("give obs_type or grayscale=True, not both")
        if downscale != 1:
            if shape is not None:
                raise ValueError("give shape or downscale, not both")
            if downscale not in (1, 2, 4, 8, 16) or isinstance(downscale, (bool, float)):
                raise ValueError(f"downscale must be 1, 2, 4, 8 or 16, got {downscale!r}")
            shape = (240 // downscale, 256 // downscale)
        obs_format, frame_space = observation_format(obs_type, shape)
        self.single_observation_space = stacked_space(frame_space, stack)
        self.obs_type = obs_type

        if not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        if rom_path is None:
            raise ValueError("rom_path is required: the path of an iNES .nes file")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, "
                f"got {render_mode!r}"
            )
        if max_episode_steps is not None and (
            not isinstance(max_episode_steps, (int, np.integer)) or max_episode_steps < 1
        ):
            raise ValueError(f"max_episode_steps must be an int >= 1 or None, got {max_episode_steps!r}")
        if num_threads is not None and (
            not isinstance(num_threads, (int, np.integer)) or num_threads < 1
        ):
            raise ValueError(f"num_threads must be an int >= 1 or None, got {num_threads!r}")
        self.num_envs = int(num_envs)
        self.render_mode = render_mode
        self.max_episode_steps = max_episode_steps
        self.copy = bool(copy)
        self.rom_path = os.fspath(rom_path)
        with open(self.rom_path, "rb") as fh:
            rom = fh.read()
        self._rom_sha1 = hashlib.sha1(rom).hexdigest()
        base_game = game if game is not None else Game()
        self.games = [_copy.deepcopy(base_game) for _ in range(self.num_envs)]
        self.consoles = [NES(rom) for _ in range(self.num_envs)]
        for console in self.consoles:
            set_frame_timing(console, frame_timing, base_game)
        self.frame_timing = frame_timing
        self._frame_reward_range = tuple(base_game.reward_range)
        low, high = self._frame_reward_range
        self.reward_range = (low * self.frameskip, high * self.frameskip)
        self._start_state = self._start_for(self.games[0], self.consoles[0])
        if num_threads is None:
            num_threads = _default_threads(self.num_envs)
        self._ram_obs = obs_format is None
        self.pool = NESPool(self.consoles, num_threads, spin_us=spin_us, palette=palette,
                            obs_format=obs_format if obs_format is not None else ObsFormat())
        self._batch = _batch_game(self.games, self.consoles, self.pool)

        self.full_action_space = bool(full_action_space)
        if actions is None:
            self._action_lut, self._action_meanings = action_set(
                full_action_space, base_game.minimal_actions)
        else:
            if len(actions) == 0:
                raise ValueError("actions must list at least one button combination")
            self._action_lut = np.array([buttons_to_byte(b) for b in actions], dtype=np.uint8)
            self._action_meanings = [" ".join(byte_to_buttons(int(b))) for b in self._action_lut]
        self._observation_space: Optional[gym.Space] = None  # built on first use (see below)
        a = len(self._action_lut)
        self.single_action_space = (gym.spaces.Discrete(a) if self.players == 1
                                    else gym.spaces.MultiDiscrete([a, a]))
        self.action_space = batch_space(self.single_action_space, self.num_envs)

        n = self.num_envs
        self._obs = np.zeros((n,) + frame_space.shape, dtype=np.uint8)  # the pool's output
        self._stack = FrameStack(int(stack), n, frame_space.shape) if stack > 1 else None
        self._ram = np.zeros((n, RAM_SIZE), dtype=np.uint8)
        # each console's last frame's buttons, per controller (sticky actions repeat them)
        self._last_pads = np.zeros((n, 2), dtype=np.uint8)
        self._frames = np.zeros(n, dtype=np.int64)  # frames run in each env's episode
        # each env's no-op generator, and the frame before a no-op start's last (pooling)
        self._noop_rngs = [np.random.default_rng() for _ in range(n)]
        self._noop_capture = (np.zeros((n,) + self.pool.capture_shape, dtype=np.uint8)
                              if self.noop_max and self.frameskip > 1 and not self._ram_obs
                              and obs_type != "tiles" else None)
        # the frame before a step's last, for pooling (frameskip > 1 with picture observations;
        # RAM and tiles are not pooled)
        self._capture = (np.zeros((n,) + self.pool.capture_shape, dtype=np.uint8)
                         if self.frameskip > 1 and not self._ram_obs and obs_type != "tiles" else None)
        self._rewards = np.zeros(n, dtype=np.float64)
        self._frames_run = np.zeros(n, dtype=np.intc)  # frames each env's step ran (frameskip)
        self._draw = frames_to_draw(obs_type, self.frameskip)
        self._terminations = np.zeros(n, dtype=bool)
        self._truncations = np.zeros(n, dtype=bool)
        self._autoreset = np.zeros(n, dtype=bool)
        self._steps = np.zeros(n, dtype=np.int64)
        self._reset_done = False
        self._all_true = self._batch.all_true
        self._ones = np.ones(n, dtype=np.intc)
        self._ones.flags.writeable = False

    # --- episode start --------------------------------------------------------------------------
    def _start_for(self, game: Game, console) -> bytes:
        key = (self._rom_sha1, game.start_key, console.frame_grid, console.timing)
        state = _START_CACHE.get(key)
        if state is None:
            console.power_cycle()
            game.start(console)
            state = console.save_state(screen=True)  # reset draws the start picture
            _START_CACHE[key] = state
        return state

    def _restart(self, indices: np.ndarray) -> None:
        for i in indices:
            self.consoles[i].load_state(self._start_state)

    def _check_states(self, options: Optional[Dict[str, Any]], mask: np.ndarray) -> List[Tuple[int, bytes]]:
        """The ``states`` option as ``[(env index, blob)]``, each blob loaded once on its console
        and the console put back, so that a bad one raises before any env changes."""
        if options is None or options.get("states") is None:
            return []
        states = options["states"]
        if isinstance(states, (bytes, str)) or len(states) != self.num_envs:
            raise ValueError(f"options['states'] must list {self.num_envs} states (bytes or None)")
        out = []
        for i, blob in enumerate(states):
            if blob is None:
                continue
            if not isinstance(blob, (bytes, bytearray, memoryview)):
                raise ValueError(f"options['states'][{i}] must be bytes or None, not {type(blob).__name__}")
            if not mask[i]:
                raise ValueError(f"options['states'][{i}] is given but env {i} is not reset (reset_mask)")
            out.append((i, bytes(blob)))
        for i, blob in out:
            console = self.consoles[i]
            keep = console.save_state(screen=True)
            try:
                console.load_state(blob)
                if not self._ram_obs and not console.screen_valid:
                    from nes_core import StateError

                    raise StateError(
                        f"options['states'][{i}] holds no picture, and the first observation is "
                        "one: save it with save_state(screen=True)"
                    )
            finally:
                console.load_state(keep)
        return out

    def reset(
        self, *, seed: Optional[Union[int, List[Optional[int]]]] = None,
        options: Optional[Dict[str, Any]] = None,
    ) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Reset all envs, or those of ``options["reset_mask"]``.

        Args:
            seed: an int seeds :attr:`np_random` (the consoles are deterministic) and env
                ``i``'s no-op generator with ``seed + i``; a list of per-env seeds is accepted
                for SyncVectorEnv compatibility (its first entry seeds :attr:`np_random`, entry
                ``i`` env ``i``'s no-ops; None entries keep theirs). Only reset envs' no-op
                generators are seeded.
            options: ``{"reset_mask": bool array (N,)}`` resets only those envs;
                ``{"states": [blob or None] * N}`` starts env ``i`` from console state
                ``blob`` (``nes_core.NES.save_state``, e.g. ``env.consoles[i].save_state()``)
                instead of the game's start, its game counters from that RAM; None entries use
                the start. Later autoresets use the start.

        Returns:
            ``(observations, infos)``: observations ``(N,) + single_observation_space.shape``
            ``uint8``; infos for the reset envs.

        Raises:
            ValueError: a bad ``reset_mask`` or ``states`` list (a state for an env that is not
                reset), or an option key not in :attr:`reset_options`.
            nes_core.StateError: a state that is not a valid state of this ROM (checked on
                every console before any env changes).
        """
        check_reset_options(options, self.reset_options)
        if isinstance(seed, (list, tuple)):
            if len(seed) != self.num_envs:
                raise ValueError(f"expected {self.num_envs} seeds, got {len(seed)}")
            env_seeds = list(seed)
            seed = seed[0]
        elif seed is not None:
            env_seeds = [int(seed) + i for i in range(self.num_envs)]
        else:
            env_seeds = [None] * self.num_envs
        super().reset(seed=seed)
        mask = np.ones(self.num_envs, dtype=bool)
        if options is not None and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"])
            if mask.shape != (self.num_envs,) or mask.dtype != np.bool_ or not mask.any():
                raise ValueError(
                    f"options['reset_mask'] must be a bool array of shape ({self.num_envs},) "
                    "with at least one True"
                )
        states = self._check_states(options, mask)
        for i in np.flatnonzero(mask):
            if env_seeds[i] is not None:
                self._noop_rngs[i] = gym.utils.seeding.np_random(int(env_seeds[i]))[0]
        self._restart(np.flatnonzero(mask))
        for i, state in states:
            self.consoles[i].load_state(state)
        obs = self._obs_buffer()
        # every env draws its frame: the others' current frame is their last observation
        self.pool.run(None, 0, self._picture(obs), self._ram, **self._batch.reset_args(mask))
        infos = self._batch.reset(self._ram, mask)
        self._last_pads[mask] = 0
        self._frames[mask] = 0
        if self.noop_max:
            noops = mask.copy()
            noops[[i for i, _ in states]] = False
            if noops.any():
                self._noop_starts(noops)
                self._draw_noop_starts(obs, noops)
                infos = self._batch.info(self._ram, mask)
        obs = self._ram_observation(obs)
        if self._stack is not None:  # the other envs' stacks are left as they are
            self._stack.fill(mask, obs[mask])
            obs = self._stack.read()
        self._terminations[mask] = False
        self._truncations[mask] = False
        self._autoreset[mask] = False
        self._steps[mask] = 0
        self._reset_done = True
        return obs, infos

    # --- step -----------------------------------------------------------------------------------
    def _buttons(self, actions) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """The controller bytes of ``actions``: ``(pad 1 (N,), pad 2 (N,) or None)``."""
        a = np.asarray(actions)
        shape = (self.num_envs,) if self.players == 1 else (self.num_envs, 2)
        if a.shape != shape or (a.size and a.dtype.kind not in "iu"):
            what = "ints" if self.players == 1 else "pairs of ints (controller 1, controller 2)"
            raise ValueError(
                f"actions must be {self.num_envs} {what} in 0..{len(self._action_lut) - 1} "
                f"(shape {shape}), got {actions!r}"
            )
        if a.min() < 0 or a.max() >= len(self._action_lut):
            raise ValueError(
                f"actions must be in 0..{len(self._action_lut) - 1}, got {actions!r}"
            )
        if self.players == 1:
            return self._action_lut[a], None
        pads = self._action_lut[a]
        return np.ascontiguousarray(pads[:, 0]), np.ascontiguousarray(pads[:, 1])

    def step(self, actions) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Dict[str, Any]]:
        """Step every env one frame (envs whose episode ended on the last step are reset).

        Args:
            actions: int array-like ``(N,)``: controller bytes, or indices into ``actions`` /
                the minimal set; ``(N, 2)`` with ``players=2`` (controller 1, controller 2).

        Returns:
            ``(observations, rewards, terminations, truncations, infos)`` with shapes
            ``(N, ...) uint8``, ``(N,) float64``, ``(N,) bool``, ``(N,) bool`` and a dict of
            ``(N,)`` arrays plus ``_key`` bool masks.

        Raises:
            ValueError: wrong action shape or values; RuntimeError: step before reset.
        """
        if not self._reset_done:
            raise RuntimeError("call reset() before step()")
        buttons, buttons2 = self._buttons(actions)
        resetting = self._autoreset.copy()
        any_reset = bool(resetting.any())
        noop_started = None  # the resetting envs that ran no-op starts (their counters run on)
        if any_reset:
            reset_idx = np.flatnonzero(resetting)
            self._restart(reset_idx)
            self._frames[resetting] = 0
            if self.noop_max:
                self.pool.run(None, 0, None, self._ram, reset_idx,
                              **self._batch.reset_args(resetting))
                self._batch.reset(self._ram, resetting)
                self._noop_starts(resetting)
                noop_started = resetting
            stepping = ~resetting
            frames = stepping.astype(np.intc)
        else:  # the usual step: every env runs a frame
            stepping, frames = self._all_true, self._ones
        # the step's observations go straight into the frame stack's next slot
        obs = self._stack.advance() if self._stack is not None else self._obs_buffer()
        if self.frameskip == 1 and not self.repeat_action_probability:
            # envs that ran no-op starts have their counters started already
            fresh = resetting if noop_started is None else resetting & ~noop_started
            self.pool.run(buttons, frames, self._picture(obs), self._ram, buttons2=buttons2,
                          **self._batch.step_args(stepping, fresh))
            self._frames += stepping
            rewards, terminated, infos, after = self._batch.step(self._ram, stepping, noop_started)
            truncated = self._batch.truncated
            redraw = self._after_steps(after, terminated)
            if redraw:
                self.pool.run(None, 0, self._picture(obs), self._ram if self._ram_obs else None,
                              redraw)
            low, high = self._frame_reward_range
            np.clip(rewards, low, high, out=self._rewards)
        else:
            terminated, truncated, infos = self._skip_frames(buttons, buttons2, stepping, resetting,
                                                             obs, noop_started)
        if noop_started is not None:
            self._draw_noop_starts(obs, noop_started)
        obs = self._ram_observation(obs)
        if self._stack is not None:
            if any_reset:
                self._stack.fill(resetting)
            obs = self._stack.read()
        self._terminations[:] = terminated
        if any_reset:
            self._steps[stepping] += 1
            self._steps[resetting] = 0
        else:
            self._steps += 1
        if self.max_episode_steps is not None:
            self._truncations[:] = stepping & (self._steps >= self.max_episode_steps)
        else:
            self._truncations[:] = False
        if self.max_num_frames_per_episode is not None:
            self._truncations |= stepping & ~terminated & (
                self._frames >= self.max_num_frames_per_episode)
        if truncated is not None:  # the game's own truncation condition
            self._truncations |= truncated & stepping & ~self._terminations
        self._autoreset[:] = self._terminations | self._truncations
        return (
            obs,
            self._rewards.copy(),
            self._terminations.copy(),
            self._truncations.copy(),
            infos,
        )

    def _after_steps(self, after: np.ndarray, terminated: np.ndarray) -> List[int]:
        """Run the game module's ``after_step`` of the envs in ``after``; return those whose
        console ran frames (their picture changed)."""
        redraw = []
        for i in np.flatnonzero(after):
            console = self.consoles[i]
            cycles = console.cycles
            self.games[i].after_step(console, bool(terminated[i]))
            if console.cycles != cycles:
                redraw.append(int(i))
        return redraw

    def _skip_frames(self, buttons: np.ndarray, buttons2: Optional[np.ndarray],
                     stepping: np.ndarray, resetting: np.ndarray, obs: np.ndarray,
                     noop_started: Optional[np.ndarray] = None
                     ) -> Tuple[np.ndarray, Optional[np.ndarray], Dict[str, Any]]:
        """A step of ``frameskip`` frames with sticky actions, as the single env runs it: each
        frame's clipped reward summed into ``self._rewards``, an env whose episode ends stops
        (frozen for the step's other frames), the observation pooled with the frame before the
        last. Envs in ``resetting`` run no frame; their counters start on the first frame,
        except those of ``noop_started`` (started already). Returns ``(terminated, truncated or
        None, infos)``."""
        if not isinstance(self._batch, _LoopBatchGame):
            return self._skip_frames_c(buttons, buttons2, stepping, resetting, obs, noop_started)
        k, p, n = self.frameskip, self.repeat_action_probability, self.num_envs
        low, high = self._frame_reward_range
        pictures = not self._ram_obs
        self._rewards[:] = 0.0
        self._last_pads[resetting] = 0
        alive = stepping.copy()
        terminated = np.zeros(n, dtype=bool)
        frozen = ~(alive | resetting)
        fresh = resetting
        if noop_started is not None:
            frozen |= noop_started
            fresh = resetting & ~noop_started
        no_reset = np.zeros(n, dtype=bool)
        infos: Dict[str, Any] = {}
        truncated = None
        for f in range(k):
            pads, pads2 = buttons, buttons2
            if p:  # one draw per controller and env (players=1: the draws of random(n))
                sticky = self.np_random.random((self.players, n)) < p
                pads = np.where(sticky[0], self._last_pads[:, 0], buttons).astype(np.uint8)
                if buttons2 is not None:
                    pads2 = np.where(sticky[1], self._last_pads[:, 1], buttons2).astype(np.uint8)
            self._last_pads[alive, 0] = pads[alive]
            if pads2 is not None:
                self._last_pads[alive, 1] = pads2[alive]
            last, before_last = f == k - 1, self._capture is not None and f == k - 2
            self.pool.run(pads, alive.astype(np.intc), obs if (last and pictures) else None,
                          self._ram, buttons2=pads2, capture=self._capture if before_last else None,
                          pool_with=self._capture if (last and pictures and k > 1) else None,
                          **self._batch.step_args(alive, fresh if f == 0 else no_reset))
            self._frames += alive
            rewards, ended, infos, after = self._batch.step(self._ram, alive, frozen)
            frozen |= resetting  # their counters started on this first frame
            if self._batch.truncated is not None or truncated is not None:
                if truncated is None:  # as of each env's last frame
                    truncated = np.zeros(n, dtype=bool)
                truncated[alive] = (False if self._batch.truncated is None
                                    else self._batch.truncated[alive])
            self._rewards[alive] += np.clip(rewards[alive], low, high)
            terminated |= ended
            redraw = self._after_steps(after, ended)
            if redraw and before_last:
                self.pool.run(None, 0, None, None, redraw, capture=self._capture)
            elif redraw and last:
                self.pool.run(None, 0, obs if pictures else None,
                              None if pictures else self._ram, redraw,
                              pool_with=self._capture if (pictures and k > 1) else None)
            alive &= ~ended
            frozen |= ended
        return terminated, truncated, infos

    def _skip_frames_c(self, buttons: np.ndarray, buttons2: Optional[np.ndarray],
                       stepping: np.ndarray, resetting: np.ndarray, obs: np.ndarray,
                       noop_started: Optional[np.ndarray] = None
                       ) -> Tuple[np.ndarray, Optional[np.ndarray], Dict[str, Any]]:
        """:meth:`_skip_frames` in one ``NESPool.run`` call (the single env's C step, for N
        consoles at once): a game whose rules all run in C. The sticky draws are the frame
        loop's: ``random((players, N))`` a frame for all ``frameskip`` frames, as one array."""
        k, p, n = self.frameskip, self.repeat_action_probability, self.num_envs
        self._last_pads[resetting] = 0
        fresh = resetting if noop_started is None else resetting & ~noop_started
        sticky = None
        if p:
            draws = self.np_random.random((k, self.players, n)) < p
            sticky = draws[:, 0].T.astype(np.uint8)
            if self.players == 2:
                sticky |= draws[:, 1].T.astype(np.uint8) << 1
            sticky = np.ascontiguousarray(sticky)
        pictures = not self._ram_obs
        ran = self._frames_run
        ran[:] = 0
        self.pool.run(buttons, stepping.astype(np.intc), obs if pictures else None, self._ram,
                      buttons2=buttons2, capture=self._capture, frameskip=k, sticky=sticky,
                      last_pads=self._last_pads, reward_range=self._frame_reward_range,
                      draw=self._draw, frames_run=ran, **self._batch.step_args(stepping, fresh))
        self._frames += ran
        frozen = ~stepping if noop_started is None else ~stepping | noop_started
        rewards, terminated, infos, _ = self._batch.step(self._ram, stepping, frozen)
        self._rewards[:] = rewards
        return terminated, self._batch.truncated, infos

    def _noop_starts(self, envs: np.ndarray) -> None:
        """Random no-op starts of the envs in ``envs`` (a bool mask of envs just restarted,
        their counters started and their rows of ``self._ram`` current), as
        :class:`nesenv.env.NESEnv` runs them: each draws 1..noop_max from its own generator and
        runs that many steps of ``frameskip`` frames with no buttons; an episode that ends
        meanwhile starts again and draws again. All envs run together on the pool; each one's
        frame before its last is kept in ``self._noop_capture`` (pooling).

        Raises:
            RuntimeError: an env's episode ended in 100 no-op starts in a row.
        """
        n = self.num_envs
        todo = np.zeros(n, dtype=np.int64)
        for i in np.flatnonzero(envs):
            todo[i] = self._noop_rngs[i].integers(1, self.noop_max + 1)
        failures = np.zeros(n, dtype=np.int64)
        while todo.any():
            running = todo > 0
            ended = self._noop_step(running)
            todo[running] -= 1
            if not ended.any():
                continue
            idx = np.flatnonzero(ended)
            failures[idx] += 1
            if failures.max() >= 100:
                raise RuntimeError(
                    f"every no-op start of up to {self.noop_max} steps ended the episode")
            for i in idx:
                console = self.consoles[i]
                console.load_state(self._start_for(self.games[i], console))
                todo[i] = self._noop_rngs[i].integers(1, self.noop_max + 1)
            self._frames[idx] = 0
            self.pool.run(None, 0, None, self._ram, idx, **self._batch.reset_args(ended))
            self._batch.reset(self._ram, ended)

    def _noop_step(self, running: np.ndarray) -> np.ndarray:
        """One no-op step (``frameskip`` frames, no buttons, no sticky draws) of the envs in
        ``running``; the others stay as they are. Returns the mask of episodes that ended.
        A game whose rules all run in C runs it in one pool call, as :meth:`_skip_frames_c`
        runs a step; one with Python hooks frame by frame."""
        if not isinstance(self._batch, _LoopBatchGame):
            ran = self._frames_run
            ran[:] = 0
            # indices: the others' captures stay those of their own last no-op step
            self.pool.run(None, running.astype(np.intc), None, self._ram, np.flatnonzero(running),
                          capture=None if self._ram_obs else self._noop_capture,
                          frameskip=self.frameskip, last_pads=self._last_pads,
                          reward_range=self._frame_reward_range, draw=self._draw,
                          frames_run=ran, **self._batch.step_args(running, np.zeros_like(running)))
            self._frames += ran
            _, ended, _, _ = self._batch.step(self._ram, running, ~running)
            return ended
        k, pictures = self.frameskip, not self._ram_obs
        alive = running.copy()
        frozen = ~alive
        ended_any = np.zeros(self.num_envs, dtype=bool)
        for f in range(k):
            idx = np.flatnonzero(alive)
            if not idx.size:
                break
            capture = self._noop_capture if (pictures and f == k - 2) else None
            self.pool.run(None, 1, None, self._ram, idx, capture=capture,
                          **self._batch.step_args(alive, np.zeros_like(alive)))
            self._frames += alive
            _, ended, _, after = self._batch.step(self._ram, alive, frozen)
            redraw = self._after_steps(after, ended)
            if redraw and capture is not None:
                self.pool.run(None, 0, None, None, redraw, capture=capture)
            ended_any |= ended
            alive &= ~ended
            frozen |= ended
        return ended_any

    def _draw_noop_starts(self, obs: np.ndarray, envs: np.ndarray) -> None:
        """Draw the observations (and RAM) of envs that just ran no-op starts: the last frame,
        pooled with the one before it when ``frameskip > 1``, as the single env's reset."""
        self.pool.run(None, 0, self._picture(obs), self._ram, np.flatnonzero(envs),
                      pool_with=self._noop_capture)

    def _obs_buffer(self) -> np.ndarray:
        """Where this call's observations go: a new array (copy=True) or the env's own (also
        when stacking, for reset: the stack's read is the new array)."""
        return np.empty_like(self._obs) if self.copy and self._stack is None else self._obs

    def _picture(self, obs: np.ndarray) -> Optional[np.ndarray]:
        """The array the pool draws pictures into: ``obs``, or None for RAM observations."""
        return None if self._ram_obs else obs

    def _ram_observation(self, obs: np.ndarray) -> np.ndarray:
        """RAM observations: the RAM the pool copied (into ``obs``); pictures: ``obs`` as is."""
        if self._ram_obs:
            obs[...] = self._ram
        return obs

    # --- rendering, closing ----------------------------------------------------------------------
    def render(self) -> Optional[Tuple[np.ndarray, ...]]:
        """For ``"rgb_array"``: the N current frames, each ``(240, 256, 3)`` ``uint8`` RGB."""
        if self.render_mode == "rgb_array":
            return tuple(c.screen.copy() for c in self.consoles)
        return None

    def close_extras(self, **kwargs: Any) -> None:
        """Stop the pool's threads."""
        # a constructor that raised leaves no pool; Gymnasium 1.2's VectorEnv.__del__ still closes
        pool = getattr(self, "pool", None)
        if pool is not None:
            pool.close()

    @property
    def observation_space(self) -> gym.Space:
        """``Box(0, 255, (N,) + single shape, uint8)``, built on first use.

        Gymnasium's Box holds full-size low / high / bounded arrays: about 0.9 MiB per RGB env,
        three times the memory of the env itself, so it is only built when someone asks.
        """
        if self._observation_space is None:
            self._observation_space = batch_space(self.single_observation_space, self.num_envs)
        return self._observation_space

    @observation_space.setter
    def observation_space(self, space: gym.Space) -> None:
        self._observation_space = space

    @property
    def num_threads(self) -> int:
        """Threads stepping consoles, counting the caller."""
        return self.pool.num_threads

    @property
    def ram(self) -> np.ndarray:
        """CPU RAM of every env as of the last step / reset (a copy), ``(N, 2048)`` ``uint8``."""
        return self._ram.copy()

    def get_action_meanings(self) -> List[str]:
        """Return the button names of each action of one env (of one controller)."""
        return list(self._action_meanings)


class SuperMarioBrosVectorEnv(NESVectorEnv):
    """N Super Mario Bros. (or Lost Levels) envs in parallel: the vector entry point of the ids.

    Takes the arguments of :class:`nesenv.smb.SuperMarioBrosEnv` (``rom_mode``, ``lost_levels``,
    ``target``, ``render_mode``, ``rom_path``, ``frame_timing``, default ``"nes-py"``) plus
    those of :class:`NESVectorEnv`
    (``num_envs``, ``max_episode_steps``, ``num_threads``, ``obs_type``, ``shape``, ``grayscale``, ``downscale``,
    ``actions``, ``copy``, ``spin_us``, ``palette``, the time options, ``stack``,
    ``full_action_space``, ``players``, ``max_num_frames_per_episode``). Reward ``dx + clock + death`` clipped to ``[-15, 15]``; infos
    ``coins, flag_get, life, score, stage, status, time, world, x_pos, y_pos``.

    Raises:
        nesenv.roms.RomNotFoundError: the ROM is not imported (the message has the fix).
    """

    def __init__(
        self,
        num_envs: int = 1,
        rom_mode: str = "vanilla",
        lost_levels: bool = False,
        target: Optional[Tuple[int, int]] = None,
        render_mode: Optional[str] = None,
        rom_path: Optional[PathLike] = None,
        frame_timing: str = "nes-py",
        **options: Any,
    ):
        game, rom = game_and_rom(rom_mode, lost_levels, target, rom_path)
        super().__init__(
            num_envs,
            rom,
            game,
            render_mode=render_mode,
            frame_timing=frame_timing,
            **options,
        )

    @property
    def is_single_stage_env(self) -> bool:
        """True when each env plays one stage with one life."""
        return self.games[0].is_stage_game


class SuperMarioBrosRandomStagesVectorEnv(NESVectorEnv):
    """N ``SuperMarioBrosRandomStages`` envs in parallel: each env draws its own stage per episode.

    The vector entry point of ``SuperMarioBrosRandomStages-v0..v3``. Every episode of every env
    (first reset, ``reset_mask`` resets and autoresets) plays one stage drawn from ``stages`` with
    that env's own generator, as :class:`nesenv.smb.SuperMarioBrosRandomStagesEnv` draws with its
    stage generator (:func:`nesenv.smb.draw_stage`). Seeding follows :class:`gymnasium.vector.SyncVectorEnv`: ``reset(seed=S)``
    seeds env ``i`` with ``S + i``, a list seeds env by env, None keeps each env's generator
    (seeded from entropy). The results therefore equal those of N single
    RandomStages envs under ``SyncVectorEnv`` stepped with the same actions. Each stage's start
    state is computed once per process, on first use.

    Args:
        num_envs: number of consoles N.
        rom_mode: ``"vanilla"``, ``"downsample"``, ``"pixel"`` or ``"rectangle"``.
        stages: stages to draw from, as ``"W-S"`` strings (default: all 32).
        render_mode, rom_path: see :class:`SuperMarioBrosVectorEnv`.
        options: the keyword arguments of :class:`NESVectorEnv` (``max_episode_steps``,
            ``num_threads``, ``obs_type``, ``shape``, ``grayscale``, ``downscale``, ``actions``, ``copy``, ``spin_us``,
            ``palette`` and the ALE options).

    ``reset(options={"stages": [...]})`` draws the episodes started by that call from those
    stages (autoresets draw from ``stages`` again), as the single env does.

    Raises:
        ValueError / TypeError: bad ``rom_mode`` or ``stages``.
        nesenv.roms.RomNotFoundError: the ROM is not imported (the message has the fix).

    Attributes:
        stages: the default subset, as ``"W-S"`` strings, or None for all stages.
        targets: the ``(world, stage)`` each env plays in its current episode.
    """

    reset_options = NESVectorEnv.reset_options | {"stages"}

    def __init__(
        self,
        num_envs: int = 1,
        rom_mode: str = "vanilla",
        stages: Optional[Sequence[str]] = None,
        render_mode: Optional[str] = None,
        rom_path: Optional[PathLike] = None,
        frame_timing: str = "nes-py",
        **options: Any,
    ):
        if rom_mode not in ROM_MODES:
            raise ValueError(f"rom_mode must be one of {ROM_MODES}, got {rom_mode!r}")
        self._stages = parse_stages(stages)
        self.stages = None if self._stages is None else [f"{w}-{s}" for w, s in self._stages]
        # set by reset() for its own _restart call: the "stages" option and the per-env seeds
        self._choices_now: Optional[List[Tuple[int, int]]] = None
        self._seeds_now: Optional[List[Optional[int]]] = None
        first = (self._stages or ALL_STAGES)[0]
        super().__init__(
            num_envs,
            rom_for(SuperMarioBros, rom_mode, rom_path),
            SuperMarioBros(first),
            render_mode=render_mode,
            frame_timing=frame_timing,
            **options,
        )
        self._env_rngs = [np.random.RandomState() for _ in range(self.num_envs)]
        self.targets: List[Tuple[int, int]] = [first] * self.num_envs


    def _restart(self, indices: np.ndarray) -> None:
        choices = self._choices_now[0] if self._choices_now is not None else self._stages
        for i in indices:
            if self._seeds_now is not None and self._seeds_now[i] is not None:
                self._env_rngs[i].seed(self._seeds_now[i])
            target = draw_stage(self._env_rngs[i], choices)
            game = SuperMarioBros(target)
            self.games[i] = game  # the list the batch game reads
            self.targets[i] = target
            self.consoles[i].load_state(self._start_for(game, self.consoles[i]))

    def reset(
        self, *, seed: Optional[Union[int, List[Optional[int]]]] = None,
        options: Optional[Dict[str, Any]] = None,
    ) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Reset all envs, or those of ``options["reset_mask"]``, each on a newly drawn stage.

        Args:
            seed: None, an int ``S`` (env ``i`` is seeded with ``S + i``) or a list of N
                ints / Nones; only the envs being reset are seeded (as SyncVectorEnv).
            options: ``{"reset_mask": bool array (N,)}`` and / or ``{"stages": ["W-S", ...]}``
                (the stages to draw from in this reset; None or empty: all 32).

        Returns:
            ``(observations, infos)`` as :meth:`NESVectorEnv.reset`.
        """
        check_reset_options(options, self.reset_options)
        if seed is None or isinstance(seed, (list, tuple)):
            seeds = seed  # a list of the wrong length: the base class raises
        else:
            seeds = [int(seed) + i for i in range(self.num_envs)]
        choices = None  # or a 1-tuple: the "stages" option (None in it: all 32)
        if options is not None and "stages" in options:
            choices = (parse_stages(options["stages"]),)
        self._choices_now, self._seeds_now = choices, seeds
        try:
            return super().reset(seed=seed, options=options)
        finally:
            self._choices_now = self._seeds_now = None

    @property
    def is_single_stage_env(self) -> bool:
        """Always True: every episode plays one stage."""
        return True
