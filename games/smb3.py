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
It then waits until the level runs (clock set, x position > 0) and 180 frames more. Nothing is
skipped between steps.

``info`` has upstream's keys in upstream's order, including the task metadata (``game``,
``task_id``, ...) and the reward diagnostics (``reward_components``, ``reward_total_*``). Some
keys are upstream's names for bytes that mean something else (``x_page`` is the byte upstream
reads at $0075, which on the map is the map y); they are kept as upstream computes them.
"""
from typing import Any, Dict, Optional, Tuple

from .base import Console, Game, RomSpec
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
TIME_DIGITS = (0x05EE, 3)  # level clock, one decimal digit per byte; 0 on the map
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
BUTTON_A = 0x01
BUTTON_START = 0x08
BUTTON_UP = 0x10
BUTTON_RIGHT = 0x80
NOOP = 0x00

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
REWARD_COMPONENTS = ("progress", "time", "score", "powerup", "completion", "death")

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


# --- RAM readers ---------------------------------------------------------------------------------
def time_left(ram) -> int:
    """Return the level clock (0 on the world map)."""
    address, length = TIME_DIGITS  # one decimal digit a byte; upstream joins them as text
    return int("".join(str(int(ram[a])) for a in range(address, address + length)))


def score(ram) -> int:
    """Return the score: the 3-byte big-endian counter times 10."""
    address, length = SCORE
    value = 0
    for a in range(address, address + length):
        value = (value << 8) + int(ram[a])
    return value * 10


def map_position(ram) -> Tuple[int, int]:
    """Return Mario's ``(map y, map x)`` on the world map."""
    return int(ram[MAP_Y]), int(ram[MAP_X])


def in_level(ram) -> bool:
    """True while a level runs (its clock is set)."""
    return time_left(ram) > 0


def on_map(ram) -> bool:
    """True on the world map: no clock, and Mario has a map position."""
    return time_left(ram) == 0 and any(map_position(ram))


def x_position(ram) -> int:
    """Return the x position in the level (page * 256 + x), or the map x on the map."""
    if in_level(ram):
        return int(ram[MAP_Y]) * 0x100 + int(ram[PLAYER_X])
    return int(ram[MAP_X])


def y_position(ram) -> int:
    """Return the y position in the level (page * 256 + y), or the map y on the map."""
    if in_level(ram):
        return int(ram[PLAYER_Y_PAGE]) * 0x100 + int(ram[PLAYER_Y])
    return int(ram[MAP_Y])


def powerup_level(ram) -> int:
    """Return 0 small, 1 super, 2 anything better."""
    return min(int(ram[POWERUP]), 2)


