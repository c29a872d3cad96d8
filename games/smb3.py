"""Super Mario Bros. 3: what the RAM means, with gym-super-mario-bros 9.1.0 semantics.

Reward per frame, the sum of six terms (the environment clips it to ``[-15, 15]``):

* ``progress``: growth of the best x position in the level (pixels); a growth above 5 gives 0
  (the best still moves); on the world map the best is the map x and the term is 0;
* ``time``: the change of the level clock (<= 0; 0 on the map);
* ``score``: a score increase / 100;
* ``powerup``: 5 per power-up level gained, -5 per level lost (small 0, super 1, anything
  else 2);
* ``completion``: 50 once per episode, when Mario is back on the map alive after a level;
* ``death``: -25 on the frame the life counter goes down.

A stage game (``target=(1, stage)``, stages 1, 2, 4 and 6: the ones gym-super-mario-bros 9.1.0
validated) terminates when a life is lost, on game over (life counter 0xFF) or when Mario is back
on the map alive (the level is cleared); the full game on game over only. In the full game,
Mario back on the map after a death starts a new attempt: the life count, clock and best x are
taken again (upstream's ``_did_step``).

At power-on the module waits through the title, presses Start until Mario stands at the start of
the World 1 map, and walks him to the panel of 1-1 (right, then up) and enters it with A; a stage
game instead writes Mario's map position next to the target's panel, walks onto it and enters it.
It then waits until the level runs (clock set, x position > 0) and 180 frames more
(:func:`start_script`). Nothing is skipped between steps.

``info`` has upstream's keys in upstream's order, including the task metadata (``game``,
``task_id``, ...) and the reward diagnostics (``reward_components``, ``reward_total_*``). Some
keys are upstream's names for bytes that mean something else (``x_page`` is the byte upstream
reads at $0075, which on the map is the map y); they are kept as upstream computes them.

The rules are data (:func:`game_spec`, a :class:`games.spec.GameSpec` with registers for the
life count at the attempt's start and last frame, the best x, whether the episode started in a
level and the completion and life-loss flags), evaluated in C by the single env and the vector
env's pool threads alike.
"""
import functools
from typing import Optional, Tuple

from .base import RomSpec, StageGame
from .spec import (AllOf, AnyOf, ConditionReward, DeltaReward, GameSpec, InfoConst, InfoKey, Max,
                   Min, Not, Ram, Register, Select, Update, ValueReward, Var)
from .start import Press, Repeat, StartScript, Wait, Write
from .super_mario_bros import MINIMAL_ACTIONS

# --- RAM addresses -------------------------------------------------------------------------------
MAP_Y = 0x0075  # map y of Mario on the world map; upstream's "x page" in a level
MAP_X_HI = 0x0077  # map x high byte
MAP_X = 0x0079  # map x of Mario on the world map
MAP_MOVE = 0x007B  # map movement counter
MAP_DIRECTION = 0x007D  # map facing direction
PLAYER_Y_PAGE = 0x0087  # vertical page of Mario in a level
PLAYER_X = 0x0090  # x within the page in a level
PLAYER_Y = 0x00A2  # y within the page in a level
MAP_TILE = 0x00E5  # map tile under Mario
POWERUP = 0x00ED  # 0 small, 1 super, 2 fire, 3 raccoon, 4 frog, 5 tanooki, 6 hammer
P_METER = 0x03DD  # P-meter; bit 6 is the flashing "P"
PIPE_TIMER = 0x0510  # pipe transition countdown
P_METER_TIMER = 0x0515  # P-meter update countdown
INVULNERABILITY_TIMER = 0x0552  # after a hit
STAR_TIMER = 0x0553  # star power
FLIGHT_TIMER = 0x056E  # raccoon flight
TIME_DIGITS = (0x05EE, 3)  # level clock, one decimal digit per byte (upstream joins them as text)
CARD_SELECTION = 0x066F  # flashing end-of-level card
SCORE = (0x0715, 3)  # score / 10, big-endian binary
WORLD = 0x0727  # world - 1 (0-7)
LIVES = 0x0736  # lives; 0xFF after the last one

