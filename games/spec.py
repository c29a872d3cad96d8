"""Game specs: a game's rules as data (RAM variables, reward, termination, info, frame skipping).

A :class:`GameSpec` says what the RAM means; :func:`compile_spec` turns it into the table that
``nes_core.RuleTable`` evaluates in C, the same table for the single env (one console, between
frames) and the vector env (every console, in the pool's threads, with no Python per console).

Values are integer expressions on the 2 KiB CPU RAM:

* ``Ram(address, type)``: stable-retro's type strings (``data.json``): byte order ``<`` little,
  ``>`` big, ``|`` none (one byte), ``=`` native (little); representation ``u`` unsigned, ``i``
  signed, ``d`` packed BCD (two digits a byte), ``n`` one decimal digit a byte (its low
  nibble, as Super Mario Bros. stores its score); width 1-8 bytes. ``">n6"``: six digits, most
  significant first. nesenv adds ``t``: one decimal number a byte, joined as text (bytes 1,
  10, 3 read 1103, as a reader joining ``str(byte)`` gets);
* ``Var("name")`` (or just the name, as a string, where a value is expected): another variable
  or a register of the spec; ints are constants;
* ``a + b``, ``a - b``, ``a * b``, ``a // b``, ``a % b`` (Python's floor division and modulo;
  0 when ``b`` is 0); ``Select(condition, then, otherwise)``, ``Abs(x)``, ``Min(a, b)``,
  ``Max(a, b)``.

Conditions are values that are 0 or 1: ``v.eq(x)``, ``ne``, ``lt``, ``gt``, ``le``, ``ge``,
``v.isin({...})``, ``v.zero()``, ``v.nonzero()``, combined with ``AllOf(...)``, ``AnyOf(...)``,
``Not(...)`` (stable-retro's ``equal`` / ``not-equal`` / ``less-than`` / ``greater-than`` /
``zero`` operations, ``all`` / ``any`` conditions).

Rules:

* ``registers``: :class:`Register` s, integers each console keeps (a start position, a best
  distance, a one-off flag): set at an episode's start, changed by :class:`Update` s after
  each frame's reward (or after a frame that did not end the episode), read like variables;
* rewards: :class:`DeltaReward` (the change of a value since the last frame, times a weight;
  a change outside ``[low, high]`` counts 0), :class:`ConditionReward` (a reward or penalty
  on each frame a condition holds) and :class:`ValueReward` (a value times a weight); the
  frame's reward is their sum, and terms may name the ``component`` (reward part) they add to;
* ``terminated`` / ``truncated``: conditions, checked after every frame;
* ``info``: :class:`InfoKey` values (int, bool, text, or labels such as ``"small"``),
  :class:`InfoConst` constants (a task id, the target stage) and :class:`RewardInfo` (the last
  frame's reward parts and total);
* ``skips``: :class:`SkipRule`, run between agent steps of an episode that goes on, in order:
  RAM writes and frames with no input while a condition holds (death animations, cut-scenes,
  pre-level screens), optionally with a :class:`Stall` counter.

Per frame, in this order: the reward terms (each reads the registers as the last frame left
them), ``terminated`` / ``truncated``, the frame's updates, the info; after a frame that did
not end the episode, the after-step updates, then the skip rules.

The start of an episode (a power-on button script, a saved state) is a
:class:`games.start.StartScript` next to the spec: it runs once and the env caches the state it
reaches (``games.base.Game.start``).
"""
import dataclasses
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

__all__ = [
    "Expr", "Ram", "Var", "Const", "BinOp", "Compare", "InSet", "AllOf", "AnyOf", "Not", "Select",
    "Abs", "Min", "Max", "Register", "Update", "DeltaReward", "ConditionReward", "ValueReward",
    "InfoKey", "InfoConst", "RewardInfo", "Stall", "SkipRule", "GameSpec", "CompiledSpec",
    "compile_spec", "parse_type", "rules_for",
]

ValueLike = Union["Expr", int, str]

# opcodes of src/rules.h
OP_END, OP_CONST, OP_RAM, OP_ADD, OP_SUB, OP_MUL = 0, 1, 2, 3, 4, 5
OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_IN, OP_AND, OP_OR, OP_NOT, OP_SELECT = range(6, 17)
OP_REG, OP_ABS, OP_MIN, OP_MAX, OP_DIV, OP_MOD = range(17, 23)
_BINARY = {"+": OP_ADD, "-": OP_SUB, "*": OP_MUL, "min": OP_MIN, "max": OP_MAX, "//": OP_DIV,
           "%": OP_MOD}
