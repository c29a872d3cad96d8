"""The game-module protocol: what a game's RAM means.

A game module is data plus a little Python. It never imports Gymnasium: the environment
(``nesenv``) owns a console and calls the game with the 2 KiB CPU RAM array, or, for the few
hooks that must run frames (menu skipping, cut-scene skipping), with the console itself, used
only through the small :class:`Console` protocol below.

A game module holds, in this order: a docstring, its RAM addresses as named constants, the ROMs it
knows (:class:`RomSpec`, keyed by the SHA-1 of PRG+CHR), its rules as a
:class:`games.spec.GameSpec` (reward, termination, info, frame skipping) and one :class:`Game`
subclass that sets ``spec`` and ``start_script`` (power-on to the first playable frame, a
:class:`games.start.StartScript`).
The spec is evaluated in C (``nes_core.RuleTable``) by both envs; the vector env evaluates it in
its pool threads with no Python per console. A game whose rules the spec cannot say overrides
the hooks instead (``reset``, ``step``, ``info``, ``after_step``, ``get_state`` /
``set_state``); the vector env then calls them env by env, in Python (about 2-5 µs per hook
call and env, plus the frames ``after_step`` runs one ``NES.step`` at a time).
"""
import dataclasses
import math
from typing import Any, Dict, Optional, Protocol, Tuple

from .spec import GameSpec, InfoConst, InfoKey, RewardInfo, rules_for
from .start import StartScript, run_start


@dataclasses.dataclass(frozen=True)
class RomSpec:
    """One known ROM image.

    Attributes:
        sha1: SHA-1 (40 lowercase hex digits) of the PRG+CHR data, i.e. the file without its
            16-byte iNES header, as No-Intro identifies dumps. A re-headered dump keeps this hash.
        filename: file name the ROM is stored under in the ROM folder, e.g.
            ``"super-mario-bros.nes"``.
        title: human-readable title of the dump, e.g. ``"Super Mario Bros. (Europe) (Rev A)"``.
        variant: the ROM mode a game selects it by (``"vanilla"``, ``"downsample"``, ...).
        file_sha1: SHA-1 of the whole file as distributed, if known (informational).
        preferred: among ROMs of the same game and variant, the one used when several are
            imported (higher wins).
        package: the PyPI release that ships the ROM (``nesenv.roms.import_command`` makes the
            command that imports it).
    """

    sha1: str
    filename: str
    title: str
    variant: str
    file_sha1: Optional[str] = None
    preferred: int = 0
    package: str = "gym-super-mario-bros==7.4.0"


class Console(Protocol):
    """The part of ``nes_core.NES`` a game module may use.

    Attributes:
        ram: ``np.ndarray`` of shape ``(2048,)``, dtype ``uint8``: a writable view of CPU RAM.
    """

    ram: Any

    def step(self, frames: int = 1, buttons: int = 0, buttons2: int = 0) -> None:
        """Run whole frames with both controllers held (button bits: A=0x01 ... Right=0x80)."""

    def load_state(self, data: bytes) -> None:
        """Restore a console state (a start script's ``LoadState``)."""


