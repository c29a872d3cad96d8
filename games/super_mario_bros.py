"""Super Mario Bros.: what the RAM means, with gym-super-mario-bros 7.4 semantics.

Reward per frame: ``dx + dt + death`` where ``dx`` is the change of Mario's level x position
(0 when ``|dx| > 5``: a reset or teleport, not movement), ``dt`` the change of the in-game clock
(<= 0; a clock that went up gives 0) and ``death`` -25 while Mario is dying or dead; the environment
clips the sum to ``[-15, 15]``. A stage game (``target=(world, stage)``) terminates when Mario dies
or reaches the flag / the axe; the full game terminates on game over.

Between agent steps the module skips what is not gameplay, like upstream: the death animation,
area changes (pipes, flagpole), the lives screen and the end-of-world cut-scene. At power-on it
presses Start through the title screen and, for a stage game, writes the target world, stage and
area to RAM while the game loads its first level (:func:`start_script`).

Fixes over gym-super-mario-bros 7.4 (same info keys and encodings otherwise):

* the flagpole always ends a stage game (gsmb #55): ``flag_get`` also holds while the game runs
  its flagpole-slide routine, which the old check (player float state 3 with a flagpole in the
  enemy slots) could miss, letting the skip logic run into the next stage;
* the full game no longer hangs after a flagpole reached with the screen lagging behind Mario
  (he lands on the pole's base block against the screen edge and the scroll lock is never
  released; upstream's skip loop then spins forever): the lock is released after Mario stood
  still for 60 frames;
* the full game ends (terminated) when the last world's end sequence starts, where upstream's
  skip loop waited forever for a clock that no longer runs;
* every value is read as a Python ``int``: no NumPy overflow warnings or errors (gsmb #94), and
  ``y_pos`` above the top of the screen is ``510 - y`` as documented upstream instead of
  wrapping modulo 256.

The rules are data: :func:`game_spec` (a :class:`games.spec.GameSpec`), evaluated in C by the
single env and by the vector env's pool threads alike; the module's readers (``score``,
``flag_get``...) evaluate its variables. RAM names follow the SMB disassembly (doppelganger's
smbdis).
"""
import functools
from typing import Any, Dict, Optional, Sequence, Tuple

from .base import RomSpec, StageGame
from .spec import (AllOf, AnyOf, ConditionReward, DeltaReward, GameSpec, InfoKey, Ram, Select,
                   SkipRule, Stall, Var, rules_for)
from .start import Press, Repeat, StartScript, Store, Wait, Write

# --- RAM addresses -------------------------------------------------------------------------------
GAME_ENGINE_SUBROUTINE = 0x000E  # player state: which game-engine routine runs (values below)
PLAYER_FLOAT_STATE = 0x001D  # Player_State: 0 ground, 1 jump, 2 fall, 3 climbing (pole / vine)
ENEMY_IDS = (0x0016, 0x0017, 0x0018, 0x0019, 0x001A)  # Enemy_ID of the five enemy slots
PLAYER_PAGE = 0x006D  # Player_PageLoc: 256-pixel page of Mario's x position
PLAYER_X = 0x0086  # Player_X_Position: x within the page
PLAYER_Y_VIEWPORT = 0x00B5  # Player_Y_HighPos: 0 above the screen, 1 on it, > 1 below (falling)
PLAYER_Y = 0x03B8  # Player_Rel_YPos: y pixel on screen, 0 at the top
CHANGE_AREA_TIMER = 0x06DE  # counts down during area changes (pipes, flagpole walk)
SCROLL_LOCK = 0x0723  # ScrollLock: set while Mario is on the flagpole, stops the screen
PLAYER_STATUS = 0x0756  # PlayerStatus: 0 small, 1 big, 2 fiery
LIVES = 0x075A  # NumberofLives: 2, 1, 0 for the three lives; 0xFF after the last one
STAGE = 0x075C  # LevelNumber: stage - 1
WORLD = 0x075F  # WorldNumber: world - 1
AREA = 0x0760  # AreaNumber: index of the area in the world's area list (intro areas count)
OPER_MODE = 0x0770  # OperMode: 0 title/demo, 1 game, 2 end of world (victory), 3 game over
SCREEN_TIMER = 0x07A0  # ScreenTimer: pre-level ("WORLD 1-1", lives) screen countdown
SCORE_DIGITS = (0x07DE, 6)  # score, one decimal digit per byte, most significant first
COIN_DIGITS = (0x07ED, 2)  # coins, one decimal digit per byte
TIME_DIGITS = (0x07F8, 3)  # clock, one decimal digit per byte