P_METER_FULL = 0x40
NO_LIVES = 0xFF
WORLDS = 8
POWERUP_NAMES = {0: "small", 1: "super", 2: "fire", 3: "raccoon", 4: "frog", 5: "tanooki",
                 6: "hammer"}  # else "unknown"

# controller bits
BUTTON_UP = 0x10
BUTTON_RIGHT = 0x80

# start sequence (frames and map coordinates), as gym-super-mario-bros 9.1.0 runs it
TITLE_WAIT = 300
START_PRESSES = 300  # Start press + 10 frames, until Mario stands at MAP_START
START_PRESS_WAIT = 10
MAP_WAIT = 120
MAP_START = (0x40, 0x20)  # (map y, map x) of the World 1 start
WORLD_1_1_JUNCTION = (0x40, 0x40)
WORLD_1_1_PANEL = (0x20, 0x40)
WALK_TRIES = 12  # button press + WALK_WAIT frames per try
WALK_WAIT = 30
WRITE_WAIT = 10
PANEL_WAIT = 120
PLAYABLE_TIMEOUT = 720
ENTRANCE_WAIT = 180
# stage -> (map y, map x, map x high, tile, direction) next to its panel, button, panel
STAGE_ENTRIES = {
    (1, 1): ((0x40, 0x40, 0x00, 0x4A, 0x01), 0x10, (0x20, 0x40)),
    (1, 2): ((0x20, 0x60, 0x00, 0x47, 0x01), 0x80, (0x20, 0x80)),
    (1, 4): ((0x40, 0x80, 0x00, 0x46, 0x04), 0x80, (0x40, 0xA0)),
    (1, 6): ((0xA0, 0x60, 0x00, 0xA3, 0x01), 0x80, (0xA0, 0x80)),
}

MAX_PROGRESS_DELTA = 5
SCORE_DIVISOR = 100
POWERUP_REWARD = 5
COMPLETION_REWARD = 50
DEATH_PENALTY = -25

GAME_NAME = "smb3"  # upstream's ``game`` and ``game_family`` info values

ROMS = (
    RomSpec(
        sha1="a611b90b4833b20a364bf06ee3be3b9093ea4df9",
        file_sha1="a03e7e526e79df222e048ae22214bca2bc49c449",
        filename="super-mario-bros-3.nes",
        title="Super Mario Bros. 3, as shipped by gym-super-mario-bros 9.1.0",
        variant="vanilla",
        package="gym-super-mario-bros==9.1.0",
    ),
)


# --- the rules -------------------------------------------------------------------------------------
VARIABLES = {
    "time": Ram(TIME_DIGITS[0], f">t{TIME_DIGITS[1]}"),
    "score": Ram(SCORE[0], f">u{SCORE[1]}") * 10,
    "lives": Ram(LIVES),
    "in_level": Var("time").gt(0),
    "on_map": AllOf(Var("time").eq(0), AnyOf(Ram(MAP_Y).ne(0), Ram(MAP_X).ne(0))),
    # in a level page * 256 + x and y; on the map the map x and y
    "x_pos": Select("in_level", Ram(MAP_Y) * 0x100 + Ram(PLAYER_X), Ram(MAP_X)),
    "y_pos": Select("in_level", Ram(PLAYER_Y_PAGE) * 0x100 + Ram(PLAYER_Y), Ram(MAP_Y)),
    "powerup_level": Min(Ram(POWERUP), 2),  # 0 small, 1 super, 2 anything better
    "growth": Var("x_pos") - Var("x_max"),
    "dying": AllOf(Var("lives").ne(NO_LIVES), Var("lives").lt(Var("life_start"))),
    "game_over": Var("lives").eq(NO_LIVES),
    "dying_or_over": AnyOf("dying", "game_over"),
    # back on the map alive after entering a level
    "flag_get": AllOf("entered_level", "on_map", Not("dying"), Not("life_loss_pending"),
                      Not("game_over")),
}

REGISTERS = (
    Register("entered_level", "in_level"),
    Register("life_start", "lives"),
    Register("life_last", "lives"),
    Register("x_max", "x_pos"),
    Register("completion_rewarded", 0),
    Register("life_loss_pending", 0),
)

