"""Start scripts: the way from power-on to an episode's first frame, as data.

A game's ``start_script`` (a :class:`StartScript`) is a sequence of steps that
:func:`run_start` plays on a freshly powered-on console, the same way for the single env and the
vector env. Each env runs it once per ROM, start key and frame timing and caches the console
state it reaches; every ``reset()`` restores that state.

Steps:

* :class:`Press` ``(buttons, frames=1)``: hold controller-1 buttons for ``frames`` frames
  (buttons: a controller byte, a name of :data:`BUTTONS` or a tuple of names);
  :class:`Wait` ``(frames)``: the same with no button;
* :class:`Write` ``(where, value)``: store a value in RAM; ``where`` is an address or the name
  of a spec variable that is a plain ``Ram`` of type ``u`` or ``i``; ``value`` an int (a
  target's world or stage, computed when the script is built for that target) or a spec value
  evaluated on the RAM at that point;
* :class:`Store` ``(name, value)``: remember a value in a script register that later
  conditions read as ``Var(name)`` (e.g. the clock before a button press);
* :class:`Repeat` ``(steps, until, max_passes, name)``: run ``steps`` until the condition
  ``until`` holds, checking it before each pass; when it still does not hold after
  ``max_passes`` passes, :func:`run_start` raises ``RuntimeError`` naming the game and ``name``;
* :class:`LoadState` ``(state)``: load a saved console state (``nes_core.NES.save_state`` bytes,
  or a path to a file holding them): the "saved state" start, usually followed by ``Wait(1)``.

Conditions and values are :mod:`games.spec` expressions; they may name the variables of the
game's spec (``Var("time")``), its registers (which read 0 here) and the script's own
registers.

A game whose start cannot be said this way overrides ``Game.start`` (Python). That costs nothing
per step (the state is computed once and cached), but the start is then code: it must be right
for every target by itself, and its ``start_key`` must name everything it depends on.
"""
import dataclasses
import os
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from .spec import GameSpec, Ram, Register, ValueLike, _value, compile_spec, parse_type

__all__ = ["BUTTONS", "names_to_byte", "Press", "Wait", "Write", "Store", "Repeat", "LoadState", "StartScript",
           "run_start"]

#: controller-1 button name -> bit, with the names nes-py's JoypadSpace uses
BUTTONS: Dict[str, int] = {
    "right": 0x80,
    "left": 0x40,
    "down": 0x20,
    "up": 0x10,
    "start": 0x08,
    "select": 0x04,
    "B": 0x02,
    "A": 0x01,
    "NOOP": 0x00,
}

Buttons = Union[int, str, Tuple[str, ...]]


def names_to_byte(names: Iterable[str]) -> int:
    """Return the controller byte (0-255) that presses the buttons ``names`` (keys of
    :data:`BUTTONS`; ``"NOOP"`` adds no bit).

    The one home of the name -> byte fold; callers turn the bare error into their own.

    Raises:
        KeyError: an unknown name, with the name as its only argument.
    """
    byte = 0
    for name in names:
        byte |= BUTTONS[name]
    return byte


def button_byte(buttons: Buttons) -> int:
    """Return the controller byte (0-255) of a byte, a button name or a tuple of names.

    Raises:
        ValueError: a byte outside 0-255 or an unknown name; TypeError: anything else.
    """
    if isinstance(buttons, str):
        buttons = (buttons,)
    if isinstance(buttons, int) and not isinstance(buttons, bool):
        if not 0 <= buttons <= 255:
            raise ValueError(f"controller byte must be in 0-255, got {buttons}")
        return buttons
    if not isinstance(buttons, tuple):
        raise TypeError(f"buttons must be a byte, a button name or a tuple of names, got {buttons!r}")
    try:
        return names_to_byte(buttons)
    except KeyError as e:
        raise ValueError(f"unknown button {e.args[0]!r}; one of {sorted(BUTTONS)}") from None


def _frames(frames: Any, what: str) -> int:
    if not isinstance(frames, int) or isinstance(frames, bool) or frames < 1:
        raise ValueError(f"{what}: frames must be an int >= 1, got {frames!r}")
    return frames


@dataclasses.dataclass(frozen=True)
class Press:
    """Hold ``buttons`` on controller 1 (controller 2 idle) for ``frames`` frames."""

    buttons: Buttons
    frames: int = 1

    def __post_init__(self):
        object.__setattr__(self, "buttons", button_byte(self.buttons))
        _frames(self.frames, repr(self))


