"""games.spec: values, conditions, rewards and skip rules, evaluated by the C rule table on
hand-built RAM (no ROM)."""
import pickle

import numpy as np
import pytest

from games import Game
from games.spec import (AllOf, AnyOf, ConditionReward, Const, DeltaReward, GameSpec, InfoKey, Not,
                        Ram, Select, SkipRule, Stall, Var, compile_spec, rules_for)
from nes_core import RuleTable


def ram_with(**cells):
    ram = np.zeros(2048, dtype=np.uint8)
    for address, value in cells.items():
        ram[int(address[1:], 16)] = value
    return ram


def value(expr, ram):
    return rules_for(GameSpec(variables={"v": expr})).value("v", ram)


@pytest.mark.parametrize("type_,raw,expected", [
    ("|u1", [0xFE], 254),
    ("|i1", [0xFE], -2),
    ("<u2", [0x34, 0x12], 0x1234),
    (">u2", [0x12, 0x34], 0x1234),
    ("<i2", [0x00, 0x80], -32768),
    (">d2", [0x12, 0x34], 1234),        # packed BCD, two digits a byte
    (">n3", [4, 0, 1], 401),            # one digit a byte (SMB's clock)
    ("<n3", [1, 0, 4], 401),
    (">n2", [0x17, 0x02], 72),          # the low nibble of each byte, as stable-retro reads it
    (">u8", [0xFF] * 8, -1),            # int64 arithmetic
])
def test_ram_types(type_, raw, expected):
    ram = np.zeros(2048, dtype=np.uint8)
    ram[0x100:0x100 + len(raw)] = raw
    assert value(Ram(0x100, type_), ram) == expected


@pytest.mark.parametrize("bad", ["u1", "|u2", "<x2", ">u9", "", 1])
def test_bad_types_are_refused(bad):
    with pytest.raises(ValueError, match="bad RAM type"):
        Ram(0, bad)


def test_addresses_past_ram_are_refused():
    with pytest.raises(ValueError, match="outside"):
        Ram(0x7FF, "<u2")


def test_arithmetic_and_conditions():
    ram = ram_with(x10=3, x11=200)
    a, b = Ram(0x10), Ram(0x11)
    assert value(a * 256 + b, ram) == 968
    assert value(510 - b, ram) == 310
    assert value(Select(a.lt(1), 1000, 2000), ram) == 2000
    assert value(AllOf(a.eq(3), b.gt(100)), ram) == 1
    assert value(AllOf(a.eq(3), b.gt(200)), ram) == 0
    assert value(AnyOf(a.ne(3), b.ge(200)), ram) == 1
    assert value(AnyOf(), ram) == 0 and value(AllOf(), ram) == 1
    assert value(AllOf(b), ram) == 1  # a one-term condition is 0 or 1
    assert value(Not(a.isin({1, 2})), ram) == 1 and value(a.isin({3, 9}), ram) == 1
    assert value(a.zero(), ram) == 0 and value(a.nonzero(), ram) == 1


def test_variables_by_name_and_their_errors():
    spec = GameSpec(variables={"a": Ram(0x10), "b": Var("a") + 1, "c": "b"})
    assert rules_for(spec).value("c", ram_with(x10=41)) == 42
    with pytest.raises(ValueError, match="unknown variable"):
        compile_spec(GameSpec(variables={"a": Var("nope")}))
    with pytest.raises(ValueError, match="in terms of itself"):
        compile_spec(GameSpec(variables={"a": Var("b"), "b": Var("a") + 1}))


class CounterGame(Game):
    """A spec game: reward = clipped change of $10 - 1 while $11 == 7; ends when $12 != 0."""

    name = "counter"
    spec = GameSpec(
        variables={"x": Ram(0x10), "hurt": Ram(0x11).eq(7)},
        rewards=(DeltaReward("x", weight=2.0, low=-3, high=3, name="x"),
                 ConditionReward("hurt", -1.0)),
        terminated=Ram(0x12).nonzero(),
        truncated=Ram(0x13).eq(1),
        info=(InfoKey("x", "x"), InfoKey("hurt", "hurt", kind="bool"),
              InfoKey("mode", Ram(0x14), labels=((0, "zero"), (1, "one")), default="many")),
    )