COMPARISONS = {"equal": OP_EQ, "not-equal": OP_NE, "less-than": OP_LT, "greater-than": OP_GT,
               "less-or-equal": OP_LE, "greater-or-equal": OP_GE}
_REPRS = {"u": 0, "i": 1, "d": 2, "n": 3, "t": 4}
#: the representations stable-retro's own type strings have (``t`` is nesenv's)
RETRO_REPRESENTATIONS = frozenset("uidn")
_TYPE_RE = re.compile(r"^([<>|=])([uidnt])([1-8])$")
MAX_REGISTERS, MAX_COMPONENTS = 32, 16  # src/rules.h
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
RAM_SIZE = 2048
#: frames an unbounded skip rule may run before the env raises (it would be a bug)
DEFAULT_FRAME_LIMIT = 20_000


def parse_type(type_: str, retro: bool = False) -> Tuple[int, int, bool]:
    """Return ``(width, representation code, big_endian)`` of a stable-retro type string.

    Args:
        type_: e.g. ``"|u1"``, ``">n6"``.
        retro: accept only what stable-retro itself accepts (its representations
            :data:`RETRO_REPRESENTATIONS`: no nesenv ``t``), as for an integration's
            ``data.json``.

    Raises:
        ValueError: not ``[<>|=][uidnt][1-8]``, ``|`` with a width above 1, or with ``retro``
            a representation stable-retro does not have.
    """
    m = _TYPE_RE.match(type_) if isinstance(type_, str) else None
    if m is None:
        raise ValueError(f"bad RAM type {type_!r}: expected e.g. '|u1', '<u2', '>n6', '>d4' "
                         "(order <, >, | or =; u, i, d, n or t; width 1-8)")
    order, rep, width = m.group(1), m.group(2), int(m.group(3))
    if retro and rep not in RETRO_REPRESENTATIONS:
        raise ValueError(f"RAM type {type_!r}: representation {rep!r} is nesenv's own; "
                         "stable-retro reads only u, i, d and n (its DataType), so an "
                         "integration cannot use it")
    if order == "|" and width > 1:
        raise ValueError(f"bad RAM type {type_!r}: '|' (no byte order) is for one byte")
    return width, _REPRS[rep], order == ">"


def _value(v: ValueLike) -> "Expr":
    if isinstance(v, Expr):
        return v
    if isinstance(v, bool):
        return Const(int(v))
    if isinstance(v, int):
        return Const(v)
    if isinstance(v, str):
        return Var(v)
    raise TypeError(f"not a spec value: {v!r} (an Expr, an int or a variable name)")


class Expr:
    """An integer value of the RAM (a condition is a value that is 0 or 1)."""

    def __add__(self, other): return BinOp("+", self, _value(other))
    def __radd__(self, other): return BinOp("+", _value(other), self)
    def __sub__(self, other): return BinOp("-", self, _value(other))
    def __rsub__(self, other): return BinOp("-", _value(other), self)
    def __mul__(self, other): return BinOp("*", self, _value(other))
    def __rmul__(self, other): return BinOp("*", _value(other), self)
    def __floordiv__(self, other): return BinOp("//", self, _value(other))
    def __rfloordiv__(self, other): return BinOp("//", _value(other), self)
    def __mod__(self, other): return BinOp("%", self, _value(other))
    def __rmod__(self, other): return BinOp("%", _value(other), self)

    def eq(self, other: ValueLike) -> "Compare": return Compare("equal", self, _value(other))
    def ne(self, other: ValueLike) -> "Compare": return Compare("not-equal", self, _value(other))
    def lt(self, other: ValueLike) -> "Compare": return Compare("less-than", self, _value(other))
    def gt(self, other: ValueLike) -> "Compare": return Compare("greater-than", self, _value(other))
    def le(self, other: ValueLike) -> "Compare": return Compare("less-or-equal", self, _value(other))
    def ge(self, other: ValueLike) -> "Compare": return Compare("greater-or-equal", self, _value(other))
    def zero(self) -> "Compare": return self.eq(0)
    def nonzero(self) -> "Compare": return self.ne(0)

    def isin(self, values: Iterable[int]) -> "InSet":
        return InSet(self, tuple(sorted({int(v) for v in values})))


@dataclasses.dataclass(frozen=True)
class Ram(Expr):
    """The value stored at CPU RAM ``address`` ($0000-$07FF) with a stable-retro ``type``."""

    address: int
    type: str = "|u1"

    def __post_init__(self):
        width = parse_type(self.type)[0]
        if not isinstance(self.address, int) or not 0 <= self.address <= RAM_SIZE - width:
            raise ValueError(f"RAM address {self.address!r} ({self.type}) outside $0000-$07FF")