class SuperMarioBros3(Game):
    """Super Mario Bros. 3 as gym-super-mario-bros 9.1.0 plays it.

    Args:
        target: ``(1, stage)`` with stage 1, 2, 4 or 6 to play one level, or None for the full
            game (from World 1-1).

    Raises:
        TypeError: ``target`` is not a tuple of two ints.
        ValueError: a target upstream has no map route to.
    """

    name = "Super Mario Bros. 3"
    ROMS: Tuple[RomSpec, ...] = ROMS
    reward_range = (-15.0, 15.0)
    # ALE's minimal set: gym-super-mario-bros' COMPLEX_MOVEMENT, as for Super Mario Bros.
    minimal_actions = MINIMAL_ACTIONS

    def __init__(self, target: Optional[Tuple[int, int]] = None):
        self.target = None if target is None else self.decode_target(target)
        self.world, self.stage = self.target or (1, 1)
        self._entered_level = False
        self._life_start = 0
        self._life_last = 0
        self._time_last = 0
        self._x_max = 0
        self._score_last = 0
        self._powerup_last = 0
        self._completion_rewarded = False
        self._life_loss_pending = False
        self._components = {k: 0.0 for k in REWARD_COMPONENTS}

    @staticmethod
    def decode_target(target: Tuple[int, int]) -> Tuple[int, int]:
        """Check a ``(world, stage)`` target (see the class)."""
        if not isinstance(target, tuple) or len(target) != 2:
            raise TypeError(f"target must be a (world, stage) tuple, got {target!r}")
        for what, value in zip(("world", "stage"), target):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"target {what} must be an int, got {value!r}")
        if target not in STAGE_ENTRIES:
            known = ", ".join(f"{w}-{s}" for w, s in STAGE_ENTRIES)
            raise ValueError(f"target must be one of {known} (the stages gym-super-mario-bros "
                             f"9.1.0 enters from the map), got {target!r}")
        return target

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
            return "SuperMarioBros3-v0"
        return "SuperMarioBros3-{}-{}-v0".format(*self.target)

    # --- start of the game ----------------------------------------------------------------------
    @staticmethod
    def _walk(console: Console, buttons: int, target: Tuple[int, int]) -> None:
        for _ in range(WALK_TRIES):
            if map_position(console.ram) == target:
                return
            console.step(1, buttons)
            console.step(1, NOOP)
            console.step(WALK_WAIT, NOOP)
        raise RuntimeError(f"Super Mario Bros. 3: Mario did not reach map position {target}")

    def start(self, console: Console) -> None:
        """Title, World 1 map, walk to the level's panel and enter it: upstream's frames.

        Raises:
            RuntimeError: the game does not reach the map or the level (emulation is wrong).
        """
        ram = console.ram
        console.step(TITLE_WAIT, NOOP)
        for _ in range(START_PRESSES):
            if map_position(ram) == MAP_START:
                break
            console.step(1, BUTTON_START)
            console.step(1, NOOP)
            console.step(START_PRESS_WAIT, NOOP)
        else:
            raise RuntimeError("Super Mario Bros. 3: Start never reached the World 1 map")
        console.step(MAP_WAIT, NOOP)
        if self.target is None:
            self._walk(console, BUTTON_RIGHT, WORLD_1_1_JUNCTION)
            self._walk(console, BUTTON_UP, WORLD_1_1_PANEL)
        else:
            (y, x, x_hi, tile, direction), buttons, panel = STAGE_ENTRIES[self.target]
            ram[MAP_Y], ram[MAP_X_HI], ram[MAP_X] = y, x_hi, x
            ram[MAP_MOVE], ram[MAP_DIRECTION], ram[MAP_TILE] = 0, direction, tile
            console.step(WRITE_WAIT, NOOP)
            self._walk(console, buttons, panel)
        console.step(PANEL_WAIT, NOOP)
        console.step(1, BUTTON_A)
        console.step(1, NOOP)
        for _ in range(PLAYABLE_TIMEOUT):
            if in_level(ram) and x_position(ram) > 0:
                break
            console.step(1, NOOP)
        else:
            raise RuntimeError("Super Mario Bros. 3: the level did not start "
                               f"within {PLAYABLE_TIMEOUT} frames")
        console.step(ENTRANCE_WAIT, NOOP)

    # --- per-frame accounting -------------------------------------------------------------------
    def _take_baselines(self, ram) -> None:
        self._life_start = self._life_last = int(ram[LIVES])
        self._time_last = time_left(ram)
        self._x_max = x_position(ram)

    def reset(self, ram) -> None:
        self._take_baselines(ram)
        self._entered_level = in_level(ram)
        self._score_last = score(ram)
        self._powerup_last = powerup_level(ram)
        self._completion_rewarded = False
        self._life_loss_pending = False
        self._components = {k: 0.0 for k in REWARD_COMPONENTS}

    def is_dying(self, ram) -> bool:
        """True when the life counter is below its value at the start of this attempt."""
        lives = int(ram[LIVES])
        return lives != NO_LIVES and lives < self._life_start

    @staticmethod
    def is_game_over(ram) -> bool:
        return int(ram[LIVES]) == NO_LIVES

    def flag_get(self, ram) -> bool:
        """True when Mario is back on the map alive after entering a level."""
        return (self._entered_level and on_map(ram) and not self.is_dying(ram)
                and not self._life_loss_pending and not self.is_game_over(ram))

    def world_number(self, ram) -> int:
        """The world from RAM (1-8), or the target's when the byte is out of range."""
        value = int(ram[WORLD])
        return value + 1 if value < WORLDS else self.world

    def _progress_reward(self, ram) -> int:
        x = x_position(ram)
        if not in_level(ram):
            self._x_max = x
            return 0
        delta = x - self._x_max
        if delta <= 0:
            return 0
        self._x_max = x
        return 0 if delta > MAX_PROGRESS_DELTA else delta

    def _time_penalty(self, ram) -> int:
        t, before = time_left(ram), self._time_last
        self._time_last = t
        if not in_level(ram):
            return 0
        return min(t - before, 0)

    def _score_reward(self, ram) -> float:
        s, before = score(ram), self._score_last
        self._score_last = s
        return (s - before) / SCORE_DIVISOR if s > before else 0

    def _powerup_reward(self, ram) -> int:
        level, before = powerup_level(ram), self._powerup_last
        self._powerup_last = level
        return (level - before) * POWERUP_REWARD

    def _completion_reward(self, ram) -> int:
        if self.flag_get(ram) and not self._completion_rewarded:
            self._completion_rewarded = True
            return COMPLETION_REWARD
        return 0

    def _death_penalty(self, ram) -> int:
        lives, before = int(ram[LIVES]), self._life_last
        self._life_last = lives
        return DEATH_PENALTY if (lives != NO_LIVES and lives < before) else 0

    def terminated(self, ram) -> bool:
        if self.is_stage_game:
            return self.is_dying(ram) or self.flag_get(ram) or self.is_game_over(ram)
        return self.is_game_over(ram)

    def step(self, ram) -> Tuple[float, bool]:
        # the terms in upstream's order: each updates its own counter
        values = (self._progress_reward(ram), self._time_penalty(ram), self._score_reward(ram),
                  self._powerup_reward(ram), self._completion_reward(ram),
                  self._death_penalty(ram))
        self._components = {k: float(v) for k, v in zip(REWARD_COMPONENTS, values)}
        return float(sum(self._components.values())), self.terminated(ram)

    def after_step(self, console: Console, terminated: bool) -> None:
        """Full game: back on the map after a death starts a new attempt."""
        if terminated:
            return
        ram = console.ram
        if in_level(ram):
            self._life_loss_pending = False
        elif self.is_dying(ram) and not self.is_game_over(ram):
            self._life_loss_pending = True
            self._take_baselines(ram)

    def info(self, ram) -> Dict[str, Any]:
        """The 46 info keys of gym-super-mario-bros 9.1.0, in its order (see the module)."""
        lives = int(ram[LIVES])
        flag = self.flag_get(ram)
        dying, game_over = self.is_dying(ram), self.is_game_over(ram)
        x = x_position(ram)
        world = self.world_number(ram)
        unclipped = float(sum(self._components.values()))
        low, high = self.reward_range
        target = self.target or (None, None)
        return {
            "card_selection": int(ram[CARD_SELECTION]),
            "flag_get": flag,
            "flight_timer": int(ram[FLIGHT_TIMER]),
            "in_level": in_level(ram),
            "invulnerability_timer": int(ram[INVULNERABILITY_TIMER]),
            "is_dying": dying,
            "is_game_over": game_over,
            "life": lives,
            "lives": lives,
            "map_x": int(ram[MAP_X]),
            "map_y": int(ram[MAP_Y]),
            "p_meter": int(ram[P_METER]),
            "p_meter_full": bool(int(ram[P_METER]) & P_METER_FULL),
            "p_meter_timer": int(ram[P_METER_TIMER]),
            "pipe_timer": int(ram[PIPE_TIMER]),
            "powerup_level": powerup_level(ram),
            "score": score(ram),
            "stage": self.stage,
            "star_timer": int(ram[STAR_TIMER]),
            "status": POWERUP_NAMES.get(int(ram[POWERUP]), "unknown"),
            "status_value": int(ram[POWERUP]),
            "time": time_left(ram),
            "world": world,
            "x_page": int(ram[MAP_Y]),
            "x_pos": x,
            "x_pos_max": self._x_max,
            "x_screen": int(ram[PLAYER_X]),
            "y_page": int(ram[PLAYER_Y_PAGE]),
            "y_pos": y_position(ram),
            "y_screen": int(ram[PLAYER_Y]),
            "clear": flag,
            "death": dying or game_over,
            "game": GAME_NAME,
            "game_family": GAME_NAME,
            "progress": x,
            "progress_max": self._x_max,
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

    _COUNTERS = ("entered_level", "life_start", "life_last", "time_last", "x_max", "score_last",
                 "powerup_last", "completion_rewarded", "life_loss_pending")

    def get_state(self) -> Dict[str, Any]:
        state: Dict[str, Any] = {k: getattr(self, "_" + k) for k in self._COUNTERS}
        state["components"] = dict(self._components)
        return state

    def set_state(self, state: Dict[str, Any]) -> None:
        for k in self._COUNTERS:
            value = state[k]
            setattr(self, "_" + k, bool(value) if isinstance(value, bool) else int(value))
        self._components = {k: float(state["components"][k]) for k in REWARD_COMPONENTS}