@dataclasses.dataclass(frozen=True)
class Wait:
    """Run ``frames`` frames with no button held."""

    frames: int = 1

    def __post_init__(self):
        _frames(self.frames, repr(self))


@dataclasses.dataclass(frozen=True)
class Write:
    """Store ``value`` in RAM at ``where``: an address ($0000-$07FF; ``value`` a byte) or the
    name of a spec variable that is a ``Ram`` of representation ``u`` or ``i`` (``value`` is
    encoded in its width and byte order). ``value``: an int, or a spec value evaluated on the
    RAM before the write."""

    where: Union[int, str]
    value: ValueLike

    def __post_init__(self):
        if isinstance(self.where, bool) or not isinstance(self.where, (int, str)):
            raise TypeError(f"{self!r}: where must be an address or a variable name")
        if isinstance(self.where, int) and not 0 <= self.where < 2048:
            raise ValueError(f"{self!r}: address outside $0000-$07FF")
        object.__setattr__(self, "value", _value(self.value))


@dataclasses.dataclass(frozen=True)
class Store:
    """Set the script register ``name`` to ``value`` (later conditions read it as a variable)."""

    name: str
    value: ValueLike

    def __post_init__(self):
        object.__setattr__(self, "value", _value(self.value))


@dataclasses.dataclass(frozen=True)
class Repeat:
    """Run ``steps`` until ``until`` holds, checked before each pass; at most ``max_passes``
    passes (then :func:`run_start` raises, naming ``name``: what the game is stuck in)."""

    steps: Tuple[Any, ...]
    until: ValueLike
    max_passes: int
    name: str

    def __post_init__(self):
        object.__setattr__(self, "steps", _steps(self.steps, repr(self.name)))
        object.__setattr__(self, "until", _value(self.until))
        if not isinstance(self.max_passes, int) or isinstance(self.max_passes, bool) \
                or self.max_passes < 1:
            raise ValueError(f"repeat {self.name!r}: max_passes must be an int >= 1, "
                             f"got {self.max_passes!r}")


@dataclasses.dataclass(frozen=True)
class LoadState:
    """Load a console state: ``nes_core.NES.save_state`` bytes, or the path of a file holding
    them (read when the script runs)."""

    state: Union[bytes, str, "os.PathLike[str]"]

    def __post_init__(self):
        if isinstance(self.state, (bytearray, memoryview)):
            object.__setattr__(self, "state", bytes(self.state))
        elif isinstance(self.state, os.PathLike):
            object.__setattr__(self, "state", os.fspath(self.state))
        if not isinstance(self.state, (bytes, str)):
            raise TypeError(f"LoadState takes state bytes or a path, got {type(self.state).__name__}")

    def __repr__(self):
        what = f"<{len(self.state)} bytes>" if isinstance(self.state, bytes) else repr(self.state)
        return f"LoadState({what})"


STEPS = (Press, Wait, Write, Store, Repeat, LoadState)


def _steps(steps: Any, where: str) -> Tuple[Any, ...]:
    steps = tuple(steps)
    for s in steps:
        if not isinstance(s, STEPS):
            raise TypeError(f"{where}: not a start step: {s!r} (one of "
                            f"{', '.join(t.__name__ for t in STEPS)})")
    return steps


@dataclasses.dataclass(frozen=True)
class StartScript:
    """A game's way from power-on to the first frame of an episode (see the module).

    Attributes:
        steps: the steps, in order.
    """

    steps: Tuple[Any, ...]

    def __post_init__(self):
        object.__setattr__(self, "steps", _steps(self.steps, "start script"))