# upstream's six terms, in its order (each its own reward component)
REWARDS = (
    ValueReward(Select(AllOf("in_level", Var("growth").gt(0), Var("growth").le(MAX_PROGRESS_DELTA)),
                       "growth", 0), component="progress"),
    DeltaReward("time", high=0, when="in_level", name="time", component="time"),
    DeltaReward("score", low=1, divisor=SCORE_DIVISOR, name="score", component="score"),
    DeltaReward("powerup_level", POWERUP_REWARD, name="powerup", component="powerup"),
    ConditionReward(AllOf("flag_get", Not("completion_rewarded")), COMPLETION_REWARD,
                    component="completion"),
    ConditionReward(AllOf(Var("lives").ne(NO_LIVES), Var("lives").lt(Var("life_last"))),
                    DEATH_PENALTY, component="death"),
)

UPDATES = (
    # the best x follows Mario off the level (the map)
    Update({"x_max": Select("in_level", Max("x_max", "x_pos"), "x_pos")}),
    Update({"completion_rewarded": 1}, when="flag_get"),
    Update({"life_last": "lives"}),
    # full game: back on the map after a death starts a new attempt
    Update({"life_loss_pending": 0}, when="in_level", after_step=True),
    Update({"life_loss_pending": 1, "life_start": "lives", "life_last": "lives", "x_max": "x_pos"},
           when=AllOf(Not("in_level"), "dying", Not("game_over")), after_step=True),
)