@dataclasses.dataclass(frozen=True)
class Var(Expr):
    """Another variable of the spec, by name."""

    name: str


@dataclasses.dataclass(frozen=True)
class Const(Expr):
    value: int


@dataclasses.dataclass(frozen=True)
class BinOp(Expr):
    op: str  # "+", "-", "*", "//", "%", "min", "max"
    left: Expr
    right: Expr


def Min(a: ValueLike, b: ValueLike) -> BinOp:
    """The smaller of two values."""
    return BinOp("min", _value(a), _value(b))


def Max(a: ValueLike, b: ValueLike) -> BinOp:
    """The larger of two values."""
    return BinOp("max", _value(a), _value(b))


@dataclasses.dataclass(frozen=True)
class Abs(Expr):
    """The absolute value of ``term``."""

    term: Expr

    def __post_init__(self):
        object.__setattr__(self, "term", _value(self.term))


@dataclasses.dataclass(frozen=True)
class Compare(Expr):
    """1 when ``left op right`` (op: stable-retro's names, see ``COMPARISONS``), else 0."""

    op: str
    left: Expr
    right: Expr

    def __post_init__(self):
        if self.op not in COMPARISONS:
            raise ValueError(f"unknown comparison {self.op!r}; one of {sorted(COMPARISONS)}")


@dataclasses.dataclass(frozen=True)
class InSet(Expr):
    value: Expr
    values: Tuple[int, ...]


class _Combine(Expr):
    def __init__(self, *terms: ValueLike):
        object.__setattr__(self, "terms", tuple(_value(t) for t in terms))


@dataclasses.dataclass(frozen=True, init=False)
class AllOf(_Combine):
    """1 when every term holds (no terms: 1)."""

    terms: Tuple[Expr, ...]


@dataclasses.dataclass(frozen=True, init=False)
class AnyOf(_Combine):
    """1 when a term holds (no terms: 0)."""

    terms: Tuple[Expr, ...]


@dataclasses.dataclass(frozen=True)
class Not(Expr):
    term: Expr

    def __post_init__(self):
        object.__setattr__(self, "term", _value(self.term))


@dataclasses.dataclass(frozen=True)
class Select(Expr):
    """``then`` when ``condition`` holds, else ``otherwise``."""

    condition: Expr
    then: Expr
    otherwise: Expr

    def __post_init__(self):
        for f in ("condition", "then", "otherwise"):
            object.__setattr__(self, f, _value(getattr(self, f)))


# --- rules -----------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class DeltaReward:
    """``weight * (value - value after the previous frame) / divisor``; a change outside
    ``[low, high]`` (None: unbounded), or one on a frame where ``when`` (if given) does not
    hold, counts 0 (the last value moves on all the same). ``name`` keys the last value in
    ``Game.get_state`` (``name + "_last"``); ``component`` names the reward part it adds to."""

    value: ValueLike
    weight: float = 1.0
    low: Optional[int] = None
    high: Optional[int] = None
    name: Optional[str] = None
    when: Optional[ValueLike] = None
    divisor: float = 1
    component: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class ConditionReward:
    """``reward`` on every frame ``condition`` holds (a negative one is a penalty)."""

    condition: ValueLike
    reward: float
    component: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class ValueReward:
    """``weight * value / divisor`` every frame (e.g. the growth of a best distance, computed
    with registers)."""

    value: ValueLike
    weight: float = 1.0
    divisor: float = 1
    component: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Register:
    """An integer each console keeps, named like a variable; ``start`` is its value at the
    start of an episode (registers start in order: a start may read earlier registers)."""

    name: str
    start: ValueLike = 0


@dataclasses.dataclass(frozen=True)
class Update:
    """When ``when`` holds (None: always), store the values of ``assign`` (``{register:
    value}``, all computed before any is stored) in the registers: after each frame's reward
    and termination, or with ``after_step`` after a frame that did not end the episode, before
    the skip rules. Updates run in the spec's order."""

    assign: Tuple[Tuple[str, Expr], ...]
    when: Optional[ValueLike] = None
    after_step: bool = False

    def __post_init__(self):
        assign = self.assign
        if isinstance(assign, Mapping):
            assign = tuple(assign.items())
        object.__setattr__(self, "assign", tuple((str(k), _value(v)) for k, v in assign))


