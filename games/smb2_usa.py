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

At power-on the module waits through the title screen, presses Start until the life counter is
set, waits on the character select screen (a stage game writes the target level there), picks
Mario with A and waits until he has hearts and an x position, then 240 frames more. Nothing is
skipped between steps.

``info`` has upstream's keys in upstream's order, including the task metadata (``game``,
``task_id``, ...) and the reward diagnostics (``reward_components``, ``reward_total_*``).
RAM names follow the Data Crystal RAM map of the game.
"""
from typing import Any, Dict, Optional, Tuple

from .base import Console, Game, RomSpec
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

# controller bits
BUTTON_A = 0x01
BUTTON_START = 0x08
NOOP = 0x00

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
REWARD_COMPONENTS = ("progress", "collectibles", "health", "completion", "death")

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


# --- RAM readers ---------------------------------------------------------------------------------
def signed_byte(value: int) -> int:
    """Return a byte read as two's complement (-128..127)."""
    value = int(value)
    return value - 0x100 if value >= 0x80 else value


def level_to_stage(level: int) -> Tuple[int, int]:
    """Return ``(world, stage)`` of a level index, clamped to 0..19."""
    level = max(0, min(int(level), sum(STAGES_PER_WORLD) - 1))
    for world, count in enumerate(STAGES_PER_WORLD, start=1):
        if level < count:
            return world, level + 1
        level -= count
    raise AssertionError("unreachable")


def x_position(ram) -> int:
    """Return the player's x position in pixels (page * 256 + x)."""
    return int(ram[PLAYER_X_PAGE]) * 0x100 + int(ram[PLAYER_X])


def y_position(ram) -> int:
    """Return the player's y position in pixels (signed page * 256 + y; down is larger)."""
    return signed_byte(ram[PLAYER_Y_PAGE]) * 0x100 + int(ram[PLAYER_Y])


def hearts(ram) -> int:
    """Return the number of hearts of the life meter (0 when empty)."""
    value = int(ram[HEALTH])
    return 0 if value == 0 else (value >> 4) + 1


def extra_lives(ram) -> int:
    """Return the lives shown on screen: the counter minus the current one, at least 0."""
    lives = int(ram[LIVES])
    return 0 if lives == NO_LIVES else max(lives - 1, 0)