# GameEngineSubroutine values
STATE_FLAGPOLE_SLIDE = 0x04
STATE_END_LEVEL = 0x05  # PlayerEndLevel: walk to the castle, tally the clock
STATE_DEAD = 0x06  # PlayerLoseLife
STATE_DYING = 0x0B  # PlayerDeath
# states in which the game, not the player, moves Mario: entrance timer, vine climb, side pipe,
# vertical pipe, flagpole slide, end-of-level walk, entrance
BUSY_STATES = frozenset((0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x07))

ENEMY_BOWSER = 0x2D
ENEMY_FLAGPOLE = 0x31
STAGE_OVER_ENEMIES = frozenset((ENEMY_BOWSER, ENEMY_FLAGPOLE))
OPER_MODE_END_OF_WORLD = 2
GAME_OVER_LIVES = 0xFF

STATUS_NAMES = {0: "small", 1: "tall"}  # anything else: "fireball"

DEATH_PENALTY = -25

# the minimal action set: gym-super-mario-bros' COMPLEX_MOVEMENT (nesenv.actions takes it from
# here): no Start / Select, no up or down with other buttons, left / right with A and / or B
MINIMAL_ACTIONS: Tuple[Tuple[str, ...], ...] = (
    ("NOOP",), ("right",), ("right", "A"), ("right", "B"), ("right", "A", "B"), ("A",),
    ("left",), ("left", "A"), ("left", "B"), ("left", "A", "B"), ("down",), ("up",),
)
MAX_X_DELTA = 5  # larger jumps of the x position are resets / teleports, rewarded 0
# a loop that skips non-gameplay frames gives up after this many frames (it would be a bug)
MAX_SKIP_FRAMES = 20_000
# frames Mario may stand still in PlayerEndLevel before the scroll lock is released (see after_step)
END_LEVEL_STALL_FRAMES = 60

ROMS = (
    RomSpec(
        sha1="0c4992fc08d2278697339d3b48066e7b5f943598",
        file_sha1="ab30029efec6ccfc5d65dfda7fbc6e6489a80805",
        filename="super-mario-bros.nes",
        title="Super Mario Bros. (Europe) (Rev A), as shipped by gym-super-mario-bros",
        variant="vanilla",
        preferred=1,
    ),
    RomSpec(
        sha1="facee9c577a5262dbe33ac4930bb0b58c8c037f7",
        filename="super-mario-bros-world.nes",
        title="Super Mario Bros. (World)",
        variant="vanilla",
    ),
    RomSpec(
        sha1="09e98cc66320c9a4210602008ab1890143237e38",
        file_sha1="4bf894b301f339bce306af4813923a9900d034d1",
        filename="super-mario-bros-downsample.nes",
        title="Super Mario Bros. (downsample hack of gym-super-mario-bros)",
        variant="downsample",
    ),
    RomSpec(
        sha1="654e0715c470b812a284eeb22b775ce676558bb5",
        file_sha1="63a520bf1a2911d7f3c343cbda42c1969e0ae184",
        filename="super-mario-bros-pixel.nes",
        title="Super Mario Bros. (pixel hack of gym-super-mario-bros)",
        variant="pixel",
    ),
    RomSpec(
        sha1="f5a3ce83636b60cd9b4f6972bbb3b35da37e1bd1",
        file_sha1="b0e9b156a51017c33a6b76708fc71395f8d32b15",
        filename="super-mario-bros-rectangle.nes",
        title="Super Mario Bros. (rectangle hack of gym-super-mario-bros)",
        variant="rectangle",
    ),
)