@dataclasses.dataclass(frozen=True)
class InfoKey:
    """An ``info`` entry: ``kind`` ``"int"`` or ``"bool"``; with ``labels`` (``((code, str),
    ...)``) the value is the label of its code, ``default`` for other codes."""

    name: str
    value: ValueLike
    kind: str = "int"
    labels: Tuple[Tuple[int, str], ...] = ()
    default: Optional[str] = None

    def __post_init__(self):
        if self.kind not in ("int", "bool", "str"):
            raise ValueError(f"info {self.name!r}: kind must be 'int', 'bool' or 'str', "
                             f"got {self.kind!r}")


@dataclasses.dataclass(frozen=True)
class InfoConst:
    """An ``info`` entry with the same value on every frame (a task id, a target stage; any
    hashable Python value: int, float, bool, str or None)."""

    name: str
    value: Any


@dataclasses.dataclass(frozen=True)
class RewardInfo:
    """An ``info`` entry from the last frame's reward (0 after a reset): ``part``
    ``"components"`` (a dict of each reward component's float), ``"total"`` (the reward,
    unclipped) or ``"clipped"`` (clipped to ``clip``, ``(low, high)``)."""

    name: str
    part: str
    clip: Optional[Tuple[float, float]] = None

    def __post_init__(self):
        if self.part not in ("components", "total", "clipped"):
            raise ValueError(f"info {self.name!r}: part must be 'components', 'total' or "
                             f"'clipped', got {self.part!r}")
        if (self.part == "clipped") != (self.clip is not None):
            raise ValueError(f"info {self.name!r}: 'clipped' takes clip=(low, high), the other "
                             "parts none")


Writes = Tuple[Tuple[int, int], ...]


@dataclasses.dataclass(frozen=True)
class Stall:
    """In a skip rule: when ``when`` held and ``value`` did not change over ``frames``
    consecutive frames, apply ``writes`` (and again on each further such frame)."""

    value: ValueLike
    when: ValueLike
    frames: int
    writes: Writes


@dataclasses.dataclass(frozen=True)
class SkipRule:
    """Frames with no input between agent steps, while the game is not playable.

    If ``when`` holds: remember ``until_changed`` (if given), then repeat {apply ``writes``;
    stop if ``max_frames`` is 0; run a frame with no input} while fewer than ``max_frames``
    frames ran (None: no bound; the spec's ``frame_limit`` raises), ``while_`` holds (None:
    ``when``) and ``until_changed`` kept its value.

    Attributes:
        name: what is skipped, for the error message (e.g. ``"the death animation"``).
    """

    name: str
    when: ValueLike
    writes: Writes = ()
    max_frames: Optional[int] = None
    while_: Optional[ValueLike] = None
    until_changed: Optional[ValueLike] = None
    stall: Optional[Stall] = None


@dataclasses.dataclass(frozen=True)
class GameSpec:
    """A game's rules as data (see the module docstring).

    Attributes:
        variables: ``((name, value), ...)``; a ``dict`` is accepted and kept in order.
        rewards: :class:`DeltaReward` / :class:`ConditionReward` / :class:`ValueReward` terms,
            summed.
        terminated, truncated: conditions (None: never).
        info: the ``info`` entries, in order (:class:`InfoKey`, :class:`InfoConst`,
            :class:`RewardInfo`).
        registers: :class:`Register` s (at most 32).
        updates: :class:`Update` s, in order.
        skips: :class:`SkipRule` s, run in order after each step that does not terminate.
        frame_limit: frames an unbounded skip rule may run before the env raises.
    """

    variables: Tuple[Tuple[str, Expr], ...] = ()
    rewards: Tuple[Union[DeltaReward, ConditionReward, ValueReward], ...] = ()
    terminated: Optional[ValueLike] = None
    truncated: Optional[ValueLike] = None
    info: Tuple[Union[InfoKey, InfoConst, RewardInfo], ...] = ()
    skips: Tuple[SkipRule, ...] = ()
    frame_limit: int = DEFAULT_FRAME_LIMIT
    registers: Tuple[Register, ...] = ()
    updates: Tuple[Update, ...] = ()

    def __post_init__(self):
        variables = self.variables
        if isinstance(variables, Mapping):
            variables = tuple(variables.items())
        object.__setattr__(self, "variables", tuple((str(k), _value(v)) for k, v in variables))
        for f in ("rewards", "info", "skips", "registers", "updates"):
            object.__setattr__(self, f, tuple(getattr(self, f)))


