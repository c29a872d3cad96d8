"""Game specs: a game's rules as data (RAM variables, reward, termination, info, frame skipping).

A :class:`GameSpec` says what the RAM means; :func:`compile_spec` turns it into the table that
``nes_core.RuleTable`` evaluates in C, the same table for the single env (one console, between
frames) and the vector env (every console, in the pool's threads, with no Python per console).

Values are integer expressions on the 2 KiB CPU RAM:

* ``Ram(address, type)``: stable-retro's type strings (``data.json``): byte order ``<`` little,
  ``>`` big, ``|`` none (one byte), ``=`` native (little); representation ``u`` unsigned, ``i``
  signed, ``d`` packed BCD (two digits a byte), ``n`` one decimal digit a byte (its low
  nibble, as Super Mario Bros. stores its score); width 1-8 bytes. ``">n6"``: six digits, most
  significant first.
* ``Var("name")`` (or just the name, as a string, where a value is expected): another variable
  of the spec; ints are constants;
* ``a + b``, ``a - b``, ``a * b``; ``Select(condition, then, otherwise)``.

Conditions are values that are 0 or 1: ``v.eq(x)``, ``ne``, ``lt``, ``gt``, ``le``, ``ge``,
``v.isin({...})``, ``v.zero()``, ``v.nonzero()``, combined with ``AllOf(...)``, ``AnyOf(...)``,
``Not(...)`` (stable-retro's ``equal`` / ``not-equal`` / ``less-than`` / ``greater-than`` /
``zero`` operations, ``all`` / ``any`` conditions).

Rules:

* rewards: :class:`DeltaReward` (the change of a value since the last frame, times a weight;
  a change outside ``[low, high]`` counts 0) and :class:`ConditionReward` (a reward or penalty
  on each frame a condition holds); the frame's reward is their sum;
* ``terminated`` / ``truncated``: conditions, checked after every frame;
* ``info``: :class:`InfoKey` values (int, bool, or labels such as ``"small"``);
* ``skips``: :class:`SkipRule`, run between agent steps of an episode that goes on, in order:
  RAM writes and frames with no input while a condition holds (death animations, cut-scenes,
  pre-level screens), optionally with a :class:`Stall` counter.

The start of an episode (a power-on button script, a saved state) is Python: it runs once and
the env caches the state it reaches (``games.base.Game.start``).
"""
import dataclasses
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

__all__ = [
    "Expr", "Ram", "Var", "Const", "BinOp", "Compare", "InSet", "AllOf", "AnyOf", "Not", "Select",
    "DeltaReward", "ConditionReward", "InfoKey", "Stall", "SkipRule", "GameSpec", "CompiledSpec",
    "compile_spec", "parse_type", "rules_for",
]

ValueLike = Union["Expr", int, str]

# opcodes of src/rules.h
OP_END, OP_CONST, OP_RAM, OP_ADD, OP_SUB, OP_MUL = 0, 1, 2, 3, 4, 5
OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_IN, OP_AND, OP_OR, OP_NOT, OP_SELECT = range(6, 17)
_BINARY = {"+": OP_ADD, "-": OP_SUB, "*": OP_MUL}
COMPARISONS = {"equal": OP_EQ, "not-equal": OP_NE, "less-than": OP_LT, "greater-than": OP_GT,
               "less-or-equal": OP_LE, "greater-or-equal": OP_GE}
_REPRS = {"u": 0, "i": 1, "d": 2, "n": 3}
_TYPE_RE = re.compile(r"^([<>|=])([uidn])([1-8])$")
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
RAM_SIZE = 2048
#: frames an unbounded skip rule may run before the env raises (it would be a bug)
DEFAULT_FRAME_LIMIT = 20_000


