"""stable-retro's NES game integrations, read as stable-retro defines them and played on nesenv.

An integration is a folder named ``<Game>-Nes`` (stable-retro 1.0.1 ships 298 under
``stable_retro/data/stable``, with the version suffix ``-v0`` in the folder name) holding:

* ``data.json``: ``{"info": {name: {"address": int, "type": "|u1"}}}``: named RAM variables
  (stable-retro's type strings: :func:`games.spec.parse_type` with ``retro=True``, which refuses
  nesenv's own ``t``); every variable is in ``info``;
* ``scenario.json``: ``reward.variables``: ``{name: {"reward": w, "penalty": p}}``: each frame,
  the change of the variable since the last frame times ``w`` when positive, times ``p`` when
  negative (both default 0); ``reward.time``: a reward every frame; ``done``: ``variables``
  ``{name: {"op": ..., "reference": r}}`` (ops ``equal``, ``not-equal``, ``less-than``,
  ``greater-than``, ``less-or-equal``, ``greater-or-equal``, ``zero``, ``nonzero``, ``positive``,
  ``negative``, ``negative-equal``, on the value), nested ``nodes``, combined by ``condition``
  ``any`` (default) or ``all``; ``actions`` and ``crop`` (read, not used: nesenv's envs take the
  controller byte and show the whole picture); ``scripts`` and ``reward.script`` /
  ``done.script`` ``"lua:NAME"``: Lua functions that replace the variable rewards (or done
  conditions), run by :class:`LuaScripts` as stable-retro runs them (LuaJIT, through the
  ``lupa`` package of the ``retro`` extra);
* ``metadata.json``: ``default_state``; ``*.state``: FCEUmm save states (gzip), converted by
  :mod:`nesenv.fceux_state`; ``rom.sha``: the SHA-1 of the ROM's PRG+CHR data.

Semantics from stable-retro's ``src/data.cpp`` (``Scenario``) and ``retro_env.py``: a reset
loads the state and runs one frame with no input before the first observation; one step is one
frame.

ROMs: an integration runs on the imported ROM whose hash its ``rom.sha`` names, or on an
explicit ``rom_path`` (which may be another revision of the same game: the conversion of the
state and the RAM map then only hold as far as the revisions agree; nesenv warns).
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from games.base import Game
from games.spec import (AllOf, AnyOf, ConditionReward, DeltaReward, GameSpec, InfoKey, Ram, Var,
                        parse_type, rules_for)
from games.start import LoadState, StartScript, Wait

PathLike = Union[str, "os.PathLike[str]"]
#: extra folders searched for integrations (os.pathsep-separated), before stable-retro's
PATH_ENV = "NESENV_INTEGRATIONS"
SUFFIX = "-Nes"
#: stable-retro's data folders, in the order it searches them
RETRO_FOLDERS = ("stable", "contrib", "experimental")
RAM_SIZE = 2048

# stable-retro's done operations on a value v with reference r (src/utils.cpp); a done test
# holds when the result is > 0, so "sign" (-1, 0, 1) holds for positive values
_DONE_OPS = {
    "equal": lambda v, r: v.eq(r),
    "not-equal": lambda v, r: v.ne(r),
    "less-than": lambda v, r: v.lt(r),
    "greater-than": lambda v, r: v.gt(r),
    "less-or-equal": lambda v, r: v.le(r),
    "greater-or-equal": lambda v, r: v.ge(r),
    "negative-equal": lambda v, r: v.eq(-r),
    "zero": lambda v, r: v.eq(0),
    "nonzero": lambda v, r: v.ne(0),
    "positive": lambda v, r: v.gt(0),
    "sign": lambda v, r: v.gt(0),
    "negative": lambda v, r: v.lt(0),
}


class IntegrationError(ValueError):
    """An integration folder that cannot be read or played; the message names file and field."""


@dataclasses.dataclass(frozen=True)
class Integration:
    """One stable-retro integration, as read from its folder.

    Attributes:
        name: the folder name without stable-retro's version suffix (``"SuperMarioBros-Nes"``).
        folder: where it was read from.
        variables: ``{name: (address, type)}`` from ``data.json``.
        scenario: ``scenario.json`` as parsed JSON (``{}`` when absent).
        default_state: the state ``metadata.json`` names (None when there is none).
        states: names of the ``.state`` files (without the extension), sorted.
        rom_sha1: the SHA-1 in ``rom.sha`` (lowercase), or None.
    """

    name: str
    folder: Path
    variables: Dict[str, Tuple[int, str]]
    scenario: Dict[str, Any]
    default_state: Optional[str]
    states: Tuple[str, ...]
    rom_sha1: Optional[str]

    @property
    def scripted(self) -> bool:
        """Whether the scenario loads scripts or takes its reward or done from a script."""
        return bool(self.scenario.get("scripts") or (self.scenario.get("reward") or {}).get("script")
                    or (self.scenario.get("done") or {}).get("script"))

    @property
    def unsupported(self) -> Optional[str]:
        """Why nesenv cannot evaluate this integration's scenario, or None."""
        if not self.scripted:
            return None
        for entry in self.scenario.get("scripts") or []:
            if not (isinstance(entry, str) and entry.endswith(".lua")):
                return f"its scenario loads the script {entry!r}; stable-retro runs only Lua (.lua)"
        for section in ("reward", "done"):
            script = (self.scenario.get(section) or {}).get("script")
            if script is not None and not (isinstance(script, str) and script.startswith("lua:")):
                return f"its {section} script {script!r} is not a Lua function (\"lua:NAME\")"
        if _luajit() is None:
            return ("its scenario uses Lua scripts, which need the lupa package "
                    "(pip install lupa, or nesenv's retro extra)")
        return None

    def state_path(self, state: Optional[str] = None) -> Optional[Path]:
        """The ``.state`` file of ``state`` (default: ``default_state``), or None for none.

        Raises:
            IntegrationError: ``state`` is not one of :attr:`states`.
        """
        state = self.default_state if state is None else state
        if state is None:
            return None
        if state not in self.states:
            raise IntegrationError(f"{self.name} has no state {state!r}; states: "
                                   f"{', '.join(self.states) or '(none)'}")
        return self.folder / f"{state}.state"


