"""Super Mario Bros. 2 (USA): what the RAM means, with gym-super-mario-bros 9.1.0 semantics.

Reward per frame, the sum of five terms (the environment clips it to ``[-15, 15]``):

* ``progress``: growth of the best Manhattan distance (``|dx| + |dy|`` in pixels) from where the
  player stood at the episode's (or life's) start; a growth above 10 pixels is a teleport and
  gives 0 (the best distance still moves);
* ``collectibles``: 5 per coin pulled in subspace and 2 per cherry (counters going down give 0);
* ``health``: 5 per heart gained, -5 per heart lost (0 on the frame a life is lost);
* ``completion``: 50 once per episode, when the level ends by its exit or a warp;
* ``death``: -25 while the level restarts after a death, while the life counter is below its
  value at the start, and at game over.

A stage game (``target=(world, stage)``) terminates on a death, game over, the end of the level
or when the level index leaves the target (a warp); the full game on game over or when the life
counter reads 0. After a life is lost in the full game, the start position, life count and
counters are taken again (upstream's ``_did_step``).

The rules are data (:func:`game_spec`, a :class:`games.spec.GameSpec` with registers for the
start position, the life count at the start, the best distance and the completion flag),
evaluated in C by the single env and the vector env's pool threads alike.

At power-on the module waits through the title screen, presses Start until the life counter is
set, waits on the character select screen (a stage game writes the target level there), picks
Mario with A and waits until he has hearts and an x position, then 240 frames more
(:func:`start_script`). Nothing is skipped between steps.

``info`` has upstream's keys in upstream's order, including the task metadata (``game``,
``task_id``, ...) and the reward diagnostics (``reward_components``, ``reward_total_*``).
RAM names follow the Data Crystal RAM map of the game.
"""
import functools
from typing import Optional, Tuple

from .base import RomSpec, StageGame
from .spec import (Abs, AllOf, AnyOf, ConditionReward, DeltaReward, GameSpec, InfoKey, Max, Min,
                   Not, Ram, Register, Select, Update, ValueReward, Var)
from .start import Press, Repeat, StartScript, Wait, Write
from .super_mario_bros import MINIMAL_ACTIONS

# --- RAM addresses -------------------------------------------------------------------------------
PLAYER_X_PAGE = 0x0014  # horizontal page (256 pixels) of the player
PLAYER_Y_PAGE = 0x001E  # vertical page of the player (signed)
PLAYER_X = 0x0028  # x within the page
PLAYER_Y = 0x0032  # y within the page
INVULNERABILITY_TIMER = 0x0085  # frames of invulnerability after a hit
CHARACTER = 0x008F  # 0 Mario, 1 Princess, 2 Toad, 3 Luigi
ITEM_IN_HAND_HEIGHT = 0x00AE  # raw height byte of the carried item
CHARACTER_STATUS = 0x00C7  # raw status byte of the player
ENEMY_DEFEAT_COUNT = 0x04AD  # enemies defeated toward the next heart drop
HEALTH = 0x04C2  # life meter: 0 dead, else (hearts - 1) << 4 | fraction
HEALTH_METER = 0x04C3  # number of bars of the life meter
LEVEL_TRANSITION = 0x04EC  # 1 restart after death, 2 game over, 3 level done, 4 warp
LIVES = 0x04ED  # lives including the current one (0 on the title screen)
LEVEL = 0x0531  # level index 0..19 (world and stage, see STAGES_PER_WORLD)
SUBSPACE_VISITS = 0x0621  # subspace coin-grab attempts of this level
CHERRIES = 0x062A  # cherries collected
COINS = 0x062B  # coins pulled in subspace
WORLD = 0x0635  # world - 1 (written with LEVEL at the start of a stage game)

TRANSITION_RESTART = 0x01
TRANSITION_GAME_OVER = 0x02
TRANSITION_COMPLETE = 0x03
TRANSITION_WARP = 0x04
NO_LIVES = 0xFF

STAGES_PER_WORLD = (3, 3, 3, 3, 3, 3, 2)
CHARACTER_NAMES = {0: "mario", 1: "princess", 2: "toad", 3: "luigi"}  # else "unknown"

# start sequence (frames), as gym-super-mario-bros 9.1.0 runs it
TITLE_WAIT = 120
SELECT_WAIT = 120
PLAYABLE_TIMEOUT = 720
ENTRANCE_WAIT = 240
MAX_TITLE_PRESSES = 5_000  # Start presses before giving up (upstream waits forever)

MAX_PROGRESS_DELTA = 10
COIN_REWARD = 5
CHERRY_REWARD = 2
HEART_REWARD = 5
COMPLETION_REWARD = 50
DEATH_PENALTY = -25

GAME_NAME = "smb2_usa"  # upstream's ``game`` and ``game_family`` info values