# --- the rules -------------------------------------------------------------------------------------
VARIABLES = {
    "engine": Ram(GAME_ENGINE_SUBROUTINE),
    "viewport": Ram(PLAYER_Y_VIEWPORT),
    "x_pos": Ram(PLAYER_PAGE) * 0x100 + Ram(PLAYER_X),
    # height from the bottom of the screen; above its top (viewport 0) it goes on from 255
    "y_pos": Select(Var("viewport").lt(1), 510 - Ram(PLAYER_Y), 255 - Ram(PLAYER_Y)),
    "score": Ram(SCORE_DIGITS[0], f">n{SCORE_DIGITS[1]}"),
    "coins": Ram(COIN_DIGITS[0], f">n{COIN_DIGITS[1]}"),
    "time": Ram(TIME_DIGITS[0], f">n{TIME_DIGITS[1]}"),
    "life": Ram(LIVES),
    "world": Ram(WORLD) + 1,
    "stage": Ram(STAGE) + 1,
    "status": Ram(PLAYER_STATUS),
    "dying": AnyOf(Var("engine").eq(STATE_DYING), Var("viewport").gt(1)),
    "dead": Var("engine").eq(STATE_DEAD),
    "dying_or_dead": AnyOf("dying", "dead"),
    "game_over": Var("life").eq(GAME_OVER_LIVES),
    "busy": Var("engine").isin(BUSY_STATES),
    "world_over": Ram(OPER_MODE).eq(OPER_MODE_END_OF_WORLD),
    # the flagpole-slide routine, or (upstream's test) climbing with a flagpole or Bowser in an
    # enemy slot; the enemy check keeps a vine climb from counting
    "stage_over": AnyOf(
        Var("engine").eq(STATE_FLAGPOLE_SLIDE),
        AllOf(AnyOf(*(Ram(a).isin(STAGE_OVER_ENEMIES) for a in ENEMY_IDS)),
              Ram(PLAYER_FLOAT_STATE).eq(3)),
    ),
    "flag_get": AnyOf("world_over", "stage_over"),
}

INFO = (
    InfoKey("coins", "coins"),
    InfoKey("flag_get", "flag_get", kind="bool"),
    InfoKey("life", "life"),
    InfoKey("score", "score"),
    InfoKey("stage", "stage"),
    InfoKey("status", "status", labels=tuple(STATUS_NAMES.items()), default="fireball"),
    InfoKey("time", "time"),
    InfoKey("world", "world"),
    InfoKey("x_pos", "x_pos"),
    InfoKey("y_pos", "y_pos"),
)

REWARDS = (
    DeltaReward("x_pos", low=-MAX_X_DELTA, high=MAX_X_DELTA, name="x"),
    DeltaReward("time", high=0, name="time"),  # the clock going up (a new stage) gives 0
    ConditionReward("dying_or_dead", DEATH_PENALTY),
)