def _json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise IntegrationError(f"{path}: not valid JSON ({e})") from None


def load(folder: PathLike) -> Integration:
    """Read an integration folder.

    Raises:
        IntegrationError: no ``data.json``, malformed JSON, a variable without an int address
            in 0..2047 or with a bad type, a scenario that names unknown variables.
    """
    folder = Path(folder)
    if not (folder / "data.json").is_file():
        raise IntegrationError(f"{folder} is not a stable-retro integration (no data.json)")
    data = _json(folder / "data.json")
    variables: Dict[str, Tuple[int, str]] = {}
    for name, v in (data.get("info") or {}).items():
        where = f"{folder / 'data.json'}: variable {name!r}"
        if not isinstance(v, dict) or not isinstance(v.get("address"), int) \
                or isinstance(v.get("address"), bool):
            raise IntegrationError(f"{where} needs an int address")
        try:
            width = parse_type(v.get("type"), retro=True)[0]
        except ValueError as e:
            raise IntegrationError(f"{where}: {e}") from None
        if not 0 <= v["address"] <= RAM_SIZE - width:
            raise IntegrationError(f"{where}: address {v['address']:#x} is outside the 2 KiB CPU RAM")
        variables[name] = (v["address"], v["type"])
    scenario = _json(folder / "scenario.json") if (folder / "scenario.json").is_file() else {}
    metadata = _json(folder / "metadata.json") if (folder / "metadata.json").is_file() else {}
    states = tuple(sorted(p.name[:-6] for p in folder.glob("*.state")))
    sha = None
    if (folder / "rom.sha").is_file():
        sha = (folder / "rom.sha").read_text(encoding="ascii", errors="replace").split()[0].lower()
    name = folder.name
    if name.endswith("-v0"):
        name = name[:-3]
    integ = Integration(name=name, folder=folder, variables=variables, scenario=scenario,
                        default_state=metadata.get("default_state"), states=states, rom_sha1=sha)
    for section in ("reward", "done"):
        for var in _scenario_variables(scenario.get(section) or {}):
            if var not in variables:
                raise IntegrationError(f"{folder / 'scenario.json'}: {section} names {var!r}, "
                                       "which data.json does not define")
    return integ


