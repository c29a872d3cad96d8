"""stable-retro's NES game integrations, read as stable-retro defines them and played on nesenv.

An integration is a folder named ``<Game>-Nes`` (stable-retro 1.0.1 ships 298 under
``stable_retro/data/stable``, with the version suffix ``-v0`` in the folder name) holding:

* ``data.json``: ``{"info": {name: {"address": int, "type": "|u1"}}}``: named RAM variables
  (the type strings of :func:`games.spec.parse_type`); every variable is in ``info``;
* ``scenario.json``: ``reward.variables``: ``{name: {"reward": w, "penalty": p}}``: each frame,
  the change of the variable since the last frame times ``w`` when positive, times ``p`` when
  negative (both default 0); ``reward.time``: a reward every frame; ``done``: ``variables``
  ``{name: {"op": ..., "reference": r}}`` (ops ``equal``, ``not-equal``, ``less-than``,
  ``greater-than``, ``less-or-equal``, ``greater-or-equal``, ``zero``, ``nonzero``, ``positive``,
  ``negative``, ``negative-equal``, on the value), nested ``nodes``, combined by ``condition``
  ``any`` (default) or ``all``; ``actions`` and ``crop`` (read, not used: nesenv's envs take the
  controller byte and show the whole picture); ``scripts`` (Lua reward / done functions: not
  supported, the integration is refused with that reason);
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
                        parse_type)

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
    def unsupported(self) -> Optional[str]:
        """Why nesenv cannot evaluate this integration's scenario, or None."""
        if self.scenario.get("scripts") or "script" in self.scenario.get("reward", {}) \
                or "script" in self.scenario.get("done", {}):
            return "its scenario uses Lua scripts (script.lua), which nesenv does not run"
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
            width = parse_type(v.get("type"))[0]
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

    Raises:
        IntegrationError: Lua scripts, or an operation the spec cannot express (reward ops
            other than the plain change, done on changes).
    """
    if integ.unsupported:
        raise IntegrationError(f"{integ.name}: {integ.unsupported}")
    where = str(integ.folder / "scenario.json")
    reward = integ.scenario.get("reward") or {}
    rewards: List[Any] = []
    for name, spec in (reward.get("variables") or {}).items():
        if spec.get("measurement", "delta") != "delta" or spec.get("op", "nop") != "nop":
            raise IntegrationError(f"{where}: reward on {name!r} uses op/measurement "
                                   f"{spec.get('op')!r}/{spec.get('measurement')!r}; only the "
                                   "plain change is supported")
        up, down = float(spec.get("reward", 0.0)), float(spec.get("penalty", 0.0))
        if up:
            rewards.append(DeltaReward(Var(name), weight=up, low=0, name=f"{name}+"))
        if down:
            rewards.append(DeltaReward(Var(name), weight=down, high=0, name=f"{name}-"))
    time = reward.get("time")
    if time:
        rewards.append(ConditionReward(1, float(time.get("reward", 0.0))))
    done = _done(integ.scenario.get("done") or {}, where)
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

    def start(self, console) -> None:
        from .fceux_state import convert

        if self._state_path is not None:
            console.load_state(convert(self._state_path.read_bytes(), self._rom_path))
        console.step(1, 0)


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
    return NESEnv(os.fspath(rom), game=IntegrationGame(integ, rom, state), **env_kwargs)
