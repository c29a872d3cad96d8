"""games.super_mario_bros / games.lost_levels on hand-built RAM (no ROM, no emulator)."""
import warnings

import numpy as np
import pytest

from games import REGISTRY, LostLevels, SuperMarioBros
from games import super_mario_bros as smb
from games.start import BUTTONS


def make_ram(**fields):
    """A 2 KiB RAM with Mario standing in 1-1 at x=40, clock 400, 2 lives, small."""
    ram = np.zeros(2048, dtype=np.uint8)
    ram[smb.GAME_ENGINE_SUBROUTINE] = 0x08  # PlayerCtrlRoutine: normal play
    ram[smb.PLAYER_Y_VIEWPORT] = 1
    ram[smb.PLAYER_Y] = 176
    ram[smb.LIVES] = 2
    ram[smb.OPER_MODE] = 1
    set_x(ram, 40)
    set_digits(ram, smb.TIME_DIGITS, 400)
    for name, value in fields.items():
        ram[getattr(smb, name.upper())] = value
    return ram


def set_x(ram, x):
    ram[smb.PLAYER_PAGE], ram[smb.PLAYER_X] = divmod(x, 256)


def set_digits(ram, where, value):
    address, length = where
    for i, ch in enumerate(str(value).zfill(length)):
        ram[address + i] = int(ch)


class FakeConsole:
    """Stands in for nes_core.NES: records frames, runs a callback per frame."""

    def __init__(self, ram, on_frame=None):
        self.ram = ram
        self.frames = []
        self.on_frame = on_frame

    def step(self, frames=1, buttons=0, buttons2=0):
        for _ in range(frames):
            self.frames.append(buttons)
            if self.on_frame is not None:
                self.on_frame(self.ram, len(self.frames))


# --- readers ------------------------------------------------------------------------------------
def test_info_has_exactly_the_upstream_keys_and_plain_types():
    ram = make_ram()
    set_digits(ram, smb.SCORE_DIGITS, 12340)
    set_digits(ram, smb.COIN_DIGITS, 7)
    info = smb.info(ram)
    assert list(info) == [
        "coins", "flag_get", "life", "score", "stage", "status", "time", "world", "x_pos", "y_pos"
    ]
    assert info == {
        "coins": 7, "flag_get": False, "life": 2, "score": 12340, "stage": 1,
        "status": "small", "time": 400, "world": 1, "x_pos": 40, "y_pos": 79,
    }
    assert all(type(v) in (int, bool, str) for v in info.values())


def test_digits_concatenate_like_upstream():
    ram = make_ram()
    ram[0x07F8:0x07FB] = [0, 9, 9]
    assert smb.time_left(ram) == 99
    ram[0x07F8:0x07FB] = [0, 0, 0]
    assert smb.time_left(ram) == 0


def test_x_position_uses_page_without_uint8_overflow():
    ram = make_ram()
    set_x(ram, 255 * 256 + 255)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert smb.x_position(ram) == 65535


@pytest.mark.parametrize("status,name", [(0, "small"), (1, "tall"), (2, "fireball"), (7, "fireball")])
def test_status_names(status, name):
    assert smb.player_status(make_ram(player_status=status)) == name


def test_y_position_in_and_above_the_screen_without_warnings():
    ram = make_ram(player_y=200)
    assert smb.y_position(ram) == 55
    ram[smb.PLAYER_Y_VIEWPORT] = 0  # above the top of the screen
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert smb.y_position(ram) == 255 + 55


def test_world_stage_are_one_based():
    ram = make_ram(world=7, stage=3)
    assert (smb.world(ram), smb.stage(ram)) == (8, 4)


# --- flag / death -----------------------------------------------------------------------------------
def test_flag_by_flagpole_slide_routine():
    assert smb.flag_get(make_ram(game_engine_subroutine=smb.STATE_FLAGPOLE_SLIDE))


def test_flag_by_upstream_rule_needs_pole_or_bowser_in_an_enemy_slot():
    ram = make_ram(player_float_state=3)
    assert not smb.flag_get(ram)  # climbing a vine
    ram[smb.ENEMY_IDS[3]] = smb.ENEMY_FLAGPOLE
    assert smb.flag_get(ram)
    ram[smb.ENEMY_IDS[3]] = smb.ENEMY_BOWSER
    assert smb.flag_get(ram)
    ram[smb.PLAYER_FLOAT_STATE] = 0
    assert not smb.flag_get(ram)


def test_flag_at_end_of_world():
    assert smb.flag_get(make_ram(oper_mode=smb.OPER_MODE_END_OF_WORLD))


def test_dying_and_dead():
    assert smb.is_dying(make_ram(game_engine_subroutine=smb.STATE_DYING))
    assert smb.is_dying(make_ram(player_y_viewport=2))  # falling into a pit
    assert smb.is_dead(make_ram(game_engine_subroutine=smb.STATE_DEAD))
    assert not smb.is_dying(make_ram()) and not smb.is_dead(make_ram())