def _scenario_variables(node: Dict[str, Any]) -> Iterator[str]:
    yield from (node.get("variables") or {})
    for sub in (node.get("nodes") or {}).values():
        yield from _scenario_variables(sub)


# ---- the rules ------------------------------------------------------------------------------------
def _done(node: Dict[str, Any], where: str):
    terms = []
    for name, spec in (node.get("variables") or {}).items():
        if spec.get("measurement", "absolute") != "absolute":
            raise IntegrationError(f"{where}: done on the {spec['measurement']!r} of {name!r} "
                                   "is not supported (only absolute values)")
        op = spec.get("op")
        if op not in _DONE_OPS:
            raise IntegrationError(f"{where}: unknown done op {op!r} for {name!r}")
        terms.append(_DONE_OPS[op](Var(name), int(spec.get("reference", 0))))
    for sub in (node.get("nodes") or {}).values():
        sub_term = _done(sub, where)
        if sub_term is not None:
            terms.append(sub_term)
    if not terms:
        return None
    return AllOf(*terms) if node.get("condition") == "all" else AnyOf(*terms)


def game_spec(integ: Integration) -> GameSpec:
    """The :class:`games.spec.GameSpec` of an integration's ``data.json`` and ``scenario.json``.

    A scripted reward or done is left out (no reward terms, or no termination): the game of
    :func:`game_for` adds it.

    Raises:
        IntegrationError: scripts nesenv cannot run (see :attr:`Integration.unsupported`), or
            an operation the spec cannot express (reward ops other than the plain change, done
            on changes).
    """
    if integ.unsupported:
        raise IntegrationError(f"{integ.name}: {integ.unsupported}")
    where = str(integ.folder / "scenario.json")
    reward = integ.scenario.get("reward") or {}
    rewards: List[Any] = []
    # a reward (done) script replaces the variables' rewards (done conditions): Scenario's
    # calculateReward / calculateDone in stable-retro's src/data.cpp; LuaIntegrationGame runs it
    scripted_reward = "script" in reward
    for name, spec in ({} if scripted_reward else reward.get("variables") or {}).items():
        if spec.get("measurement", "delta") != "delta" or spec.get("op", "nop") != "nop":
            raise IntegrationError(f"{where}: reward on {name!r} uses op/measurement "
                                   f"{spec.get('op')!r}/{spec.get('measurement')!r}; only the "
                                   "plain change is supported")
        up, down = float(spec.get("reward", 0.0)), float(spec.get("penalty", 0.0))
        if up:
            rewards.append(DeltaReward(Var(name), weight=up, low=0, name=f"{name}+"))
        if down:
            rewards.append(DeltaReward(Var(name), weight=down, high=0, name=f"{name}-"))
    time = None if scripted_reward else reward.get("time")
    if time:
        rewards.append(ConditionReward(1, float(time.get("reward", 0.0))))
    done_node = integ.scenario.get("done") or {}
    done = None if "script" in done_node else _done(done_node, where)
    return GameSpec(
        variables={name: Ram(address, type_) for name, (address, type_) in integ.variables.items()},
        rewards=tuple(rewards), terminated=done,
        info=tuple(InfoKey(name, Var(name)) for name in integ.variables))


class IntegrationGame(Game):
    """An integration played from one of its states: the spec of :func:`game_spec`, and a start
    that loads the state (converted from FCEUmm's) and runs one frame with no input, as
    stable-retro's reset does.

    Args:
        integ: the integration.
        rom_path: the ROM the env plays (the state is converted for it).
        state: the state's name (default: the integration's default state; power-on when it has
            none).
    """

    def __init__(self, integ: Integration, rom_path: PathLike, state: Optional[str] = None):
        self.integration = integ
        self.name = integ.name
        self.spec = game_spec(integ)
        self.state_name = state if state is not None else integ.default_state
        self._state_path = integ.state_path(state)
        self._rom_path = os.fspath(rom_path)

    @property
    def start_key(self):
        return super().start_key + (self.integration.name, self.state_name, self._rom_path)

    @property
    def start_script(self) -> StartScript:
        """Load the state (converted from FCEUmm's when the env first starts) and run one frame
        with no input; without a state, that frame from power-on."""
        from .fceux_state import convert

        steps: Tuple[Any, ...] = (Wait(1),)
        if self._state_path is not None:
            steps = (LoadState(convert(self._state_path.read_bytes(), self._rom_path)),) + steps
        return StartScript(steps)