# --- compiling -------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class CompiledSpec:
    """The arrays of ``nes_core.RuleTable`` plus what Python needs to read its results.

    Attributes:
        programs: variable name -> program index (to evaluate one variable).
        delta_names: names of the delta terms, in slot order.
        info_keys: the spec's :class:`InfoKey` s, in table order.
        info_entries: all the spec's info entries, in ``info`` order.
        register_names: the registers, in table order.
        component_names: the reward components, in table order.
    """

    ops: Tuple[Tuple[int, int, int], ...]
    consts: Tuple[int, ...]
    rewards: Tuple[Tuple[Any, ...], ...]
    terminated: int
    truncated: int
    info: Tuple[int, ...]
    skips: Tuple[Tuple[int, ...], ...]
    writes: Tuple[Tuple[int, int], ...]
    frame_limit: int
    programs: Dict[str, int]
    delta_names: Tuple[Optional[str], ...]
    info_keys: Tuple[InfoKey, ...]
    skip_names: Tuple[str, ...]
    registers: Tuple[int, ...] = ()
    updates: Tuple[Tuple[int, int, int, int], ...] = ()
    assigns: Tuple[Tuple[int, int], ...] = ()
    info_entries: Tuple[Any, ...] = ()
    register_names: Tuple[str, ...] = ()
    component_names: Tuple[str, ...] = ()

    def table_args(self) -> tuple:
        """The arguments of ``nes_core.RuleTable``."""
        return (self.ops, self.consts, self.rewards, self.terminated, self.truncated, self.info,
                self.skips, self.writes, self.frame_limit, self.registers, self.updates,
                self.assigns, len(self.component_names))


class _Compiler:
    def __init__(self, spec: GameSpec):
        self.vars = dict(spec.variables)
        if len(self.vars) != len(spec.variables):
            raise ValueError("a variable name is defined twice")
        self.regs = {r.name: k for k, r in enumerate(spec.registers)}
        if len(self.regs) != len(spec.registers):
            raise ValueError("a register name is defined twice")
        if len(self.regs) > MAX_REGISTERS:
            raise ValueError(f"at most {MAX_REGISTERS} registers, got {len(self.regs)}")
        both = sorted(set(self.regs) & set(self.vars))
        if both:
            raise ValueError(f"names used for a variable and a register: {both}")
        self.ops: List[Tuple[int, int, int]] = []
        self.consts: List[int] = []
        self.writes: List[Tuple[int, int]] = []
        self._resolving: List[str] = []

    def program(self, value: ValueLike) -> int:
        start = len(self.ops)
        self.emit(_value(value))
        self.ops.append((OP_END, 0, 0))
        return start

    def optional(self, value: Optional[ValueLike]) -> int:
        return -1 if value is None else self.program(value)

    def emit(self, e: Expr) -> None:
        ops = self.ops
        if isinstance(e, Const):
            if not INT64_MIN <= int(e.value) <= INT64_MAX:
                raise ValueError(f"constant {e.value} outside int64")
            ops.append((OP_CONST, 0, int(e.value)))
        elif isinstance(e, Ram):
            width, rep, big = parse_type(e.type)
            ops.append((OP_RAM, e.address, width | rep << 8 | int(big) << 16))
        elif isinstance(e, Var) and e.name in self.regs:
            ops.append((OP_REG, self.regs[e.name], 0))
        elif isinstance(e, Var):
            if e.name not in self.vars:
                raise ValueError(f"unknown variable {e.name!r}; the spec defines "
                                 f"{sorted(self.vars)} and the registers {sorted(self.regs)}")
            if e.name in self._resolving:
                raise ValueError(f"variable {e.name!r} is defined in terms of itself")
            self._resolving.append(e.name)
            self.emit(self.vars[e.name])
            self._resolving.pop()
        elif isinstance(e, BinOp):
            self.emit(e.left)
            self.emit(e.right)
            ops.append((_BINARY[e.op], 0, 0))
        elif isinstance(e, Compare):
            self.emit(e.left)
            self.emit(e.right)
            ops.append((COMPARISONS[e.op], 0, 0))
        elif isinstance(e, InSet):
            self.emit(e.value)
            ops.append((OP_IN, len(self.consts), len(e.values)))
            self.consts.extend(int(v) for v in e.values)
        elif isinstance(e, (AllOf, AnyOf)):
            if not e.terms:
                ops.append((OP_CONST, 0, int(isinstance(e, AllOf))))
                return
            self.emit(e.terms[0])
            for t in e.terms[1:]:
                self.emit(t)
                ops.append((OP_AND if isinstance(e, AllOf) else OP_OR, 0, 0))
            if len(e.terms) == 1:  # a condition is 0 or 1 even when its one term is a value
                ops.extend([(OP_NOT, 0, 0), (OP_NOT, 0, 0)])
        elif isinstance(e, Not):
            self.emit(e.term)
            ops.append((OP_NOT, 0, 0))
        elif isinstance(e, Abs):
            self.emit(e.term)
            ops.append((OP_ABS, 0, 0))
        elif isinstance(e, Select):
            self.emit(e.condition)
            self.emit(e.then)
            self.emit(e.otherwise)
            ops.append((OP_SELECT, 0, 0))
        else:
            raise TypeError(f"not a spec value: {e!r}")

    def add_writes(self, writes: Writes) -> Tuple[int, int]:
        start = len(self.writes)
        for address, value in writes:
            if not (0 <= int(address) < RAM_SIZE and 0 <= int(value) <= 255):
                raise ValueError(f"RAM write ({address}, {value}): address must be in "
                                 "$0000-$07FF and the byte in 0-255")
            self.writes.append((int(address), int(value)))
        return start, len(writes)