def test_rewards_termination_truncation_info_and_counters():
    game, ram = CounterGame(), ram_with(x10=10)
    game.reset(ram)
    ram[0x10] = 12
    assert game.step(ram) == (4.0, False)
    ram[0x10] = 20  # a jump of 8: outside [-3, 3], counts 0
    assert game.step(ram) == (0.0, False)
    ram[0x10], ram[0x11], ram[0x12], ram[0x13] = 19, 7, 1, 1
    assert game.step(ram) == (-3.0, True) and game.last_truncated
    assert game.info(ram) == {"x": 19, "hurt": True, "mode": "zero"}
    ram[0x14] = 5
    assert game.info(ram)["mode"] == "many"
    assert game.get_state() == {"x_last": 19}
    game.set_state({"x_last": 17})
    assert game.step(ram)[0] == 2.0 * 2 - 1
    copy = pickle.loads(pickle.dumps(game))
    assert copy.get_state() == {"x_last": 19}


class FakeConsole:
    def __init__(self, ram, on_frame):
        self.ram, self.frames, self.on_frame = ram, 0, on_frame

    def step(self, frames=1, buttons=0, buttons2=0):
        assert buttons == 0 and buttons2 == 0
        for _ in range(frames):
            self.frames += 1
            self.on_frame(self.ram, self.frames)


class SkipGame(Game):
    name = "skipper"
    spec = GameSpec(
        variables={"mode": Ram(0x20), "clock": Ram(0x21)},
        skips=(
            SkipRule("a one-frame rule", when=Var("mode").eq(1), writes=((0x20, 2),), max_frames=1),
            SkipRule("a write", when=Var("mode").eq(2), writes=((0x22, 9),), max_frames=0),
            SkipRule("a cut-scene", when=Var("mode").eq(2), while_=1, until_changed="clock"),
            SkipRule("a busy state", when=Var("mode").eq(3), writes=((0x23, 0),),
                     stall=Stall(Ram(0x24), when=Ram(0x25).eq(1), frames=4, writes=((0x26, 0),))),
        ),
        frame_limit=50,
    )


def test_skip_rules_in_order():
    ram = ram_with(x20=1)
    seen = []

    def frame(ram, n):
        seen.append((n, int(ram[0x20]), int(ram[0x22])))
        if n == 3:
            ram[0x21] = 1  # the clock moves: the cut-scene ends after frame 3

    console = FakeConsole(ram, frame)
    SkipGame().after_step(console, terminated=False)
    # frame 1: the one-frame rule wrote mode 2; the write rule wrote $22; the cut-scene ran
    # frames 2 and 3 (its "while" is always true) until the clock changed
    assert seen == [(1, 2, 0), (2, 2, 9), (3, 2, 9)]
    SkipGame().after_step(FakeConsole(ram_with(x20=1), frame), terminated=True)
    assert len(seen) == 3  # nothing runs after a terminating step


def test_stall_counter_and_frame_limit():
    ram = ram_with(x20=3, x23=5, x25=1, x26=1)

    def frame(ram, n):
        assert ram[0x23] == 0  # the rule's write before each frame
        if ram[0x26] == 0:
            ram[0x20] = 0  # the stall writes released the game

    console = FakeConsole(ram, frame)
    SkipGame().after_step(console, terminated=False)
    # frame 1 has nothing to compare with, frames 2-5 leave $24 unchanged: the stall writes
    # follow frame 5, and the game leaves its busy state in frame 6
    assert console.frames == 6
    stuck = FakeConsole(ram_with(x20=3), lambda ram, n: None)
    with pytest.raises(RuntimeError, match="still in a busy state after 50 frames"):
        SkipGame().after_step(stuck, terminated=False)