class Game:
    """Base class of a game module: its ``spec``'s rules, or without one reward 0, never
    terminates, empty info.

    A spec game sets ``spec`` (a :class:`games.spec.GameSpec`, per instance or per class) and
    keeps the hooks below, which evaluate it. A game whose rules the spec cannot say overrides
    the hooks it needs instead. Every hook gets the live RAM array (``np.ndarray``, shape
    ``(2048,)``, ``uint8``, C-contiguous); values read from it must be converted with ``int()``
    before arithmetic so that no NumPy scalar overflows.

    Attributes:
        name: short name of the game, e.g. ``"Super Mario Bros."``.
        ROMS: the ROMs this game module understands.
        reward_range: ``(low, high)`` the per-step reward is clipped to by the environment.
        minimal_actions: the game's minimal action set (ALE's term): the button combinations
            that matter in play, each a tuple of button names (``"right"``, ``"A"``, ...;
            ``("NOOP",)`` for none), or None when the game declares none (the env then uses
            all 256 controller bytes).
        spec: the game's rules, or None.
        start_script: the way from power-on to the first frame of an episode
            (:class:`games.start.StartScript`), or None to start at power-on.
        last_truncated: whether the spec's ``truncated`` condition held after the last ``step``.
        nes_py_core: True when the game's upstream env runs on nes-py 8.2.1's emulator: an
            env with ``frame_timing="nes-py"`` then runs the console on that emulator's timing
            (``nes_core.NES.timing = "nes-py"``) for step-exact parity with upstream.
    """

    name = "NES game"
    ROMS: Tuple[RomSpec, ...] = ()
    reward_range: Tuple[float, float] = (-math.inf, math.inf)
    minimal_actions: Optional[Tuple[Tuple[str, ...], ...]] = None
    spec: Optional[GameSpec] = None
    last_truncated = False
    nes_py_core = False
    start_script: Optional[StartScript] = None

    # --- the spec's evaluator, built on first use (not pickled: rebuilt from the spec) -----------
    @property
    def rules(self):
        """The :class:`games.spec.Rules` of ``spec`` (None without a spec)."""
        if self.spec is None:
            return None
        return rules_for(self.spec)

    @property
    def _rule_states(self):
        states = self.__dict__.get("_states")
        if states is None:
            from nes_core import RuleStates

            states = self.__dict__["_states"] = RuleStates(1)
        return states

    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        states = state.pop("_states", None)
        if states is not None and self.spec is not None:
            state["_spec_counters"] = self.get_state()
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        counters = state.pop("_spec_counters", None)
        self.__dict__.update(state)
        if counters is not None:
            Game.set_state(self, counters)

    def start(self, console: Console) -> None:
        """Bring a freshly powered-on console to the first frame of an episode: play
        :attr:`start_script` (:func:`games.start.run_start`), or do nothing without one.

        The environment calls this once per ROM, :attr:`start_key` and frame timing and saves
        the console state afterwards; every ``reset()`` restores that state instead of running
        this again. A game whose start a script cannot say overrides this hook (see
        :mod:`games.start` for what that costs).

        Args:
            console: the emulator, just powered on.

        Raises:
            RuntimeError: a step of the script did not reach its condition (see
                :func:`games.start.run_start`).
        """
        script = self.start_script
        if script is not None:
            run_start(script, console, self.spec, self.name)

    @property
    def start_key(self) -> Any:
        """A hashable key identifying the state ``start`` produces for a given ROM.

        Two game objects with equal keys on the same ROM produce the same start state, so the
        environment may reuse a cached one: a game whose ``start_script`` (or ``start``)
        depends on more than its class (and, for a :class:`StageGame`, its target) adds that
        to the key.
        """
        return (type(self).__module__, type(self).__qualname__)

    def reset(self, ram) -> None:
        """Reset the game's counters at the start of an episode.

        Args:
            ram: CPU RAM, shape ``(2048,)``, ``uint8``.
        """
        if self.spec is not None:
            self.rules.table.reset(self._rule_states, 0, ram)

    def step(self, ram) -> Tuple[float, bool]:
        """Account for one emulated frame.

        Args:
            ram: CPU RAM after the frame, shape ``(2048,)``, ``uint8``.

        Returns:
            ``(reward, terminated)`` for this frame; the reward is not yet clipped.
        """
        if self.spec is None:
            return 0.0, False
        reward, terminated, self.last_truncated = self.rules.table.step(self._rule_states, 0, ram)
        return reward, terminated

    def info(self, ram) -> Dict[str, Any]:
        """Return the ``info`` dict for the current frame (plain Python values)."""
        if self.spec is None:
            return {}
        return self.rules.info(ram, self._rule_states)

    def after_step(self, console: Console, terminated: bool) -> None:
        """Run RAM hacks or skip frames after an agent step (e.g. cut-scenes).

        A spec game runs its skip rules: RAM writes here, each frame with ``console.step``.

        Args:
            console: the emulator.
            terminated: whether the step ended the episode.

        Raises:
            RuntimeError: a skip rule ran the spec's ``frame_limit`` frames (the game does not
                run as the spec expects).
        """
        if self.spec is None:
            return
        table, states = self.rules.table, self._rule_states
        table.skip_begin(states, 0, console.ram, terminated)
        while True:
            rc = table.skip_next(states, 0, console.ram)
            if rc == 0:
                return
            if rc < 0:
                what = self.rules.compiled.skip_names[states.rule(0)]
                raise RuntimeError(
                    f"{self.name}: still in {what} after {self.spec.frame_limit} frames; "
                    "the emulator does not run the game as expected"
                )
            console.step(1, 0)

    def get_state(self) -> Dict[str, Any]:
        """Return the game's own counters, to be saved next to a console save state (a spec
        game: ``{name + "_last": value}`` of its named delta reward terms, and with registers
        or reward components ``"registers"`` ``{name: value}`` and ``"reward"`` ``[total,
        component...]``)."""
        if self.spec is None:
            return {}
        compiled, states = self.rules.compiled, self._rule_states
        names = compiled.delta_names
        last = states.last(0, len(names))
        out: Dict[str, Any] = {f"{n}_last": v for n, v in zip(names, last) if n is not None}
        if compiled.register_names:
            regs = states.registers(0, len(compiled.register_names))
            out["registers"] = dict(zip(compiled.register_names, regs))
        if compiled.component_names:
            out["reward"] = [states.reward(0)] + states.components(0, len(compiled.component_names))
        return out

    def set_state(self, state: Dict[str, Any]) -> None:
        """Restore counters returned by :meth:`get_state`."""
        if self.spec is None:
            return
        compiled, states = self.rules.compiled, self._rule_states
        names = compiled.delta_names
        last = states.last(0, len(names))
        for k, n in enumerate(names):
            if n is not None:
                last[k] = int(state[f"{n}_last"])
        states.set_last(0, last)
        if compiled.register_names:
            regs = state["registers"]
            states.set_registers(0, [int(regs[n]) for n in compiled.register_names])
        if compiled.component_names:
            total, *parts = state["reward"]
            states.set_components(0, float(total), parts)