ROMS = (
    RomSpec(
        sha1="43ac7c7aaf1846ead7b544302bb9131e4964fd32",
        file_sha1="7df0f595b074f587c6a1d8f47e031f045d540dae",
        filename="super-mario-bros-2-usa.nes",
        title="Super Mario Bros. 2 (USA), as shipped by gym-super-mario-bros 9.1.0",
        variant="vanilla",
        package="gym-super-mario-bros==9.1.0",
    ),
)


# --- the rules -------------------------------------------------------------------------------------
LEVELS = sum(STAGES_PER_WORLD)  # 20; every world has 3 stages but the last (2)

VARIABLES = {
    "x_pos": Ram(PLAYER_X_PAGE) * 0x100 + Ram(PLAYER_X),
    "y_pos": Ram(PLAYER_Y_PAGE, "|i1") * 0x100 + Ram(PLAYER_Y),  # down is larger
    # hearts of the life meter: 0 when empty, else (byte >> 4) + 1
    "hearts": Select(Ram(HEALTH).eq(0), 0, Ram(HEALTH) // 16 + 1),
    "lives": Ram(LIVES),
    "life": Select(Var("lives").eq(NO_LIVES), 0, Max(Var("lives") - 1, 0)),  # lives on screen
    "level": Ram(LEVEL),
    # (world, stage) of the level index clamped to 0..19: three levels a world, two in the last
    "world": Min(Var("level"), LEVELS - 1) // 3 + 1,
    "stage": Min(Var("level"), LEVELS - 1) % 3 + 1,
    "transition": Ram(LEVEL_TRANSITION),
    "coins": Ram(COINS),
    "cherries": Ram(CHERRIES),
    "character": Ram(CHARACTER),
    # Manhattan distance from where this life started, and how far it went past the best
    "progress": Abs(Var("x_pos") - Var("origin_x")) + Abs(Var("y_pos") - Var("origin_y")),
    "growth": Var("progress") - Var("progress_max"),
    "lost_life": AllOf(Var("lives_start").gt(0), Var("lives").ne(NO_LIVES),
                       Var("lives").lt(Var("lives_start"))),
    "dying": AnyOf(Var("transition").eq(TRANSITION_RESTART), "lost_life"),
    "dead": Var("transition").eq(TRANSITION_GAME_OVER),
    "dying_or_dead": AnyOf("dying", "dead"),
    "game_over": AnyOf("dead", Var("lives").eq(0)),
    "complete": Var("transition").isin((TRANSITION_COMPLETE, TRANSITION_WARP)),
}

REGISTERS = (
    Register("origin_x", "x_pos"),
    Register("origin_y", "y_pos"),
    Register("lives_start", "lives"),
    Register("progress_max", 0),
    Register("completion_rewarded", 0),
)

# upstream's five terms, in its order (each its own reward component)
REWARDS = (
    ValueReward(Select(AllOf(Var("growth").gt(0), Var("growth").le(MAX_PROGRESS_DELTA)),
                       "growth", 0), component="progress"),
    DeltaReward("coins", COIN_REWARD, low=0, name="coins", component="collectibles"),
    DeltaReward("cherries", CHERRY_REWARD, low=0, name="cherries", component="collectibles"),
    DeltaReward("hearts", HEART_REWARD, when=Not("lost_life"), name="hearts", component="health"),
    ConditionReward(AllOf("complete", Not("completion_rewarded")), COMPLETION_REWARD,
                    component="completion"),
    ConditionReward("dying_or_dead", DEATH_PENALTY, component="death"),
)

UPDATES = (
    Update({"progress_max": Max("progress_max", "progress")}),
    Update({"completion_rewarded": 1}, when="complete"),
    # a life lost in the full game: this life's start position, life count and best again
    Update({"origin_x": "x_pos", "origin_y": "y_pos", "lives_start": "lives", "progress_max": 0},
           when="lost_life", after_step=True),
)


def _info(game: "SuperMarioBros2USA") -> tuple:
    """The 45 info keys of gym-super-mario-bros 9.1.0, in its order."""
    return (
        InfoKey("character", "character", labels=tuple(CHARACTER_NAMES.items()), default="unknown"),
        InfoKey("character_id", "character"),
        InfoKey("character_status", Ram(CHARACTER_STATUS)),
        InfoKey("cherries", "cherries"),
        InfoKey("coins", "coins"),
        InfoKey("enemy_defeat_count", Ram(ENEMY_DEFEAT_COUNT)),
        InfoKey("health_meter", Ram(HEALTH_METER)),
        InfoKey("health", "hearts"),
        InfoKey("invulnerability_timer", Ram(INVULNERABILITY_TIMER)),
        InfoKey("is_dead", "dead", kind="bool"),
        InfoKey("is_dying", "dying", kind="bool"),
        InfoKey("is_game_over", "game_over", kind="bool"),
        InfoKey("item_in_hand_height", Ram(ITEM_IN_HAND_HEIGHT)),
        InfoKey("level", "level"),
        InfoKey("level_complete", "complete", kind="bool"),
        InfoKey("level_transition", "transition"),
        InfoKey("life", "life"),
        InfoKey("lives", "lives"),
        InfoKey("position_progress", "progress"),
        InfoKey("position_progress_max", "progress_max"),
        InfoKey("stage", "stage"),
        InfoKey("subspace_visits", Ram(SUBSPACE_VISITS)),
        InfoKey("world", "world"),
        InfoKey("x_page", Ram(PLAYER_X_PAGE)),
        InfoKey("x_pos", "x_pos"),
        InfoKey("x_screen", Ram(PLAYER_X)),
        InfoKey("y_page", Ram(PLAYER_Y_PAGE)),
        InfoKey("y_pos", "y_pos"),
        InfoKey("y_screen", Ram(PLAYER_Y)),
    ) + game.upstream_info(GAME_NAME, clear="complete", death="dying_or_dead",
                           progress="progress", progress_max="progress_max", world="world")


@functools.lru_cache(maxsize=None)
def game_spec(target: Optional[Tuple[int, int]] = None) -> GameSpec:
    """The rules of the full game (``target`` None: ends on game over or when the life
    counter reads 0) or of one level (ends on a death, game over, the level's end, or when the
    level index leaves the target's)."""
    game = SuperMarioBros2USA(target)
    if target is None:
        terminated = Var("game_over")
    else:
        terminated = AnyOf("dying_or_dead", "complete", Var("level").ne(game.target_level))
    return GameSpec(variables=VARIABLES, registers=REGISTERS, rewards=REWARDS, updates=UPDATES,
                    terminated=terminated,
                    info=_info(game))


@functools.lru_cache(maxsize=None)
def start_script(target: Optional[Tuple[int, int]] = None) -> StartScript:
    """Title screen, character select (Mario), entrance: gym-super-mario-bros 9.1.0's frames
    exactly; a stage game (``target`` ``(world, stage)``) writes the target level on the
    character select screen."""
    write_level: Tuple[Write, ...] = ()
    if target is not None:
        game = SuperMarioBros2USA(target)
        write_level = (Write(LEVEL, game.target_level), Write(WORLD, game.target[0] - 1))
    return StartScript((
        Wait(TITLE_WAIT),
        Repeat((Press("start"), Wait(1)), until=Ram(LIVES).ne(0), max_passes=MAX_TITLE_PRESSES,
               name="the title screen"),
        Wait(SELECT_WAIT),
    ) + write_level + (
        Press("A"), Wait(1),
        Repeat((Wait(1),), until=AllOf(Var("hearts").gt(0), Var("x_pos").gt(0)),
               max_passes=PLAYABLE_TIMEOUT, name="the level's entrance (no hearts or x position)"),
        Wait(ENTRANCE_WAIT),
    ))


class SuperMarioBros2USA(StageGame):
    """Super Mario Bros. 2 (USA) as gym-super-mario-bros 9.1.0 plays it.

    Args:
        target: ``(world, stage)`` to play one level (world 1-7; stages 1-3, world 7: 1-2), or
            None for the full game.

    Raises:
        TypeError: ``target`` is not a tuple of two ints.
        ValueError: world or stage out of range.
    """

    name = "Super Mario Bros. 2 (USA)"
    TASK = "SuperMarioBros2USA"
    ROMS: Tuple[RomSpec, ...] = ROMS
    reward_range = (-15.0, 15.0)
    # ALE's minimal set: gym-super-mario-bros' COMPLEX_MOVEMENT, as for Super Mario Bros.
    minimal_actions = MINIMAL_ACTIONS

    def __init__(self, target: Optional[Tuple[int, int]] = None):
        super().__init__(target)
        self.target_level = None
        if self.target is not None:
            world, stage = self.target
            self.target_level = sum(STAGES_PER_WORLD[:world - 1]) + stage - 1

    @property
    def spec(self) -> GameSpec:
        """The rules of this target (:func:`game_spec`)."""
        return game_spec(self.target)

    @classmethod
    def decode_target(cls, target: Tuple[int, int]) -> Tuple[int, int]:
        """Check a ``(world, stage)`` target (see the class)."""
        world, stage = cls.check_target(target)
        if not 1 <= world <= len(STAGES_PER_WORLD):
            raise ValueError(f"target world must be in 1..{len(STAGES_PER_WORLD)}, got {world}")
        count = STAGES_PER_WORLD[world - 1]
        if not 1 <= stage <= count:
            raise ValueError(f"world {world} has stages 1..{count}, got {stage}")
        return world, stage

    @property
    def start_script(self) -> StartScript:
        """This target's :func:`start_script`."""
        return start_script(self.target)