def parse_type(type_: str) -> Tuple[int, int, bool]:
    """Return ``(width, representation code, big_endian)`` of a stable-retro type string.

    Raises:
        ValueError: not ``[<>|=][uidn][1-8]``, or ``|`` with a width above 1.
    """
    m = _TYPE_RE.match(type_) if isinstance(type_, str) else None
    if m is None:
        raise ValueError(f"bad RAM type {type_!r}: expected e.g. '|u1', '<u2', '>n6', '>d4' "
                         "(order <, >, | or =; u, i, d or n; width 1-8)")
    order, rep, width = m.group(1), m.group(2), int(m.group(3))
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
    op: str  # "+", "-", "*"
    left: Expr
    right: Expr


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
    """``weight * (value - value after the previous frame)``; a change outside ``[low, high]``
    (None: unbounded) counts 0. ``name`` keys the last value in ``Game.get_state``
    (``name + "_last"``)."""

    value: ValueLike
    weight: float = 1.0
    low: Optional[int] = None
    high: Optional[int] = None
    name: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class ConditionReward:
    """``reward`` on every frame ``condition`` holds (a negative one is a penalty)."""

    condition: ValueLike
    reward: float


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
        if self.kind not in ("int", "bool"):
            raise ValueError(f"info {self.name!r}: kind must be 'int' or 'bool', got {self.kind!r}")


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
        rewards: :class:`DeltaReward` / :class:`ConditionReward` terms, summed.
        terminated, truncated: conditions (None: never).
        info: the ``info`` entries, in order.
        skips: :class:`SkipRule` s, run in order after each step that does not terminate.
        frame_limit: frames an unbounded skip rule may run before the env raises.
    """

    variables: Tuple[Tuple[str, Expr], ...] = ()
    rewards: Tuple[Union[DeltaReward, ConditionReward], ...] = ()
    terminated: Optional[ValueLike] = None
    truncated: Optional[ValueLike] = None
    info: Tuple[InfoKey, ...] = ()
    skips: Tuple[SkipRule, ...] = ()
    frame_limit: int = DEFAULT_FRAME_LIMIT

    def __post_init__(self):
        variables = self.variables
        if isinstance(variables, Mapping):
            variables = tuple(variables.items())
        object.__setattr__(self, "variables", tuple((str(k), _value(v)) for k, v in variables))
        for f in ("rewards", "info", "skips"):
            object.__setattr__(self, f, tuple(getattr(self, f)))


# --- compiling -------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class CompiledSpec:
    """The arrays of ``nes_core.RuleTable`` plus what Python needs to read its results.

    Attributes:
        programs: variable name -> program index (to evaluate one variable).
        delta_names: names of the delta terms, in slot order.
        info_keys: the spec's :class:`InfoKey` s, in table order.
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

    def table_args(self) -> tuple:
        """The arguments of ``nes_core.RuleTable``."""
        return (self.ops, self.consts, self.rewards, self.terminated, self.truncated, self.info,
                self.skips, self.writes, self.frame_limit)


class _Compiler:
    def __init__(self, spec: GameSpec):
        self.vars = dict(spec.variables)
        if len(self.vars) != len(spec.variables):
            raise ValueError("a variable name is defined twice")
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
        elif isinstance(e, Var):
            if e.name not in self.vars:
                raise ValueError(f"unknown variable {e.name!r}; the spec defines {sorted(self.vars)}")
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
    rewards, delta_names = [], []
    for term in spec.rewards:
        if isinstance(term, DeltaReward):
            low = INT64_MIN if term.low is None else int(term.low)
            high = INT64_MAX if term.high is None else int(term.high)
            rewards.append((0, c.program(term.value), -1, len(delta_names), float(term.weight), low, high))
            delta_names.append(term.name)
        elif isinstance(term, ConditionReward):
            rewards.append((1, -1, c.program(term.condition), 0, float(term.reward), 0, 0))
        else:
            raise TypeError(f"not a reward term: {term!r}")
    if len(delta_names) > 16:
        raise ValueError(f"at most 16 delta reward terms, got {len(delta_names)}")
    terminated, truncated = c.optional(spec.terminated), c.optional(spec.truncated)
    info = tuple(c.program(k.value) for k in spec.info)
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
        info_keys=spec.info, skip_names=tuple(r.name for r in spec.skips),
    )