def compile_spec(spec: GameSpec) -> CompiledSpec:
    """Compile ``spec`` to the arrays of ``nes_core.RuleTable`` (pure Python).

    Raises:
        ValueError: unknown or self-referencing variable names, bad types, addresses or writes,
            more than 16 delta terms; TypeError: something that is not a spec value.
    """
    if not isinstance(spec, GameSpec):
        raise TypeError(f"spec must be a GameSpec, got {type(spec).__name__}")
    c = _Compiler(spec)
    programs = {name: c.program(Var(name)) for name, _ in spec.variables}
    rewards, delta_names, components = [], [], {}

    def component(name: Optional[str]) -> int:
        if name is None:
            return -1
        return components.setdefault(str(name), len(components))

    for term in spec.rewards:
        if isinstance(term, (DeltaReward, ValueReward)) and not float(term.divisor):
            raise ValueError(f"reward term {term!r}: divisor must not be 0")
        if isinstance(term, DeltaReward):
            low = INT64_MIN if term.low is None else int(term.low)
            high = INT64_MAX if term.high is None else int(term.high)
            rewards.append((0, c.program(term.value), c.optional(term.when), len(delta_names),
                            float(term.weight), low, high, float(term.divisor),
                            component(term.component)))
            delta_names.append(term.name)
        elif isinstance(term, ConditionReward):
            rewards.append((1, -1, c.program(term.condition), 0, float(term.reward), 0, 0, 1.0,
                            component(term.component)))
        elif isinstance(term, ValueReward):
            rewards.append((2, c.program(term.value), -1, 0, float(term.weight), 0, 0,
                            float(term.divisor), component(term.component)))
        else:
            raise TypeError(f"not a reward term: {term!r}")
    if len(delta_names) > 16:
        raise ValueError(f"at most 16 delta reward terms, got {len(delta_names)}")
    if len(components) > MAX_COMPONENTS:
        raise ValueError(f"at most {MAX_COMPONENTS} reward components, got {len(components)}")
    terminated, truncated = c.optional(spec.terminated), c.optional(spec.truncated)
    registers = tuple(c.program(r.start) for r in spec.registers)
    updates, assigns = [], []
    for u in spec.updates:
        if not isinstance(u, Update):
            raise TypeError(f"not an Update: {u!r}")
        first = len(assigns)
        for name, value in u.assign:
            if name not in c.regs:
                raise ValueError(f"update of {name!r}, not a register; registers: {sorted(c.regs)}")
            assigns.append((c.regs[name], c.program(value)))
        updates.append((int(bool(u.after_step)), c.optional(u.when), first, len(u.assign)))
    keys = []
    for entry in spec.info:
        if isinstance(entry, RewardInfo) and entry.part == "components" and not components:
            raise ValueError(f"info {entry.name!r}: the reward terms name no component")
        if isinstance(entry, InfoKey):
            keys.append(entry)
        elif not isinstance(entry, (InfoConst, RewardInfo)):
            raise TypeError(f"not an info entry: {entry!r}")
    names = [e.name for e in spec.info]
    if len(set(names)) != len(names):
        raise ValueError("an info name is used twice")
    info = tuple(c.program(k.value) for k in keys)
    skips = []
    for rule in spec.skips:
        if rule.max_frames is not None and rule.max_frames < 0:
            raise ValueError(f"skip rule {rule.name!r}: max_frames must be >= 0 or None")
        writes, nwrites = c.add_writes(rule.writes)
        stall = (-1, -1, 0, 0, 0)
        if rule.stall is not None:
            if rule.stall.frames < 1:
                raise ValueError(f"skip rule {rule.name!r}: stall frames must be >= 1")
            sw, sn = c.add_writes(rule.stall.writes)
            stall = (c.program(rule.stall.value), c.program(rule.stall.when), int(rule.stall.frames), sw, sn)
        skips.append((c.program(rule.when), c.optional(rule.while_), c.optional(rule.until_changed),
                      writes, nwrites, -1 if rule.max_frames is None else int(rule.max_frames)) + stall)
    return CompiledSpec(
        ops=tuple(c.ops), consts=tuple(c.consts), rewards=tuple(rewards), terminated=terminated,
        truncated=truncated, info=info, skips=tuple(skips), writes=tuple(c.writes),
        frame_limit=int(spec.frame_limit), programs=programs, delta_names=tuple(delta_names),
        info_keys=tuple(keys), skip_names=tuple(r.name for r in spec.skips),
        registers=registers, updates=tuple(updates), assigns=tuple(assigns),
        info_entries=spec.info, register_names=tuple(r.name for r in spec.registers),
        component_names=tuple(components),
    )