# --- the interpreter -------------------------------------------------------------------------------
class _Compiled:
    """A script's expressions compiled, with the game's variables, to one ``RuleTable``."""

    def __init__(self, script: StartScript, spec: Optional[GameSpec]):
        self.values: Dict[int, str] = {}  # id(expression) -> variable name in the table
        self.stores: Dict[str, int] = {}  # script register -> register index
        self._exprs: List[Tuple[str, Any]] = []
        self._spec_vars = dict(spec.variables) if spec is not None else {}
        self.writes: Dict[int, Tuple[int, int, int, bool]] = {}  # id(Write) -> addr, width, rep, big
        self._walk(script.steps)
        base_regs = tuple(spec.registers) if spec is not None else ()
        clash = sorted({r.name for r in base_regs} & set(self.stores))
        if clash:
            raise ValueError(f"start script registers {clash} are registers of the game's spec")
        registers = base_regs + tuple(Register(n) for n in self.stores)
        offset = len(base_regs)
        self.stores = {n: offset + k for k, n in enumerate(self.stores)}
        self.nregisters = len(registers)
        table_spec = GameSpec(variables=tuple(self._spec_vars.items()) + tuple(self._exprs),
                              registers=registers)
        compiled = compile_spec(table_spec)
        from nes_core import RuleStates, RuleTable  # the evaluator is C

        self.table = RuleTable(*compiled.table_args())
        self.programs = {k: compiled.programs[name] for k, name in self.values.items()}
        self.states = RuleStates(1)

    def _expr(self, e) -> None:
        if id(e) not in self.values:
            name = f"start value {len(self._exprs)}"
            self.values[id(e)] = name
            self._exprs.append((name, e))

    def _walk(self, steps) -> None:
        for s in steps:
            if isinstance(s, Write):
                self._expr(s.value)
                self.writes[id(s)] = self._target(s)
            elif isinstance(s, Store):
                self._expr(s.value)
                self.stores.setdefault(s.name, len(self.stores))
            elif isinstance(s, Repeat):
                self._expr(s.until)
                self._walk(s.steps)

    def _target(self, s: Write) -> Tuple[int, int, int, bool]:
        if isinstance(s.where, int):
            return s.where, 1, 0, False
        var = self._spec_vars.get(s.where)
        if not isinstance(var, Ram):
            raise ValueError(f"{s!r}: {s.where!r} is not a RAM variable of the game's spec")
        width, rep, big = parse_type(var.type)
        if rep not in (0, 1):
            raise ValueError(f"{s!r}: {s.where!r} has type {var.type!r}; only u and i "
                             "variables can be written")
        return var.address, width, rep, big

    def eval(self, e) -> int:
        return self.table.eval(self.programs[id(e)], self.ram, self.states, 0)


def run_start(script: StartScript, console, spec: Optional[GameSpec] = None,
              game: str = "game") -> None:
    """Play ``script`` on ``console`` (a ``nes_core.NES`` or anything with ``ram``, ``step``
    and, for :class:`LoadState`, ``load_state``).

    Args:
        script: the steps.
        console: the emulator, usually just powered on.
        spec: the game's rules, whose variables the script's expressions may name.
        game: the game's name, for error messages.

    Raises:
        RuntimeError: a :class:`Repeat` ran ``max_passes`` passes without its condition
            holding (the emulator does not run the game as expected).
        ValueError: an expression names an unknown variable, a :class:`Write` a variable that
            cannot be written or a value that does not fit.
    """
    if not isinstance(script, StartScript):
        raise TypeError(f"script must be a StartScript, got {type(script).__name__}")
    c = _Compiled(script, spec)
    c.ram = console.ram
    _run(c, script.steps, console, game)


def _run(c: _Compiled, steps, console, game: str) -> None:
    for s in steps:
        if isinstance(s, Press):
            console.step(s.frames, s.buttons)
        elif isinstance(s, Wait):
            console.step(s.frames, 0)
        elif isinstance(s, Write):
            value = c.eval(s.value)
            address, width, rep, big = c.writes[id(s)]
            low, high = (-(1 << 8 * width - 1), (1 << 8 * width - 1) - 1) if rep else (0, (1 << 8 * width) - 1)
            if not low <= value <= high:
                raise ValueError(f"{game}: start step {s!r}: value {value} does not fit in "
                                 f"{width} byte(s)")
            data = (value % (1 << 8 * width)).to_bytes(width, "big" if big else "little")
            c.ram[address:address + width] = list(data)
        elif isinstance(s, Store):
            value = c.eval(s.value)
            regs = c.states.registers(0, c.nregisters)
            regs[c.stores[s.name]] = value
            c.states.set_registers(0, regs)
        elif isinstance(s, Repeat):
            passes = 0
            while not c.eval(s.until):
                if passes == s.max_passes:
                    raise RuntimeError(
                        f"{game}: start script still in {s.name} after {s.max_passes} passes; "
                        "the emulator does not run the game as expected")
                _run(c, s.steps, console, game)
                passes += 1
        else:  # LoadState
            state = s.state
            if isinstance(state, str):
                with open(state, "rb") as f:
                    state = f.read()
            console.load_state(state)
            c.ram = console.ram