def test_rule_table_checks_its_input():
    good = compile_spec(CounterGame.spec)
    args = list(good.table_args())
    RuleTable(*args)
    bad_ops = list(args[0])
    bad_ops[0] = (99, 0, 0)
    with pytest.raises(ValueError, match="unknown opcode"):
        RuleTable(bad_ops, *args[1:])
    with pytest.raises(ValueError, match="RAM address"):
        RuleTable([(2, 2047, 2), (0, 0, 0)], [], [], 0, -1, [], [], [])
    with pytest.raises(ValueError, match="stack"):
        RuleTable([(3, 0, 0), (0, 0, 0)], [], [], 0, -1, [], [], [])
    with pytest.raises(ValueError, match="outside"):
        RuleTable([(1, 0, 1), (0, 0, 0)], [], [], 5, -1, [], [], [])
    with pytest.raises(ValueError, match="RAM write"):
        RuleTable([(1, 0, 1), (0, 0, 0)], [], [], -1, -1, [],
                  [(0, -1, -1, 0, 1, 0, -1, -1, 0, 0, 0)], [(4096, 1)])
    with pytest.raises(ValueError, match="2048"):
        rules_for(CounterGame.spec).table.info(np.zeros(10, np.uint8))


# --- registers, updates, value rewards, reward components, info constants ----------------------
@pytest.mark.parametrize("type_,raw,expected", [
    (">t3", [2, 9, 7], 297),          # digits joined as text
    (">t3", [1, 10, 3], 1103),        # a byte above 9 joins as its decimal text
    ("<t2", [5, 123], 1235),
])
def test_text_joined_digits(type_, raw, expected):
    ram = np.zeros(2048, dtype=np.uint8)
    ram[0x100:0x100 + len(raw)] = raw
    assert value(Ram(0x100, type_), ram) == expected