@functools.lru_cache(maxsize=None)
def game_spec(stage_game: bool, last_world: int = 8) -> GameSpec:
    """The rules of a stage game (one life, ends on death or flag) or of the full game (ends on
    game over or when the end sequence of world ``last_world`` starts).

    Skip rules, in upstream's order: the death animation (Mario is made dead at once, one
    frame); the full game's end-of-world scene (until the clock changes); area changes (the
    timer is cut to 1); then every busy state or end-of-world frame, with the pre-level screen
    timer held at 0. In the last one, when Mario stands still for ``END_LEVEL_STALL_FRAMES``
    frames of the end-of-level routine, the scroll lock is released: with the screen lagging
    behind Mario he can land on the flagpole's base block pressed against the right screen
    edge, and the game (on nes-py too) never releases the lock, so the walk to the castle would
    never start.
    """
    if stage_game:
        terminated = AnyOf("dying_or_dead", "flag_get")
    else:
        terminated = AnyOf("game_over", AllOf("world_over", Var("world").eq(last_world)))
    skips = [SkipRule("the death animation", when="dying",
                      writes=((GAME_ENGINE_SUBROUTINE, STATE_DEAD),), max_frames=1)]
    if not stage_game:
        skips.append(SkipRule("the end-of-world scene", when="world_over", while_=1,
                              until_changed="time"))
    skips += [
        SkipRule("an area change", when=AllOf(Ram(CHANGE_AREA_TIMER).gt(1), Ram(CHANGE_AREA_TIMER).lt(255)),
                 writes=((CHANGE_AREA_TIMER, 1),), max_frames=0),
        SkipRule("a non-playable state", when=AnyOf("busy", "world_over"),
                 writes=((SCREEN_TIMER, 0),),
                 stall=Stall("x_pos", when=Var("engine").eq(STATE_END_LEVEL),
                             frames=END_LEVEL_STALL_FRAMES, writes=((SCROLL_LOCK, 0),))),
    ]
    return GameSpec(variables=VARIABLES, rewards=REWARDS, terminated=terminated, info=INFO,
                    skips=tuple(skips), frame_limit=MAX_SKIP_FRAMES)


# --- the start ----------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def start_script(target: Optional[Tuple[int, int, int]] = None) -> StartScript:
    """Press Start through the title screen as gym-super-mario-bros does, frame for frame.

    Press and release Start until the clock shows (for a stage game, ``target`` ``(world,
    stage, area)``, writing the target stage after each press, and cutting the pre-level screen
    short through its timer), then keep pressing and releasing Start, checking the clock after
    each release, until it ticks. The state this reaches depends on the frame of every press:
    it is upstream's backup state when the frames are nes-py's (``frame_timing="nes-py"``).
    """
    write_stage: Tuple[Write, ...] = ()
    if target is not None:
        write_stage = (Write(WORLD, target[0] - 1), Write(STAGE, target[1] - 1),
                       Write(AREA, target[2] - 1))
    passes = MAX_SKIP_FRAMES // 2  # two frames a pass
    return StartScript((
        Press("start"), Wait(1),
        Repeat((Press("start"),) + write_stage + (Wait(1), Write(SCREEN_TIMER, 0)),
               until=Var("time").ne(0), max_passes=passes, name="the title screen"),
        Store("time_last", "time"),
        Repeat((Store("time_last", "time"), Press("start"), Wait(1)),
               until=Var("time").lt("time_last"), max_passes=passes,
               name="the pre-level screen (the clock does not run)"),
    ))


# --- RAM readers (the spec's variables on a RAM array) -----------------------------------------------
def _value(name: str, ram) -> int:
    return rules_for(game_spec(True)).value(name, ram)


def score(ram) -> int:
    """Return the score, 0 to 999999 (``ram``: ``(2048,)`` ``uint8``)."""
    return _value("score", ram)


def coins(ram) -> int:
    """Return the coin counter, 0 to 99."""
    return _value("coins", ram)


def time_left(ram) -> int:
    """Return the in-game clock, 0 to 999 (0 on the title screen)."""
    return _value("time", ram)


def x_position(ram) -> int:
    """Return Mario's x position in the level in pixels (page * 256 + x)."""
    return _value("x_pos", ram)


def y_position(ram) -> int:
    """Return Mario's height in pixels from the bottom of the screen (``510 - y`` above it)."""
    return _value("y_pos", ram)


def player_status(ram) -> str:
    """Return ``"small"``, ``"tall"`` or ``"fireball"``."""
    return STATUS_NAMES.get(_value("status", ram), "fireball")


def is_dying(ram) -> bool:
    """Return True while the death animation runs or Mario falls below the screen."""
    return bool(_value("dying", ram))


def is_dead(ram) -> bool:
    """Return True when the game runs its lose-a-life routine."""
    return bool(_value("dead", ram))


def is_game_over(ram) -> bool:
    """Return True when the life counter went below 0 (it wraps to 0xFF)."""
    return bool(_value("game_over", ram))


def is_busy(ram) -> bool:
    """Return True while the game, not the player, moves Mario (see ``BUSY_STATES``)."""
    return bool(_value("busy", ram))


