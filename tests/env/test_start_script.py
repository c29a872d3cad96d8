"""games.start: the start-script interpreter on a fake console, and the four games' start RAM
pinned on their imported ROMs (skipped, naming the import command, when a ROM is missing)."""
import hashlib

import numpy as np
import pytest

from games import LostLevels, SuperMarioBros, SuperMarioBros2USA, SuperMarioBros3
from games.base import Game
from games.spec import GameSpec, Ram, Register, Var
from games.start import (BUTTONS, LoadState, Press, Repeat, StartScript, Store, Wait, Write,
                         run_start)
from tests.env.conftest import rom_or_skip


class FakeConsole:
    """Records (buttons, frames) per step call; the frame counter byte $00 goes up each frame."""

    def __init__(self):
        self.ram = np.zeros(2048, dtype=np.uint8)
        self.calls = []
        self.loaded = []

    def step(self, frames=1, buttons=0, buttons2=0):
        self.calls.append((buttons, frames))
        self.ram[0] = (int(self.ram[0]) + frames) % 256

    def load_state(self, data):
        self.loaded.append(bytes(data))
        self.ram[:] = 0
        self.ram[1] = len(data)


SPEC = GameSpec(variables={"frame": Ram(0), "wide": Ram(0x10, "<u2"), "big": Ram(0x20, ">i2"),
                           "score": Ram(0x30, ">n3"), "next": Ram(0) + 1},
                registers=(Register("origin", 5),))


def test_press_and_wait_step_the_console_with_those_buttons_and_frames():
    console = FakeConsole()
    run_start(StartScript((Press("start"), Press(("right", "A"), 3), Press(0x42, 2), Wait(120))),
              console)
    assert console.calls == [(0x08, 1), (0x81, 3), (0x42, 2), (0x00, 120)]
    assert console.ram[0] == 126


def test_writes_to_addresses_and_variables_with_their_width_order_and_sign():
    console = FakeConsole()
    run_start(StartScript((Wait(3), Write(0x700, 0xAB), Write("wide", 0x1234), Write("big", -2),
                           Write(0x701, Var("next") * 2), Write(0x702, "origin"))), console, SPEC)
    ram = console.ram
    assert ram[0x700] == 0xAB
    assert (ram[0x10], ram[0x11]) == (0x34, 0x12)
    assert (ram[0x20], ram[0x21]) == (0xFF, 0xFE)
    assert ram[0x701] == 8  # (frame 3 + 1) * 2, evaluated when the step runs
    assert ram[0x702] == 0  # the spec's registers read 0 in a start script


def test_repeat_checks_before_each_pass_and_store_remembers_a_value():
    console = FakeConsole()
    script = StartScript((
        Repeat((Wait(1),), until=Var("frame").ge(0), max_passes=5, name="nothing"),  # holds: 0 passes
        Repeat((Press("B"), Wait(1)), until=Var("frame").ge(5), max_passes=5, name="five frames"),
        Store("before", "frame"),
        Repeat((Wait(1),), until=Var("frame").ge(Var("before") + 3), max_passes=9, name="three more"),
    ))
    run_start(script, console, SPEC)
    assert console.calls == [(0x02, 1), (0, 1)] * 3 + [(0, 1)] * 3
    assert console.ram[0] == 9


def test_repeat_raises_naming_the_game_and_the_step_after_max_passes():
    console = FakeConsole()
    script = StartScript((Wait(2), Repeat((Press("start"), Wait(1)), until=Ram(0x400).eq(1),
                                          max_passes=4, name="the title screen")))
    with pytest.raises(RuntimeError, match=r"^Some Game: start script still in the title screen "
                                           r"after 4 passes; the emulator"):
        run_start(script, console, game="Some Game")
    assert len(console.calls) == 1 + 2 * 4


def test_a_game_plays_its_start_script_with_its_spec_variables():
    class Scripted(Game):
        name = "scripted"
        spec = SPEC
        start_script = StartScript((Repeat((Wait(1),), until=Var("next").eq(4), max_passes=10,
                                           name="x"),))

    console = FakeConsole()
    Scripted().start(console)
    assert console.calls == [(0, 1)] * 3
    Game().start(console)  # no script: nothing runs
    assert len(console.calls) == 3