# --- the evaluator ---------------------------------------------------------------------------------
class Rules:
    """A compiled spec and its C table (``nes_core.RuleTable``), shared by every game object of
    the same spec. Get one with :func:`rules_for`.

    Attributes:
        spec: the :class:`GameSpec`.
        compiled: its :class:`CompiledSpec`.
        table: the ``nes_core.RuleTable`` built from it.
        ncomponents: the number of reward components.
    """

    def __init__(self, spec: GameSpec):
        from nes_core import RuleTable  # the evaluator is C; games import it only when used

        self.spec = spec
        self.compiled = compile_spec(spec)
        self.table = RuleTable(*self.compiled.table_args())
        self.ncomponents = len(self.compiled.component_names)
        # per info entry, in order: (name, kind, payload); kinds: "key" (payload: index into
        # the table's values, converter), "const" (the value), "components", "total", "clipped"
        plan, k = [], 0
        for e in self.compiled.info_entries:
            if isinstance(e, InfoKey):
                plan.append((e.name, "key", (k, self._converter(e))))
                k += 1
            elif isinstance(e, InfoConst):
                plan.append((e.name, "const", e.value))
            else:
                plan.append((e.name, e.part, e.clip))
        self._entries = tuple(plan)
        self._plain = all(kind == "key" for _, kind, _ in plan)
        self._names = tuple(name for name, _, _ in plan)
        self._convert = tuple(p[1] for _, kind, p in plan if kind == "key")
        self._plan = None  # info_arrays' per-entry plan, built on first use (NumPy)

    @staticmethod
    def _converter(key: InfoKey):
        if key.labels:
            labels, default = dict(key.labels), key.default
            return lambda v: labels.get(v, default)
        return {"bool": bool, "str": str}.get(key.kind, int)

    def value(self, name: str, ram) -> int:
        """Return variable ``name`` on ``ram`` (``(2048,)`` ``uint8``) as an int (registers
        read 0)."""
        return self.table.eval(self.compiled.programs[name], ram)

    def info(self, ram, states=None, index: int = 0) -> Dict[str, Any]:
        """The ``info`` dict on ``ram``: plain Python ints, bools, strings, floats and dicts.

        Args:
            ram: ``(2048,)`` ``uint8``.
            states: ``nes_core.RuleStates`` holding the console's registers and last reward
                (None: registers read 0, rewards 0.0), and ``index``, its row.
        """
        return self.info_dict(self.table.info(ram, states, index), states, index)

    def info_dict(self, values, states=None, index: int = 0) -> Dict[str, Any]:
        """:meth:`info` from one console's K info values (ints, in the table's order, as
        ``table.info`` or the pool's ``info`` column give them) and its ``states`` row."""
        if self._plain:
            return {n: f(v) for n, f, v in zip(self._names, self._convert, values)}
        out: Dict[str, Any] = {}
        reward = states.reward(index) if states is not None else 0.0
        for name, kind, payload in self._entries:
            if kind == "key":
                out[name] = payload[1](values[payload[0]])
            elif kind == "const":
                out[name] = payload
            elif kind == "components":
                parts = (states.components(index, self.ncomponents) if states is not None
                         else [0.0] * self.ncomponents)
                out[name] = dict(zip(self.compiled.component_names, parts))
            elif kind == "total":
                out[name] = float(reward)
            else:
                out[name] = float(max(payload[0], min(payload[1], reward)))
        return out

    def info_arrays(self, values, mask, full: Optional[bool] = None, parts=None) -> Dict[str, Any]:
        """Vector infos as :class:`gymnasium.vector.SyncVectorEnv` builds them, from the
        ``(K, N)`` int64 ``values`` of N consoles: ``int64`` / ``bool`` / ``float64`` /
        ``object`` arrays, 0 / False / None where ``mask`` (``(N,)`` bool) is False, and their
        ``_key`` masks (one new array shared by all keys); reward components as a dict of such
        arrays. ``full``: whether ``mask`` is all True, if known. ``parts``: ``float64`` ``(1 +
        ncomponents, N)``, each console's last reward then its components (needed when the
        spec's info has :class:`RewardInfo` entries; ``RuleStates.reward_parts`` fills it)."""
        import numpy as np

        if self._plan is None:
            self._plan = self._info_plan(np)
        if full is None:
            full = bool(mask.all())
        mask = mask.copy()  # one new array, the "_key" mask of every key
        out: Dict[str, Any] = {}
        for name, key_mask, kind, arg in self._plan:
            if kind == 0:  # int
                v = values[arg] if full else np.where(mask, values[arg], 0)
            elif kind == 1:  # bool (astype: half the time of "!= 0" for a few envs)
                v = values[arg].astype(bool)
                if not full:
                    v &= mask
            elif kind in (2, 3, 4):  # labels or text; 2: a byte, 3: any value, 4: str()
                row, lut = arg
                v = values[row]
                if kind != 2 and (v.min() < 0 or v.max() > 255):
                    if kind == 4:
                        v = np.array([str(x) for x in v.tolist()], dtype=object)
                    else:
                        v = lut.take(np.where((v >= 0) & (v <= 255), v, 256))
                else:
                    v = lut.take(v)
                if not full:
                    v[~mask] = None
            elif kind == 5:  # a constant, with Gymnasium's dtype for its type
                value, dtype = arg
                v = np.full(mask.size, value, dtype=dtype)
                if not full:
                    v[~mask] = None if dtype is object else 0
            elif kind == 6:  # the reward's components
                v = {}
                for k, c in enumerate(self.compiled.component_names):
                    v[c] = parts[1 + k].copy() if full else np.where(mask, parts[1 + k], 0.0)
                    v["_" + c] = mask
            elif kind == 7:  # the reward, unclipped
                v = parts[0].copy() if full else np.where(mask, parts[0], 0.0)
            else:  # clipped
                v = np.clip(parts[0], arg[0], arg[1])
                if not full:
                    v[~mask] = 0.0
            out[name] = v
            out[key_mask] = mask
        return out

    def _info_plan(self, np):
        # per entry: name, "_" + name, kind code, argument (see info_arrays)
        ops, plan = self.compiled.ops, []
        keys = iter(zip(self.compiled.info_keys, self.compiled.info))
        row = 0
        for name, kind, payload in self._entries:
            if kind == "key":
                key, p = next(keys)
                if key.labels or key.kind == "str":
                    if key.labels:
                        labels = dict(key.labels)
                        table = [labels.get(c, key.default) for c in range(256)] + [key.default]
                    else:
                        table = [str(c) for c in range(256)] + [None]
                    lut = np.array(table, dtype=object)
                    byte = ops[p][0] == OP_RAM and ops[p][2] == 1 and ops[p + 1][0] == OP_END
                    code = 4 if key.kind == "str" else (2 if byte else 3)
                    plan.append((name, "_" + name, code, (row, lut)))
                else:
                    plan.append((name, "_" + name, 1 if key.kind == "bool" else 0, row))
                row += 1
            elif kind == "const":
                dtype = type(payload) if type(payload) in (int, float, bool) else object
                plan.append((name, "_" + name, 5, (payload, dtype)))
            else:
                plan.append((name, "_" + name, {"components": 6, "total": 7, "clipped": 8}[kind],
                             payload))
        return plan


_RULES: Dict[GameSpec, Rules] = {}
#: id(spec) -> (spec, its Rules): hashing a spec walks all of it, so a spec object seen before is
#: found by identity (the tuple keeps it alive, so its id is not reused)
_RULES_BY_ID: Dict[int, Tuple[GameSpec, Rules]] = {}


def rules_for(spec: GameSpec) -> Rules:
    """Return the (cached) :class:`Rules` of ``spec``: one per distinct spec, shared by equal
    specs."""
    hit = _RULES_BY_ID.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    rules = _RULES.get(spec)
    if rules is None:
        rules = _RULES[spec] = Rules(spec)
    _RULES_BY_ID[id(spec)] = (spec, rules)
    return rules