def is_world_over(ram) -> bool:
    """Return True during the end-of-world (castle / princess) sequence."""
    return bool(_value("world_over", ram))


def flag_get(ram) -> bool:
    """Return True when Mario reached the flagpole or Bowser's axe, or the world is over."""
    return bool(_value("flag_get", ram))


def world(ram) -> int:
    """Return the world, 1 to 8."""
    return _value("world", ram)


def stage(ram) -> int:
    """Return the stage within the world, 1 to 4."""
    return _value("stage", ram)


def info(ram) -> Dict[str, Any]:
    """Return the gym-super-mario-bros ``info`` dict (exactly these ten keys).

    Returns:
        ``coins`` int 0-99, ``flag_get`` bool, ``life`` int (2, 1, 0; 255 after the last life),
        ``score`` int, ``stage`` int 1-4, ``status`` str ("small", "tall", "fireball"),
        ``time`` int (clock), ``world`` int 1-8, ``x_pos`` int (pixels from the level start),
        ``y_pos`` int (pixels from the bottom of the screen).
    """
    return rules_for(game_spec(True)).info(ram)


class SuperMarioBros(StageGame):
    """Super Mario Bros. as gym-super-mario-bros 7.4 plays it.

    Args:
        target: ``(world, stage)`` to play one stage with one life, or None for the full game
            (three lives, all stages).

    Raises:
        TypeError: ``target`` is not a pair of ints.
        ValueError: world or stage out of range.
    """

    nes_py_core = True  # gym-super-mario-bros 7.4 runs on nes-py 8.2.1
    name = "Super Mario Bros."
    TASK = "SuperMarioBros"
    TARGET_LISTS = True
    ROMS: Tuple[RomSpec, ...] = ROMS
    reward_range = (-15.0, 15.0)
    minimal_actions = MINIMAL_ACTIONS
    WORLDS = 8
    # worlds whose stage 2 is preceded by the pipe cut-scene area, shifting later areas by one
    INTRO_AREA_WORLDS: Sequence[int] = (1, 2, 4, 7)

    def __init__(self, target: Optional[Tuple[int, int]] = None):
        super().__init__(target)
        self.spec = game_spec(self.is_stage_game, self.last_world)

    @classmethod
    def decode_target(cls, target: Tuple[int, int]) -> Tuple[int, int, int]:
        """Return ``(world, stage, area)``, all 1-based, for a ``(world, stage)`` target.

        Raises:
            TypeError: ``target`` is not a pair of ints.
            ValueError: world not in 1..WORLDS or stage not in 1..4.
        """
        target_world, target_stage = cls.check_target(target)
        if not 1 <= target_world <= cls.WORLDS:
            raise ValueError(f"target world must be in 1..{cls.WORLDS}, got {target_world}")
        if not 1 <= target_stage <= 4:
            raise ValueError(f"target stage must be in 1..4, got {target_stage}")
        return target_world, target_stage, cls.target_area(target_world, target_stage)

    @classmethod
    def target_area(cls, target_world: int, target_stage: int) -> int:
        """Return the 1-based area number the game uses for a world and stage."""
        if target_world in cls.INTRO_AREA_WORLDS and target_stage >= 2:
            return target_stage + 1
        return target_stage

    @property
    def start_script(self) -> StartScript:
        """This target's :func:`start_script`."""
        return start_script(self.target)

    # --- rules ---------------------------------------------------------------------------------
    @property
    def last_world(self) -> int:
        """The world whose end finishes the game (8; 4 for the Lost Levels ROM)."""
        return getattr(self, "WORLDS_IN_ROM", self.WORLDS)

    def terminated(self, ram) -> bool:
        """Stage game: death or flag. Full game: game over, or the end of the last world.

        After the last castle the game waits for a button press to start its second quest;
        upstream's end-of-world skip waited for the clock there forever, so the full game ends
        when the end-of-world sequence of the last world starts.
        """
        return bool(self.rules.table.eval(self.rules.compiled.terminated, ram))