class LuaIntegrationGame(IntegrationGame):
    """An integration whose scenario has Lua scripts: the spec's variables, info and unscripted
    parts as :class:`IntegrationGame`, the scripted reward and/or done from
    :class:`LuaScripts`. Its hooks run in Python: in the vector env, env by env (a Lua call
    costs a few microseconds a frame)."""

    def __init__(self, integ: Integration, rom_path: PathLike, state: Optional[str] = None):
        super().__init__(integ, rom_path, state)
        self.scripts = LuaScripts(integ, self.spec)

    def reset(self, ram) -> None:
        super().reset(ram)
        self.scripts.reload()
        self.scripts.update(ram)  # stable-retro's reset evaluates once (update_ram), unused

    def step(self, ram) -> Tuple[float, bool]:
        reward, terminated = super().step(ram)  # the unscripted part (spec)
        lua_reward, lua_done = self.scripts.update(ram)
        if lua_done is not None:
            terminated = lua_done
        if lua_reward is not None:
            reward = lua_reward
        return reward, terminated

    def info(self, ram) -> Dict[str, Any]:
        return {**super().info(ram), **self.scripts.custom}

    def get_state(self) -> Dict[str, Any]:
        return {"spec": super().get_state(), "lua": self.scripts.get_state()}

    def set_state(self, state: Dict[str, Any]) -> None:
        super().set_state(state["spec"])
        self.scripts.set_state(state["lua"])


def game_for(integ: Integration, rom_path: PathLike, state: Optional[str] = None) -> IntegrationGame:
    """The game module of an integration: :class:`LuaIntegrationGame` when its scenario has
    scripts, else :class:`IntegrationGame` (rules evaluated in C in both envs)."""
    cls = LuaIntegrationGame if integ.scripted else IntegrationGame
    return cls(integ, rom_path, state)


# ---- Lua scenario scripts --------------------------------------------------------------------------
def _luajit():
    """lupa's LuaJIT 2.1 module (stable-retro embeds LuaJIT: Lua 5.1, numbers are doubles), or
    None when lupa is not installed."""
    try:
        import lupa.luajit21 as luajit
    except ImportError:
        return None
    return luajit


# ``data``: stable-retro's script view of the game data (its src/script-lua.cpp): ``data.NAME``
# reads a custom value set by a script, else the data.json variable; ``data[ADDRESS]`` one RAM
# byte; ``data.NAME = v`` sets a custom value (nesenv refuses writes to RAM variables)
_DATA_TABLE = """
local get, set = ...
data = setmetatable({}, {__index = function(_, k) return get(k) end,
                         __newindex = function(_, k, v) set(k, v) end})
"""