def test_load_state_takes_bytes_or_a_file(tmp_path):
    path = tmp_path / "start.state"
    path.write_bytes(b"\x01" * 7)
    console = FakeConsole()
    run_start(StartScript((LoadState(b"\x00" * 5), Wait(1), LoadState(path), Wait(1),
                           Write(0x10, Ram(1)))), console)
    assert console.loaded == [b"\x00" * 5, b"\x01" * 7]
    assert console.calls == [(0, 1), (0, 1)]
    assert console.ram[0x10] == 7  # expressions read the RAM of the loaded state
    assert "5 bytes" in repr(LoadState(b"\x00" * 5))


@pytest.mark.parametrize("make, error, match", [
    (lambda: Press("jump"), ValueError, "unknown button 'jump'"),
    (lambda: Press(256), ValueError, "0-255"),
    (lambda: Press([1]), TypeError, "buttons must be"),
    (lambda: Wait(0), ValueError, "frames must be an int >= 1"),
    (lambda: Write(0x800, 1), ValueError, "outside"),
    (lambda: Repeat((Wait(1),), until=1, max_passes=0, name="r"), ValueError, "max_passes"),
    (lambda: StartScript((Wait(1), "press start")), TypeError, "not a start step"),
    (lambda: LoadState(3), TypeError, "state bytes or a path"),
])
def test_bad_steps_are_refused_when_built(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("script, match", [
    (StartScript((Write("score", 1),)), "only u and i variables"),
    (StartScript((Write("next", 1),)), "not a RAM variable"),
    (StartScript((Write("wide", 0x10000),)), "does not fit in 2 byte"),
    (StartScript((Write(0x10, 256),)), "does not fit in 1 byte"),
    (StartScript((Repeat((Wait(1),), until=Var("lives").eq(1), max_passes=1, name="r"),)),
     "unknown variable 'lives'"),
    (StartScript((Store("origin", 1),)), "registers of the game's spec"),
])
def test_bad_scripts_raise_value_error_before_or_at_the_step(script, match):
    with pytest.raises(ValueError, match=match):
        run_start(script, FakeConsole(), SPEC)


def test_buttons_are_the_controller_bits():
    assert BUTTONS["A"] == 0x01 and BUTTONS["right"] == 0x80 and BUTTONS["NOOP"] == 0
    from nesenv import actions

    assert actions.BUTTONS is BUTTONS


# --- the games' start states on their ROMs ---------------------------------------------------------
# SHA-1 of CPU RAM at the first frame of an episode, after the start script from power-on
# (the same states as the Python start code these scripts replaced, for every registered id)
START_RAM = [
    (SuperMarioBros, None, "nes-py", "223d05c5329e16245a558a52faba711123e94222"),
    (SuperMarioBros, (1, 2), "vblank", "b947cda4faa41c37f0105a36686a1b199025f7ff"),
    (SuperMarioBros, (4, 2), "nes-py", "14296f98e5cad4e2b4cbdd085e176db12ca90e47"),
    (SuperMarioBros, (8, 4), "vblank", "74f732030f282f3a7d17c07f0eaad21b73c5f2e7"),
    (LostLevels, None, "nes-py", "0fe8fcc62e6a66d15002bdd42d1ca9ea37358204"),
    (LostLevels, (3, 2), "vblank", "d70228638696b3fe6534703e386c31ca2215fd6d"),
    (SuperMarioBros2USA, None, "vblank", "f166bdfcd31a1afe6cd99eee13fe1815e4c32925"),
    (SuperMarioBros2USA, (3, 2), "vblank", "2c009347767194cc64739e127bc975350bf7cbc9"),
    (SuperMarioBros3, None, "vblank", "7f9e60c0d097f70151f699c785ebdb2536f63b91"),
    (SuperMarioBros3, (1, 4), "vblank", "776b1221a51fdfddbbe4d594022c5d268671b2c1"),
]


@pytest.mark.parametrize("cls, target, timing, sha1", START_RAM,
                         ids=[f"{c.__name__}-{t}-{f}" for c, t, f, _ in START_RAM])
def test_start_ram_of_each_game(cls, target, timing, sha1):
    from nes_core import NES
    from nesenv.env import set_frame_timing

    path = rom_or_skip(cls)
    game = cls(target)
    with open(path, "rb") as f:
        nes = NES(f.read())
    set_frame_timing(nes, timing, game)
    nes.power_cycle()
    game.start(nes)
    assert hashlib.sha1(bytes(nes.ram)).hexdigest() == sha1