# --- reward -----------------------------------------------------------------------------------------
def test_reward_is_dx_plus_clock_plus_death():
    game = SuperMarioBros((1, 1))
    ram = make_ram()
    game.reset(ram)
    set_x(ram, 43)
    assert game.step(ram) == (3.0, False)
    set_x(ram, 41)
    set_digits(ram, smb.TIME_DIGITS, 399)
    assert game.step(ram) == (-3.0, False)  # dx -2, clock -1


def test_reward_ignores_x_jumps_larger_than_5_and_clock_increase():
    game = SuperMarioBros()
    ram = make_ram()
    game.reset(ram)
    set_x(ram, 46)
    assert game.step(ram)[0] == 0.0
    set_x(ram, 40)
    assert game.step(ram)[0] == 0.0
    set_x(ram, 45)
    assert game.step(ram)[0] == 5.0
    set_digits(ram, smb.TIME_DIGITS, 401)
    assert game.step(ram)[0] == 0.0


def test_death_penalty_and_stage_termination():
    game = SuperMarioBros((1, 1))
    ram = make_ram()
    game.reset(ram)
    ram[smb.GAME_ENGINE_SUBROUTINE] = smb.STATE_DYING
    reward, terminated = game.step(ram)
    assert reward == -25.0 and terminated  # the env clips to game.reward_range
    assert game.reward_range == (-15.0, 15.0)


def test_stage_game_ends_on_flag_full_game_does_not():
    ram = make_ram(game_engine_subroutine=smb.STATE_FLAGPOLE_SLIDE)
    stage_game, full_game = SuperMarioBros((1, 1)), SuperMarioBros()
    for g in (stage_game, full_game):
        g.reset(make_ram())
    assert stage_game.step(ram)[1] is True
    assert full_game.step(ram)[1] is False


def test_full_game_ends_on_game_over_and_after_last_world():
    game = SuperMarioBros()
    game.reset(make_ram())
    assert not game.terminated(make_ram(lives=0))
    assert game.terminated(make_ram(lives=0xFF))
    assert not game.terminated(make_ram(oper_mode=2, world=6))
    assert game.terminated(make_ram(oper_mode=2, world=7))
    assert LostLevels().terminated(make_ram(oper_mode=2, world=3))


def test_counters_state_roundtrip():
    game = SuperMarioBros()
    ram = make_ram()
    game.reset(ram)
    saved = game.get_state()
    set_x(ram, 44)
    game.step(ram)
    game.set_state(saved)
    assert game.step(ram)[0] == 4.0


# --- targets ------------------------------------------------------------------------------------------
def test_smb_target_areas_match_upstream():
    # worlds 1, 2, 4, 7 have the pipe cut-scene area before stage 2
    assert SuperMarioBros.decode_target((1, 1)) == (1, 1, 1)
    assert SuperMarioBros.decode_target((1, 2)) == (1, 2, 3)
    assert SuperMarioBros.decode_target((1, 4)) == (1, 4, 5)
    assert SuperMarioBros.decode_target((3, 2)) == (3, 2, 2)
    assert SuperMarioBros.decode_target((7, 3)) == (7, 3, 4)
    assert SuperMarioBros.decode_target((8, 4)) == (8, 4, 4)


def test_lost_levels_target_areas():
    assert LostLevels.decode_target((1, 2)) == (1, 2, 3)
    assert LostLevels.decode_target((2, 2)) == (2, 2, 2)
    assert LostLevels.decode_target((3, 4)) == (3, 4, 5)
    assert LostLevels.decode_target((4, 4)) == (4, 4, 4)


@pytest.mark.parametrize("world", [5, 6, 7, 8])
def test_lost_levels_worlds_missing_from_the_rom_are_refused_with_the_reason(world):
    with pytest.raises(ValueError, match="holds worlds 1-4 only"):
        LostLevels((world, 1))


@pytest.mark.parametrize(
    "target,error",
    [((0, 1), ValueError), ((9, 1), ValueError), ((1, 5), ValueError), ((1,), TypeError),
     ("1-1", TypeError), ((1.0, 1), TypeError), ((True, 1), TypeError)],
)
def test_bad_targets(target, error):
    with pytest.raises(error):
        SuperMarioBros(target)


def _clock_at(appears, ticks):
    """Fake game logic: the clock shows 401 from frame ``appears`` and 400 from ``ticks``."""
    def game_logic(ram, frame):
        if frame == appears:
            set_digits(ram, smb.TIME_DIGITS, 401)
        if frame == ticks:
            set_digits(ram, smb.TIME_DIGITS, 400)
    return game_logic


@pytest.mark.parametrize("target, written", [((4, 2), (3, 1, 2)), ((4, 1), (3, 0, 0)),
                                             ((1, 3), (0, 2, 3)), (None, (0, 0, 0))])