class SuperMarioBros2USA(Game):
    """Super Mario Bros. 2 (USA) as gym-super-mario-bros 9.1.0 plays it.

    Args:
        target: ``(world, stage)`` to play one level (world 1-7; stages 1-3, world 7: 1-2), or
            None for the full game.

    Raises:
        TypeError: ``target`` is not a tuple of two ints.
        ValueError: world or stage out of range.
    """

    name = "Super Mario Bros. 2 (USA)"
    ROMS: Tuple[RomSpec, ...] = ROMS
    reward_range = (-15.0, 15.0)
    # ALE's minimal set: gym-super-mario-bros' COMPLEX_MOVEMENT, as for Super Mario Bros.
    minimal_actions = MINIMAL_ACTIONS

    def __init__(self, target: Optional[Tuple[int, int]] = None):
        self.target = None if target is None else self.decode_target(target)
        self.target_level = None
        if self.target is not None:
            world, stage = self.target
            self.target_level = sum(STAGES_PER_WORLD[:world - 1]) + stage - 1
        self._origin = (0, 0)
        self._progress_max = 0
        self._lives_start = 0
        self._coins_last = 0
        self._cherries_last = 0
        self._hearts_last = 0
        self._completion_rewarded = False
        self._components = {k: 0.0 for k in REWARD_COMPONENTS}

    @staticmethod
    def decode_target(target: Tuple[int, int]) -> Tuple[int, int]:
        """Check a ``(world, stage)`` target (see the class)."""
        if not isinstance(target, tuple) or len(target) != 2:
            raise TypeError(f"target must be a (world, stage) tuple, got {target!r}")
        world, stage = target
        for what, value in (("world", world), ("stage", stage)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"target {what} must be an int, got {value!r}")
        if not 1 <= world <= len(STAGES_PER_WORLD):
            raise ValueError(f"target world must be in 1..{len(STAGES_PER_WORLD)}, got {world}")
        count = STAGES_PER_WORLD[world - 1]
        if not 1 <= stage <= count:
            raise ValueError(f"world {world} has stages 1..{count}, got {stage}")
        return world, stage

    @property
    def is_stage_game(self) -> bool:
        """True when one level is played."""
        return self.target is not None

    @property
    def start_key(self):
        return super().start_key + (self.target,)

    @property
    def task_id(self) -> str:
        """The gym-super-mario-bros id of this game and target."""
        if self.target is None:
            return "SuperMarioBros2USA-v0"
        return "SuperMarioBros2USA-{}-{}-v0".format(*self.target)

    # --- start of the game ----------------------------------------------------------------------
    def start(self, console: Console) -> None:
        """Title screen, character select (Mario), entrance: upstream's frames exactly.

        Raises:
            RuntimeError: the game does not reach a playable frame (emulation is wrong).
        """
        ram = console.ram
        console.step(TITLE_WAIT, NOOP)
        presses = 0
        while int(ram[LIVES]) == 0:
            console.step(1, BUTTON_START)
            console.step(1, NOOP)
            presses += 1
            if presses > MAX_TITLE_PRESSES:
                raise RuntimeError("Super Mario Bros. 2 (USA): Start never left the title screen")
        console.step(SELECT_WAIT, NOOP)
        if self.target is not None:
            ram[LEVEL] = self.target_level
            ram[WORLD] = self.target[0] - 1
        console.step(1, BUTTON_A)
        console.step(1, NOOP)
        for _ in range(PLAYABLE_TIMEOUT):
            if hearts(ram) > 0 and x_position(ram) > 0:
                break
            console.step(1, NOOP)
        else:
            raise RuntimeError("Super Mario Bros. 2 (USA): the level did not start "
                               f"within {PLAYABLE_TIMEOUT} frames")
        console.step(ENTRANCE_WAIT, NOOP)

    # --- per-frame accounting -------------------------------------------------------------------
    def reset(self, ram) -> None:
        self._take_baselines(ram)
        self._progress_max = 0
        self._completion_rewarded = False
        self._components = {k: 0.0 for k in REWARD_COMPONENTS}

    def _take_baselines(self, ram) -> None:
        self._origin = (x_position(ram), y_position(ram))
        self._lives_start = int(ram[LIVES])
        self._coins_last = int(ram[COINS])
        self._cherries_last = int(ram[CHERRIES])
        self._hearts_last = hearts(ram)

    def progress(self, ram) -> int:
        """Manhattan distance in pixels from the start position."""
        return abs(x_position(ram) - self._origin[0]) + abs(y_position(ram) - self._origin[1])

    def lost_life(self, ram) -> bool:
        """True when the life counter is below its value at the start of this life."""
        lives = int(ram[LIVES])
        return self._lives_start > 0 and lives != NO_LIVES and lives < self._lives_start

    def is_dying(self, ram) -> bool:
        return int(ram[LEVEL_TRANSITION]) == TRANSITION_RESTART or self.lost_life(ram)

    @staticmethod
    def is_dead(ram) -> bool:
        return int(ram[LEVEL_TRANSITION]) == TRANSITION_GAME_OVER

    def is_game_over(self, ram) -> bool:
        return self.is_dead(ram) or int(ram[LIVES]) == 0

    @staticmethod
    def is_level_complete(ram) -> bool:
        return int(ram[LEVEL_TRANSITION]) in (TRANSITION_COMPLETE, TRANSITION_WARP)

    def _progress_reward(self, ram) -> int:
        delta = self.progress(ram) - self._progress_max
        if delta <= 0:
            return 0
        self._progress_max += delta
        return 0 if delta > MAX_PROGRESS_DELTA else delta

    def _collectible_reward(self, ram) -> int:
        coins, cherries = int(ram[COINS]), int(ram[CHERRIES])
        d_coins, d_cherries = coins - self._coins_last, cherries - self._cherries_last
        self._coins_last, self._cherries_last = coins, cherries
        return max(d_coins, 0) * COIN_REWARD + max(d_cherries, 0) * CHERRY_REWARD

    def _health_reward(self, ram) -> int:
        now, before = hearts(ram), self._hearts_last
        self._hearts_last = now
        return 0 if self.lost_life(ram) else (now - before) * HEART_REWARD

    def _completion_reward(self, ram) -> int:
        if self.is_level_complete(ram) and not self._completion_rewarded:
            self._completion_rewarded = True
            return COMPLETION_REWARD
        return 0

    def _death_penalty(self, ram) -> int:
        return DEATH_PENALTY if (self.is_dying(ram) or self.is_dead(ram)) else 0

    def terminated(self, ram) -> bool:
        if self.is_stage_game:
            return (self.is_dying(ram) or self.is_dead(ram) or self.is_level_complete(ram)
                    or int(ram[LEVEL]) != self.target_level)
        return self.is_game_over(ram)

    def step(self, ram) -> Tuple[float, bool]:
        # the terms in upstream's order: each updates its own counter
        values = (self._progress_reward(ram), self._collectible_reward(ram),
                  self._health_reward(ram), self._completion_reward(ram),
                  self._death_penalty(ram))
        self._components = {k: float(v) for k, v in zip(REWARD_COMPONENTS, values)}
        return float(sum(self._components.values())), self.terminated(ram)

    def after_step(self, console: Console, terminated: bool) -> None:
        """After a life lost in the full game, take the start position and counters again."""
        ram = console.ram
        if not terminated and self.lost_life(ram):
            self._take_baselines(ram)
            self._progress_max = 0

    def info(self, ram) -> Dict[str, Any]:
        """The 45 info keys of gym-super-mario-bros 9.1.0, in its order (see the module)."""
        world, stage = level_to_stage(ram[LEVEL])
        dying, dead = self.is_dying(ram), self.is_dead(ram)
        complete = self.is_level_complete(ram)
        progress = self.progress(ram)
        unclipped = float(sum(self._components.values()))
        low, high = self.reward_range
        target = self.target or (None, None)
        return {
            "character": CHARACTER_NAMES.get(int(ram[CHARACTER]), "unknown"),
            "character_id": int(ram[CHARACTER]),
            "character_status": int(ram[CHARACTER_STATUS]),
            "cherries": int(ram[CHERRIES]),
            "coins": int(ram[COINS]),
            "enemy_defeat_count": int(ram[ENEMY_DEFEAT_COUNT]),
            "health_meter": int(ram[HEALTH_METER]),
            "health": hearts(ram),
            "invulnerability_timer": int(ram[INVULNERABILITY_TIMER]),
            "is_dead": dead,
            "is_dying": dying,
            "is_game_over": self.is_game_over(ram),
            "item_in_hand_height": int(ram[ITEM_IN_HAND_HEIGHT]),
            "level": int(ram[LEVEL]),
            "level_complete": complete,
            "level_transition": int(ram[LEVEL_TRANSITION]),
            "life": extra_lives(ram),
            "lives": int(ram[LIVES]),
            "position_progress": progress,
            "position_progress_max": self._progress_max,
            "stage": stage,
            "subspace_visits": int(ram[SUBSPACE_VISITS]),
            "world": world,
            "x_page": int(ram[PLAYER_X_PAGE]),
            "x_pos": x_position(ram),
            "x_screen": int(ram[PLAYER_X]),
            "y_page": int(ram[PLAYER_Y_PAGE]),
            "y_pos": y_position(ram),
            "y_screen": int(ram[PLAYER_Y]),
            "clear": complete,
            "death": dying or dead,
            "game": GAME_NAME,
            "game_family": GAME_NAME,
            "progress": progress,
            "progress_max": self._progress_max,
            "rom_mode": "vanilla",
            "single_stage": self.is_stage_game,
            "task_id": self.task_id,
            "target_stage": target[1],
            "target_world": target[0],
            "timeout": False,
            "world_label": str(world),
            "reward_components": dict(self._components),
            "reward_total_unclipped": unclipped,
            "reward_total_clipped": float(max(low, min(high, unclipped))),
        }

    def get_state(self) -> Dict[str, Any]:
        return {"origin": list(self._origin), "progress_max": self._progress_max,
                "lives_start": self._lives_start, "coins_last": self._coins_last,
                "cherries_last": self._cherries_last, "hearts_last": self._hearts_last,
                "completion_rewarded": self._completion_rewarded,
                "components": dict(self._components)}

    def set_state(self, state: Dict[str, Any]) -> None:
        self._origin = (int(state["origin"][0]), int(state["origin"][1]))
        self._progress_max = int(state["progress_max"])
        self._lives_start = int(state["lives_start"])
        self._coins_last = int(state["coins_last"])
        self._cherries_last = int(state["cherries_last"])
        self._hearts_last = int(state["hearts_last"])
        self._completion_rewarded = bool(state["completion_rewarded"])
        self._components = {k: float(state["components"][k]) for k in REWARD_COMPONENTS}