class LuaScripts:
    """An integration's Lua scripts in a Lua state of their own, run as stable-retro runs them.

    stable-retro loads every file of ``scenario.json``'s ``scripts`` into one LuaJIT state;
    each frame (``GameData.update_ram`` then ``Scenario.update``) it calls the done function,
    then the reward function, with ``data`` reading the RAM after that frame; a reset clears
    the custom values and loads the scripts again into a fresh state (``PyGameData.reset``),
    then evaluates once more (the reset's ``update_ram``), its result unused. Custom values
    (``data.NAME = v``) appear in ``info`` beside the variables (``lookup_all``).

    Args:
        integ: the integration (its scripts are read from its folder).
        spec: its :func:`game_spec`, whose rules read the variables from RAM.

    Raises:
        IntegrationError: a script that does not load, or names no such function; at a step, a
            script error (the message has Lua's) or a reward/done that is not a number/boolean.
    """

    def __init__(self, integ: Integration, spec: GameSpec):
        self.integ, self.spec, self.rules = integ, spec, rules_for(spec)
        scenario = integ.scenario
        self.reward_function = ((scenario.get("reward") or {}).get("script") or ":")[4:] or None
        self.done_function = ((scenario.get("done") or {}).get("script") or ":")[4:] or None
        self.sources = [(entry, (integ.folder / entry).read_text(encoding="utf-8"))
                        for entry in scenario.get("scripts") or []]
        self._ram = None
        self.custom: Dict[str, Any] = {}
        self.reload()

    def reload(self) -> None:
        """A fresh Lua state with the scripts loaded and no custom values (stable-retro's reset)."""
        lua = _luajit().LuaRuntime(register_eval=False, register_builtins=False)
        self._builtins = set(lua.globals())
        self.custom = {}
        lua.execute(_DATA_TABLE, self._get, self._set)
        for entry, source in self.sources:
            try:
                lua.execute(source)
            except Exception as e:  # lupa.LuaError and LuaSyntaxError
                raise IntegrationError(f"{self.integ.folder / entry}: {e}") from None
        self.functions = {}
        for name in (self.done_function, self.reward_function):
            if name is not None:
                fn = lua.globals()[name]
                if fn is None:
                    raise IntegrationError(f"{self.integ.name}: its scripts define no Lua "
                                           f"function {name!r}")
                self.functions[name] = fn
        self._lua = lua

    def _get(self, key):
        if isinstance(key, (int, float)) and not isinstance(key, bool):
            address = int(key)
            if not 0 <= address < RAM_SIZE:
                raise IndexError(f"Out of bounds access: data[{key}]")
            return int(self._ram[address])
        if key in self.custom:
            return self.custom[key]
        if key in self.integ.variables:
            return self.rules.value(key, self._ram)
        raise KeyError(f"data.{key}: no such variable or custom value")

    def _set(self, key, value):
        if key in self.integ.variables:
            raise IntegrationError(f"{self.integ.name}: a script writes the RAM variable "
                                   f"{key!r}; nesenv's scripts read RAM only")
        self.custom[key] = value

    def _call(self, name: str, ram) -> Any:
        self._ram = ram
        try:
            return self.functions[name]()
        except IntegrationError:
            raise
        except Exception as e:
            raise IntegrationError(f"{self.integ.name}: Lua function {name!r} failed: {e}") from None

    def update(self, ram) -> Tuple[Optional[float], Optional[bool]]:
        """Call the done function, then the reward function, on the RAM after a frame; return
        ``(reward or None, done or None)`` (None: not scripted)."""
        done = reward = None
        if self.done_function is not None:
            value = self._call(self.done_function, ram)
            done = bool(value) if not isinstance(value, (int, float)) else value > 0
        if self.reward_function is not None:
            value = self._call(self.reward_function, ram)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise IntegrationError(f"{self.integ.name}: Lua function "
                                       f"{self.reward_function!r} returned {value!r}, not a number")
            reward = float(value)
        return reward, done

    # --- save states: the scripts' own globals (numbers, strings, booleans, tables of them) ---
    def get_state(self) -> Dict[str, Any]:
        """The globals the scripts set and the custom values, as JSON-able data."""
        def plain(v):  # None for what a state does not keep (functions, userdata)
            if isinstance(v, (bool, int, float, str)):
                return v
            if _luajit().lua_type(v) == "table":
                pairs = ([plain(k), plain(x)] for k, x in v.items())
                return [pair for pair in pairs if None not in pair]
            return None
        found = ((k, plain(v)) for k, v in self._lua.globals().items()
                 if isinstance(k, str) and k not in self._builtins and k != "data")
        return {"globals": {k: v for k, v in found if v is not None}, "custom": dict(self.custom)}

    def set_state(self, state: Dict[str, Any]) -> None:
        """Reload the scripts, then set the globals and custom values :meth:`get_state` gave."""
        self.reload()
        g = self._lua.globals()

        def lua_value(v):
            if isinstance(v, list):
                t = self._lua.table()
                for k, x in v:
                    t[lua_value(k)] = lua_value(x)
                return t
            return v
        for k, v in state["globals"].items():
            g[k] = lua_value(v)
        self.custom = dict(state["custom"])

    def __getstate__(self) -> Dict[str, Any]:  # pickle / deepcopy: a fresh Lua state
        return {"integ": self.integ, "spec": self.spec, "state": self.get_state()}

    def __setstate__(self, d: Dict[str, Any]) -> None:
        self.__init__(d["integ"], d["spec"])
        self.set_state(d["state"])