# --- the evaluator ---------------------------------------------------------------------------------
class Rules:
    """A compiled spec and its C table (``nes_core.RuleTable``), shared by every game object of
    the same spec. Get one with :func:`rules_for`.

    Attributes:
        spec: the :class:`GameSpec`.
        compiled: its :class:`CompiledSpec`.
        table: the ``nes_core.RuleTable`` built from it.
    """

    def __init__(self, spec: GameSpec):
        from nes_core import RuleTable  # the evaluator is C; games import it only when used

        self.spec = spec
        self.compiled = compile_spec(spec)
        self.table = RuleTable(*self.compiled.table_args())
        keys = self.compiled.info_keys
        self._names = tuple(k.name for k in keys)
        self._convert = tuple(self._converter(k) for k in keys)
        self._plan = None  # info_arrays' per-key plan, built on first use (NumPy)

    @staticmethod
    def _converter(key: InfoKey):
        if key.labels:
            labels, default = dict(key.labels), key.default
            return lambda v: labels.get(v, default)
        return bool if key.kind == "bool" else int

    def value(self, name: str, ram) -> int:
        """Return variable ``name`` on ``ram`` (``(2048,)`` ``uint8``) as an int."""
        return self.table.eval(self.compiled.programs[name], ram)

    def info(self, ram) -> Dict[str, Any]:
        """The ``info`` dict on ``ram``: plain Python ints, bools and strings."""
        values = self.table.info(ram)
        return {n: f(v) for n, f, v in zip(self._names, self._convert, values)}

    def info_arrays(self, values, mask, full: Optional[bool] = None) -> Dict[str, Any]:
        """Vector infos as :class:`gymnasium.vector.SyncVectorEnv` builds them, from the
        ``(K, N)`` int64 ``values`` of N consoles: ``int64`` / ``bool`` / ``object`` arrays, 0 /
        False / None where ``mask`` (``(N,)`` bool) is False, and their ``_key`` masks (one
        new array shared by all keys). ``full``: whether ``mask`` is all True, if known."""
        import numpy as np

        if self._plan is None:
            self._plan = self._info_plan(np)
        out: Dict[str, Any] = {}
        if full is None:
            full = bool(mask.all())
        mask = mask.copy()  # one new array, the "_key" mask of every key
        for v, (name, key_mask, kind, lut) in zip(values, self._plan):
            if kind == 0:  # int
                if not full:
                    v = np.where(mask, v, 0)
            elif kind == 1:  # bool
                v = v != 0
                if not full:
                    v &= mask
            else:  # labels; kind 2: a byte, kind 3: any value
                if kind == 3 and (v.min() < 0 or v.max() > 255):
                    v = np.where((v >= 0) & (v <= 255), v, 256)
                v = lut.take(v)
                if not full:
                    v[~mask] = None
            out[name] = v
            out[key_mask] = mask
        return out

    def _info_plan(self, np):
        # per key: name, "_" + name, kind code, labels of codes 0-255 (index 256: the default)
        ops, plan = self.compiled.ops, []
        for key, p in zip(self.compiled.info_keys, self.compiled.info):
            if key.labels:
                labels = dict(key.labels)
                lut = np.array([labels.get(c, key.default) for c in range(256)] + [key.default],
                               dtype=object)
                byte = ops[p][0] == OP_RAM and ops[p][2] == 1 and ops[p + 1][0] == OP_END
                plan.append((key.name, "_" + key.name, 2 if byte else 3, lut))
            else:
                plan.append((key.name, "_" + key.name, 1 if key.kind == "bool" else 0, None))
        return plan


_RULES: Dict[GameSpec, Rules] = {}


def rules_for(spec: GameSpec) -> Rules:
    """Return the (cached) :class:`Rules` of ``spec``."""
    rules = _RULES.get(spec)
    if rules is None:
        rules = _RULES[spec] = Rules(spec)
    return rules