def test_division_modulo_abs_min_max_as_python():
    from games.spec import Abs, Max, Min

    ram = ram_with(x10=7, x11=2, x12=0)
    a, b, z = Ram(0x10), Ram(0x11), Ram(0x12)
    for x, y in ((7, 2), (-7, 2), (7, -2), (-7, -2), (6, 3)):
        assert value(Const(x) // Const(y), ram) == x // y
        assert value(Const(x) % Const(y), ram) == x % y
    assert value(a // z, ram) == 0 and value(a % z, ram) == 0  # by 0: 0, not a crash
    assert value(Const(-2 ** 63) // Const(-1), ram) == -2 ** 63  # wraps as int64 negation
    assert value(Abs(b - a), ram) == 5
    assert value(Min(a, b) * 10 + Max(a, b), ram) == 27


def _counter_spec():
    from games.spec import (InfoConst, Max, Register, RewardInfo, Update, ValueReward)

    x = Ram(0x10)
    return GameSpec(
        variables={"x": x, "growth": Var("x") - Var("best")},
        registers=(Register("origin", "x"), Register("best", "x"), Register("paid", 0)),
        rewards=(
            ValueReward(Select(Var("growth").gt(0), "growth", 0), component="progress"),
            DeltaReward(Ram(0x11), 5, low=0, when=Not(Ram(0x12).nonzero()), name="coins",
                        component="items"),
            DeltaReward(Ram(0x13), 1, divisor=100, name="score", component="items"),
            ConditionReward(AllOf(Ram(0x14).eq(1), Not("paid")), 50, component="bonus"),
        ),
        updates=(
            Update({"best": Max("best", "x")}),
            Update({"paid": 1}, when=Ram(0x14).eq(1)),
            # the values are computed before any is stored: origin takes x, best the old origin
            Update({"origin": "x", "best": "origin"}, when=Ram(0x15).eq(1), after_step=True),
        ),
        terminated=Ram(0x16).eq(1),
        info=(InfoKey("best", "best"), InfoConst("task", "t-1"), InfoConst("target", None),
              RewardInfo("parts", "components"), RewardInfo("total", "total"),
              RewardInfo("clipped", "clipped", clip=(-15.0, 15.0)),
              InfoKey("x_text", "x", kind="str")),
    )


class _CounterGame(Game):
    spec = _counter_spec()


class _Console:
    def __init__(self, ram):
        self.ram = ram

    def step(self, frames=1, buttons=0, buttons2=0):
        raise AssertionError("no skip rules: no frames")


def test_registers_updates_and_reward_components():
    game = _CounterGame()
    ram = ram_with(x10=10)
    game.reset(ram)
    info = game.info(ram)
    assert info == {"best": 10, "task": "t-1", "target": None,
                    "parts": {"progress": 0.0, "items": 0.0, "bonus": 0.0},
                    "total": 0.0, "clipped": 0.0, "x_text": "10"}
    ram[0x10], ram[0x11], ram[0x13] = 13, 2, 250  # x +3, coins +2, score +250
    assert game.step(ram) == (3 + 10 + 2.5, False)
    info = game.info(ram)
    assert info["best"] == 13 and info["parts"] == {"progress": 3.0, "items": 12.5, "bonus": 0.0}
    assert info["total"] == 15.5 and info["clipped"] == 15.0
    ram[0x10], ram[0x12], ram[0x11] = 11, 1, 4  # x back (no reward), coins under "when": 0
    assert game.step(ram) == (0.0, False) and game.info(ram)["best"] == 13
    ram[0x12], ram[0x11], ram[0x14] = 0, 5, 1  # coins +1 counts again; the bonus once
    assert game.step(ram) == (55.0, False)
    assert game.step(ram) == (0.0, False)
    ram[0x15] = 1
    game.after_step(_Console(ram), terminated=False)
    assert game._rule_states.registers(0, 3) == [11, 10, 1]  # origin = x, best = old origin
    ram[0x16] = 1
    assert game.step(ram)[1] is True
    state = game.get_state()
    assert state["registers"] == {"origin": 11, "best": 11, "paid": 1}
    again = _CounterGame()
    again.reset(ram_with())
    again.set_state(state)
    assert again.info(ram) == game.info(ram)
    assert pickle.loads(pickle.dumps(game)).info(ram) == game.info(ram)


def test_after_step_updates_wait_for_a_frame_that_did_not_end():
    game = _CounterGame()
    ram = ram_with(x10=10, x15=1)
    game.reset(ram)
    ram[0x10] = 20
    game.step(ram)
    game.after_step(_Console(ram), terminated=True)
    assert game._rule_states.registers(0, 3) == [10, 20, 0]


def test_bad_registers_and_updates_are_refused():
    from games.spec import InfoConst, Register, RewardInfo, Update

    with pytest.raises(ValueError, match="not a register"):
        compile_spec(GameSpec(variables={"x": Ram(0)}, updates=(Update({"x": 1}),)))
    with pytest.raises(ValueError, match="variable and a register"):
        compile_spec(GameSpec(variables={"x": Ram(0)}, registers=(Register("x"),)))
    with pytest.raises(ValueError, match="at most 32 registers"):
        compile_spec(GameSpec(registers=tuple(Register(f"r{k}") for k in range(33))))
    with pytest.raises(ValueError, match="no component"):
        compile_spec(GameSpec(info=(RewardInfo("parts", "components"),)))
    with pytest.raises(ValueError, match="used twice"):
        compile_spec(GameSpec(info=(InfoConst("a", 1), InfoConst("a", 2))))
    with pytest.raises(ValueError, match="clip"):
        RewardInfo("c", "clipped")
    with pytest.raises(ValueError, match="divisor"):
        compile_spec(GameSpec(rewards=(DeltaReward(Ram(0), divisor=0),)))
    with pytest.raises(ValueError, match="register"):  # the C checker: a register past the table
        RuleTable([(17, 0, 0), (0, 0, 0)], [], [], 0, -1, [], [], [])


def test_retro_types_are_stable_retros_own():
    from games.spec import parse_type

    assert parse_type(">t3") == (3, 4, True)  # nesenv's specs keep "t"
    assert parse_type(">n3", retro=True) == (3, 3, True)
    assert parse_type("<i2", retro=True) == (2, 1, False)
    with pytest.raises(ValueError, match="representation 't' is nesenv's own"):
        parse_type(">t3", retro=True)