# ---- finding integrations and ROMs ----------------------------------------------------------------
def search_folders() -> List[Path]:
    """Where integrations are looked for: ``$NESENV_INTEGRATIONS`` folders, then the data
    folders of an installed stable-retro (``stable``, ``contrib``, ``experimental``)."""
    folders = [Path(p) for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p]
    spec = importlib.util.find_spec("stable_retro")
    if spec is not None and spec.origin:
        data = Path(spec.origin).parent / "data"
        folders += [data / sub for sub in RETRO_FOLDERS]
    return [f for f in folders if f.is_dir()]


def available() -> Dict[str, Path]:
    """``{name: folder}`` of every NES integration found (the first found of each name)."""
    out: Dict[str, Path] = {}
    for folder in search_folders():
        for sub in sorted(folder.iterdir()):
            name = sub.name[:-3] if sub.name.endswith("-v0") else sub.name
            if name.endswith(SUFFIX) and (sub / "data.json").is_file():
                out.setdefault(name, sub)
    return out


def find(name: str) -> Integration:
    """The integration called ``name`` (``"SuperMarioBros-Nes"``; a folder path works too).

    Raises:
        IntegrationError: none of that name is found (the message says where it looked and how
            to install stable-retro's).
    """
    if os.sep in name or Path(name).is_dir():
        return load(name)
    name = name[:-3] if name.endswith("-v0") else name
    found = available().get(name)
    if found is None:
        raise IntegrationError(
            f"no NES integration {name!r} found (looked in ${PATH_ENV} and stable-retro's data "
            "folders; pip install stable-retro==1.0.1 installs its 298 NES integrations)")
    return load(found)


def rom_for(integ: Integration, rom_path: Optional[PathLike] = None) -> Path:
    """The ROM to play ``integ`` on: ``rom_path`` if given (with a warning when its hash is not
    the one ``rom.sha`` names), else the imported ROM with that hash.

    Raises:
        IntegrationError: no ``rom_path`` and no imported ROM with the integration's hash (the
            message gives the hash and the import command).
    """
    from . import roms

    if rom_path is not None:
        path = roms.resolve_rom(rom_path)
        sha = roms.rom_hash(path.read_bytes())
        if integ.rom_sha1 and sha != integ.rom_sha1:
            warnings.warn(f"{path.name} (SHA-1 {sha}) is not the ROM {integ.name} was made for "
                          f"({integ.rom_sha1}); its states and RAM map hold only as far as the "
                          "two agree", stacklevel=3)
        return path
    path = roms.imported_roms().get(integ.rom_sha1 or "")
    if path is None:
        raise IntegrationError(
            f"{integ.name} needs the ROM with PRG+CHR SHA-1 {integ.rom_sha1}, which is not "
            f"imported ({roms.IMPORT_COMMAND}); or pass rom_path= with a ROM of the same game")
    return path


def make(name: str, state: Optional[str] = None, rom_path: Optional[PathLike] = None,
         **env_kwargs: Any):
    """A Gymnasium env playing integration ``name`` from ``state``.

    Args:
        name: an integration name (``"SuperMarioBros-Nes"``) or folder.
        state: one of its states (default: its ``default_state``).
        rom_path: a ROM to play instead of the imported one ``rom.sha`` names (see
            :func:`rom_for`).
        env_kwargs: :class:`nesenv.env.NESEnv`'s other arguments (``render_mode``, ``obs_type``,
            ``frameskip``, ...).

    Returns:
        a :class:`nesenv.env.NESEnv`: ``Discrete(256)`` controller-byte actions, reward and
        termination from the scenario, every ``data.json`` variable in ``info``.

    Raises:
        IntegrationError: unknown integration or state, unsupported scenario, missing ROM.
    """
    from .env import NESEnv

    integ = find(name)
    rom = rom_for(integ, rom_path)
    return NESEnv(os.fspath(rom), game=game_for(integ, rom, state), **env_kwargs)