def _info(game: "SuperMarioBros3") -> tuple:
    """The 46 info keys of gym-super-mario-bros 9.1.0, in its order."""
    return (
        InfoKey("card_selection", Ram(CARD_SELECTION)),
        InfoKey("flag_get", "flag_get", kind="bool"),
        InfoKey("flight_timer", Ram(FLIGHT_TIMER)),
        InfoKey("in_level", "in_level", kind="bool"),
        InfoKey("invulnerability_timer", Ram(INVULNERABILITY_TIMER)),
        InfoKey("is_dying", "dying", kind="bool"),
        InfoKey("is_game_over", "game_over", kind="bool"),
        InfoKey("life", "lives"),
        InfoKey("lives", "lives"),
        InfoKey("map_x", Ram(MAP_X)),
        InfoKey("map_y", Ram(MAP_Y)),
        InfoKey("p_meter", Ram(P_METER)),
        InfoKey("p_meter_full", Ram(P_METER) // P_METER_FULL % 2, kind="bool"),
        InfoKey("p_meter_timer", Ram(P_METER_TIMER)),
        InfoKey("pipe_timer", Ram(PIPE_TIMER)),
        InfoKey("powerup_level", "powerup_level"),
        InfoKey("score", "score"),
        InfoConst("stage", game.stage),
        InfoKey("star_timer", Ram(STAR_TIMER)),
        InfoKey("status", Ram(POWERUP), labels=tuple(POWERUP_NAMES.items()), default="unknown"),
        InfoKey("status_value", Ram(POWERUP)),
        InfoKey("time", "time"),
        InfoKey("world", "world"),
        InfoKey("x_page", Ram(MAP_Y)),
        InfoKey("x_pos", "x_pos"),
        InfoKey("x_pos_max", "x_max"),
        InfoKey("x_screen", Ram(PLAYER_X)),
        InfoKey("y_page", Ram(PLAYER_Y_PAGE)),
        InfoKey("y_pos", "y_pos"),
        InfoKey("y_screen", Ram(PLAYER_Y)),
    ) + game.upstream_info(GAME_NAME, clear="flag_get", death="dying_or_over",
                           progress="x_pos", progress_max="x_max", world="world")


@functools.lru_cache(maxsize=None)
def game_spec(target: Optional[Tuple[int, int]] = None) -> GameSpec:
    """The rules of the full game (``target`` None: ends on game over) or of one level (ends
    when a life is lost, on game over or when Mario is back on the map alive)."""
    game = SuperMarioBros3(target)
    variables = dict(VARIABLES)
    # the world from RAM, or the target's when the byte is out of range
    variables["world"] = Select(Ram(WORLD).lt(WORLDS), Ram(WORLD) + 1, game.world)
    terminated = (AnyOf("dying", "flag_get", "game_over") if game.is_stage_game
                  else Var("game_over"))
    return GameSpec(variables=variables, registers=REGISTERS, rewards=REWARDS, updates=UPDATES,
                    terminated=terminated, info=_info(game))


def _at(position: Tuple[int, int]):
    """Mario stands at ``(map y, map x)`` on the world map."""
    return AllOf(Ram(MAP_Y).eq(position[0]), Ram(MAP_X).eq(position[1]))


def _walk(buttons: int, position: Tuple[int, int]) -> Repeat:
    """Press ``buttons`` (then wait) until Mario stands at ``position`` on the map."""
    return Repeat((Press(buttons), Wait(1), Wait(WALK_WAIT)), until=_at(position),
                  max_passes=WALK_TRIES, name=f"the walk to map position {position}")


@functools.lru_cache(maxsize=None)
def start_script(target: Optional[Tuple[int, int]] = None) -> StartScript:
    """Title, World 1 map, walk to the level's panel (a stage game first writes Mario's map
    position next to it) and enter it: gym-super-mario-bros 9.1.0's frames exactly."""
    if target is None:
        walk: Tuple = (_walk(BUTTON_RIGHT, WORLD_1_1_JUNCTION), _walk(BUTTON_UP, WORLD_1_1_PANEL))
    else:
        (y, x, x_hi, tile, direction), buttons, panel = STAGE_ENTRIES[target]
        walk = (Write(MAP_Y, y), Write(MAP_X_HI, x_hi), Write(MAP_X, x), Write(MAP_MOVE, 0),
                Write(MAP_DIRECTION, direction), Write(MAP_TILE, tile), Wait(WRITE_WAIT),
                _walk(buttons, panel))
    return StartScript((
        Wait(TITLE_WAIT),
        Repeat((Press("start"), Wait(1), Wait(START_PRESS_WAIT)), until=_at(MAP_START),
               max_passes=START_PRESSES, name="the title screen (World 1 map not reached)"),
        Wait(MAP_WAIT),
    ) + walk + (
        Wait(PANEL_WAIT),
        Press("A"), Wait(1),
        Repeat((Wait(1),), until=AllOf("in_level", Var("x_pos").gt(0)),
               max_passes=PLAYABLE_TIMEOUT, name="the level's entrance (clock or x position 0)"),
        Wait(ENTRANCE_WAIT),
    ))


class SuperMarioBros3(StageGame):
    """Super Mario Bros. 3 as gym-super-mario-bros 9.1.0 plays it.

    Args:
        target: ``(1, stage)`` with stage 1, 2, 4 or 6 to play one level, or None for the full
            game (from World 1-1).

    Raises:
        TypeError: ``target`` is not a tuple of two ints.
        ValueError: a target upstream has no map route to.
    """

    name = "Super Mario Bros. 3"
    TASK = "SuperMarioBros3"
    ROMS: Tuple[RomSpec, ...] = ROMS
    reward_range = (-15.0, 15.0)
    # ALE's minimal set: gym-super-mario-bros' COMPLEX_MOVEMENT, as for Super Mario Bros.
    minimal_actions = MINIMAL_ACTIONS

    def __init__(self, target: Optional[Tuple[int, int]] = None):
        super().__init__(target)
        self.world, self.stage = self.target or (1, 1)

    @property
    def spec(self) -> GameSpec:
        """The rules of this target (:func:`game_spec`)."""
        return game_spec(self.target)

    @classmethod
    def decode_target(cls, target: Tuple[int, int]) -> Tuple[int, int]:
        """Check a ``(world, stage)`` target (see the class)."""
        target = cls.check_target(target)
        if target not in STAGE_ENTRIES:
            known = ", ".join(f"{w}-{s}" for w, s in STAGE_ENTRIES)
            raise ValueError(f"target must be one of {known} (the stages gym-super-mario-bros "
                             f"9.1.0 enters from the map), got {target!r}")
        return target

    @property
    def start_script(self) -> StartScript:
        """This target's :func:`start_script`."""
        return start_script(self.target)