def test_start_writes_zero_based_world_stage_area(target, written):
    ram = np.zeros(2048, dtype=np.uint8)
    SuperMarioBros(target).start(FakeConsole(ram, _clock_at(4, 7)))
    assert (ram[smb.WORLD], ram[smb.STAGE], ram[smb.AREA]) == written


# --- frame skipping, with a fake console ----------------------------------------------------------------
def test_start_presses_start_until_the_clock_ticks_and_writes_the_stage():
    ram = np.zeros(2048, dtype=np.uint8)
    ram[smb.SCREEN_TIMER] = 7
    console = FakeConsole(ram, _clock_at(20, 31))  # the clock ticks to 400 at frame 31
    game = SuperMarioBros((5, 3))
    game.start(console)
    start = BUTTONS["start"]
    # Start, release; then press / release pairs: until the clock shows (frame 20, seen after
    # the pair ending on frame 20) and on until it ticks (frame 31, seen after frame 32)
    assert console.frames == [start, 0] * 16
    assert smb.time_left(ram) == 400
    assert (ram[smb.WORLD], ram[smb.STAGE], ram[smb.AREA]) == (4, 2, 2)
    assert ram[smb.SCREEN_TIMER] == 0


def test_start_names_the_game_and_the_screen_it_is_stuck_in():
    console = FakeConsole(np.zeros(2048, dtype=np.uint8))  # the clock never shows
    with pytest.raises(RuntimeError, match=r"^Super Mario Bros\.: start script still in the "
                       r"title screen after 10000 passes"):
        SuperMarioBros((1, 1)).start(console)
    assert len(console.frames) == 2 + 2 * 10000


def test_after_step_kills_a_dying_mario_and_skips_busy_states():
    ram = make_ram(game_engine_subroutine=smb.STATE_DYING)

    def game_logic(ram, frame):
        if frame == 1:
            assert ram[smb.GAME_ENGINE_SUBROUTINE] == smb.STATE_DEAD
            ram[smb.GAME_ENGINE_SUBROUTINE] = 0x00  # lives screen: busy
            ram[smb.SCREEN_TIMER] = 9
        elif frame == 5:
            ram[smb.GAME_ENGINE_SUBROUTINE] = 0x08

    console = FakeConsole(ram, game_logic)
    game = SuperMarioBros()
    game.after_step(console, terminated=False)
    assert len(console.frames) == 5 and set(console.frames) == {0}
    assert ram[smb.SCREEN_TIMER] == 0


def test_after_step_does_nothing_when_terminated():
    ram = make_ram(game_engine_subroutine=smb.STATE_DYING)
    console = FakeConsole(ram)
    SuperMarioBros((1, 1)).after_step(console, terminated=True)
    assert console.frames == []


def test_after_step_releases_a_stuck_scroll_lock_at_the_flagpole():
    ram = make_ram(game_engine_subroutine=smb.STATE_END_LEVEL, scroll_lock=1)

    def game_logic(ram, frame):
        if ram[smb.SCROLL_LOCK] == 0:  # the walk to the castle starts, then the next stage
            ram[smb.GAME_ENGINE_SUBROUTINE] = 0x08

    console = FakeConsole(ram, game_logic)
    SuperMarioBros().after_step(console, terminated=False)
    assert smb.END_LEVEL_STALL_FRAMES <= len(console.frames) <= smb.END_LEVEL_STALL_FRAMES + 2


def test_after_step_shortens_area_change_timer():
    ram = make_ram(change_area_timer=30)
    SuperMarioBros().after_step(FakeConsole(ram), terminated=False)
    assert ram[smb.CHANGE_AREA_TIMER] == 1


def test_a_stuck_skip_loop_raises_instead_of_hanging():
    ram = make_ram(game_engine_subroutine=0x07)  # busy forever
    with pytest.raises(RuntimeError, match="non-playable"):
        SuperMarioBros().after_step(FakeConsole(ram), terminated=False)


# --- registry ------------------------------------------------------------------------------------------
def test_registry_knows_the_gym_super_mario_bros_set_and_the_world_dump():
    files = {spec.filename: (game, spec) for game, spec in REGISTRY.values()}
    assert files["super-mario-bros.nes"][1].sha1 == "0c4992fc08d2278697339d3b48066e7b5f943598"
    assert files["super-mario-bros-2.nes"][0] is LostLevels
    assert {s.sha1 for _, s in REGISTRY.values()} >= {
        "0c4992fc08d2278697339d3b48066e7b5f943598", "09e98cc66320c9a4210602008ab1890143237e38",
        "654e0715c470b812a284eeb22b775ce676558bb5", "f5a3ce83636b60cd9b4f6972bbb3b35da37e1bd1",
        "f3b998073241fe588e28ff6b6f63ba01b4c237bb", "2a82548e2f8fe32cd617408e5e1e3580dac6e64b",
        "facee9c577a5262dbe33ac4930bb0b58c8c037f7",
    }
