"""games.spec: values, conditions, rewards and skip rules, evaluated by the C rule table on
hand-built RAM (no ROM)."""
import pickle

import numpy as np
import pytest

from games import Game
from games.spec import (AllOf, AnyOf, ConditionReward, DeltaReward, GameSpec, InfoKey, Not, Ram,
                        Select, SkipRule, Stall, Var, compile_spec, rules_for)
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