class StageGame(Game):
    """A game played whole (``target=None``) or one stage (``target=(world, stage)``): the
    target check, ``is_stage_game``, the start-state key and the gym-super-mario-bros task id
    that Super Mario Bros., the Lost Levels, Super Mario Bros. 2 (USA) and 3 share.

    Subclasses set :attr:`TASK` (the id's prefix) and :attr:`TARGET_LISTS` and implement
    :meth:`decode_target` (usually :meth:`check_target` then range checks).

    Attributes:
        target: the decoded target, or None for the full game.
    """

    TASK = ""
    #: whether a ``[world, stage]`` list is accepted as a target (Super Mario Bros. does)
    TARGET_LISTS = False

    def __init__(self, target: Optional[Tuple[int, int]] = None):
        self.target = None if target is None else self.decode_target(target)

    @classmethod
    def check_target(cls, target: Any) -> Tuple[int, int]:
        """Return ``(world, stage)`` of a target that is a pair of ints.

        Raises:
            TypeError: not a tuple (or list, with :attr:`TARGET_LISTS`) of two ints.
        """
        kinds = (tuple, list) if cls.TARGET_LISTS else tuple
        if not isinstance(target, kinds) or len(target) != 2:
            raise TypeError(f"target must be a (world, stage) tuple, got {target!r}")
        for what, value in zip(("world", "stage"), target):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"target {what} must be an int, got {value!r}")
        return int(target[0]), int(target[1])

    @classmethod
    def decode_target(cls, target: Any) -> Tuple[int, ...]:
        """Check a target and return it decoded (see the subclass)."""
        return cls.check_target(target)

    @property
    def is_stage_game(self) -> bool:
        """True when one stage is played."""
        return self.target is not None

    @property
    def start_key(self) -> Any:
        return super().start_key + (self.target,)

    @property
    def task_id(self) -> str:
        """The gym-super-mario-bros id of this game and target (``TASK-v0``, ``TASK-W-S-v0``)."""
        if self.target is None:
            return f"{self.TASK}-v0"
        return "{}-{}-{}-v0".format(self.TASK, *self.target[:2])

    def upstream_info(self, game: str, clear: Any, death: Any, progress: Any,
                      progress_max: Any, world: Any) -> tuple:
        """The info entries gym-super-mario-bros 9.1.0 ends its Super Mario Bros. 2 (USA) and 3
        info dicts with, in its order: ``clear``, ``death`` (bool values), ``game``,
        ``game_family`` (``game``), ``progress``, ``progress_max`` (int values), the task
        metadata (``rom_mode``, ``single_stage``, ``task_id``, ``target_stage``,
        ``target_world``, ``timeout``), ``world_label`` (the ``world`` value as text) and the
        reward's ``reward_components``, ``reward_total_unclipped`` and
        ``reward_total_clipped`` (clipped to ``reward_range``)."""
        target_world, target_stage = self.target or (None, None)
        return (
            InfoKey("clear", clear, kind="bool"),
            InfoKey("death", death, kind="bool"),
            InfoConst("game", game),
            InfoConst("game_family", game),
            InfoKey("progress", progress),
            InfoKey("progress_max", progress_max),
            InfoConst("rom_mode", "vanilla"),
            InfoConst("single_stage", self.is_stage_game),
            InfoConst("task_id", self.task_id),
            InfoConst("target_stage", target_stage),
            InfoConst("target_world", target_world),
            InfoConst("timeout", False),
            InfoKey("world_label", world, kind="str"),
            RewardInfo("reward_components", "components"),
            RewardInfo("reward_total_unclipped", "total"),
            RewardInfo("reward_total_clipped", "clipped",
                       clip=(float(self.reward_range[0]), float(self.reward_range[1]))),
        )
