"""stable-retro's NES integrations: every one that stable-retro 1.0.1 ships is read, its rules
compiled (or refused with the reason), and the Super Mario Bros. and Super Mario Bros. 3 ones
played from their FCEUmm states give stable-retro's reward, done and info at every step
(traces recorded by tests/parity/record_fceumm.py)."""
import gzip
import json
import pickle
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from games.spec import compile_spec
from nesenv import integrations
from tests.parity.record_fceumm import pad
from tests.parity.test_fceumm_traces import ROMS, TRACES, _rom

STABLE_NES = 298


@pytest.fixture(scope="module")
def shipped():
    folders = [f for f in integrations.search_folders() if f.name == "stable"]
    if not folders:
        pytest.skip("stable-retro is not installed (pip install -e '.[test]' installs it)")
    return sorted(p for p in folders[0].iterdir() if p.name.endswith("-Nes-v0"))


def test_every_shipped_nes_integration_loads_and_compiles(shipped):
    assert len(shipped) == STABLE_NES
    refused = {}
    for folder in shipped:
        integ = integrations.load(folder)
        assert integ.name == folder.name[:-3] and integ.variables
        try:
            compile_spec(integrations.game_spec(integ))
        except integrations.IntegrationError as e:
            refused[integ.name] = str(e)
    assert not refused, refused  # all 298, the 22 with Lua reward scripts included
    scripted = [integrations.load(f) for f in shipped if integrations.load(f).scripted]
    assert len(scripted) == 22


def test_every_shipped_lua_script_loads_and_runs(shipped):
    """The 22 Lua reward scripts load into LuaJIT and give numbers over 300 frames of changing
    RAM (their ROMs are not available here: the RAM is synthetic)."""
    rng = np.random.default_rng(0)
    for folder in shipped:
        integ = integrations.load(folder)
        if not integ.scripted:
            continue
        game = integrations.LuaIntegrationGame(integ, "unused.nes")
        ram = np.zeros(2048, np.uint8)
        game.reset(ram)
        for _ in range(300):
            ram[rng.integers(0, 2048, 64)] = rng.integers(0, 256, 64)
            reward, terminated = game.step(ram)
            assert isinstance(reward, float) and isinstance(terminated, bool)
        assert set(game.info(ram)) == set(integ.variables)  # no custom values in these scripts


_LUA_SMB = """
last = nil  -- the scenario's reward: xscrollLo's rises, weight 1; stable-retro's first delta is 0
frames = 0
function xscroll_reward()
  local v = data.xscrollLo
  local r = 0
  if last ~= nil and v > last then r = v - last end
  last = v
  frames = frames + 1
  data.frames = frames
  return r
end
function lives_done() return data.lives == -1 and data[1882] == 255 end
"""


def _lua_smb(tmp_path):
    """SuperMarioBros-Nes with its reward and done as Lua functions (same rules)."""
    folder = tmp_path / "SuperMarioBrosLua-Nes"
    shutil.copytree(integrations.find("SuperMarioBros-Nes").folder, folder)
    scenario = json.loads((folder / "scenario.json").read_text())
    scenario["reward"] = {"script": "lua:xscroll_reward"}
    scenario["done"]["script"] = "lua:lives_done"
    scenario["scripts"] = ["script.lua"]
    (folder / "scenario.json").write_text(json.dumps(scenario))
    (folder / "script.lua").write_text(_LUA_SMB)
    return folder


def test_lua_scenario_steps_equal_stable_retro(tmp_path, shipped):
    """The Lua version of SMB's scenario gives stable-retro's rewards and dones at every step of
    the recorded trace; ``data.NAME = v`` values join ``info``; a reset reloads the scripts."""
    trace_path = next(t for t in TRACES if t.name == "Level1-1.json.gz")
    trace = json.loads(gzip.decompress(trace_path.read_bytes()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # another revision than rom.sha names
        env = integrations.make(str(_lua_smb(tmp_path)), state=trace["state"],
                                rom_path=_rom(trace["integration"]))
    assert isinstance(env.unwrapped.game, integrations.LuaIntegrationGame)
    for episode in range(2):
        env.reset(seed=0)
        for frame, (reward, done, info) in enumerate(trace["steps"][:1500]):
            _, r, terminated, _, got = env.step(pad(frame))
            assert (r, terminated) == (reward, done), (episode, frame)
            assert got == {**info, "frames": frame + 2}  # + the reset's evaluation
            if done:
                break
        blob = env.unwrapped.save_state()
        after = [env.step(pad(f))[1:3] for f in range(frame + 1, frame + 200)]
        env.unwrapped.load_state(blob)  # the scripts' globals (last, frames) come back
        assert [env.step(pad(f))[1:3] for f in range(frame + 1, frame + 200)] == after
    copy = pickle.loads(pickle.dumps(env.unwrapped))
    assert copy.step(0)[1:] == env.unwrapped.step(0)[1:]
    env.close()


def test_lua_errors_are_named(tmp_path, shipped):
    folder = _lua_smb(tmp_path)
    rom = _rom("SuperMarioBros-Nes-v0")
    (folder / "script.lua").write_text("function xscroll_reward( return 1 end")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(integrations.IntegrationError, match="script.lua"):
            integrations.make(str(folder), rom_path=rom)
        (folder / "script.lua").write_text("function other() return 1 end")
        with pytest.raises(integrations.IntegrationError, match="no Lua function 'lives_done'"):
            integrations.make(str(folder), rom_path=rom)
        (folder / "script.lua").write_text(
            "function xscroll_reward() return data.nothing end\nfunction lives_done() return false end")
        env = integrations.make(str(folder), rom_path=rom)
        with pytest.raises(integrations.IntegrationError, match="data.nothing: no such variable"):
            env.reset()
        (folder / "script.lua").write_text(
            "function xscroll_reward() data.lives = 3 return 0 end\nfunction lives_done() return false end")
        env = integrations.make(str(folder), rom_path=rom)
        with pytest.raises(integrations.IntegrationError, match="writes the RAM variable 'lives'"):
            env.reset()
        (folder / "script.lua").write_text(
            "function xscroll_reward() return data[4096] end\nfunction lives_done() return false end")
        env = integrations.make(str(folder), rom_path=rom)
        with pytest.raises(integrations.IntegrationError, match="Out of bounds access"):
            env.reset()


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(integrations.IntegrationError, match="no data.json"):
        integrations.load(tmp_path)
    (tmp_path / "data.json").write_text(json.dumps({"info": {"x": {"address": 4000, "type": "|u1"}}}))
    with pytest.raises(integrations.IntegrationError, match="outside the 2 KiB CPU RAM"):
        integrations.load(tmp_path)
    (tmp_path / "data.json").write_text(json.dumps({"info": {"x": {"address": 4, "type": "|q1"}}}))
    with pytest.raises(integrations.IntegrationError, match="bad RAM type"):
        integrations.load(tmp_path)
    # nesenv's own "t" (decimal bytes joined as text) is no stable-retro type
    (tmp_path / "data.json").write_text(json.dumps({"info": {"x": {"address": 4, "type": ">t3"}}}))
    with pytest.raises(integrations.IntegrationError,
                       match=r"variable 'x'.*'>t3'.*stable-retro reads only u, i, d and n"):
        integrations.load(tmp_path)
    (tmp_path / "data.json").write_text(json.dumps({"info": {"x": {"address": 4, "type": "|u1"}}}))
    (tmp_path / "scenario.json").write_text(json.dumps({"done": {"variables": {"y": {"op": "zero"}}}}))
    with pytest.raises(integrations.IntegrationError, match="names 'y', which data.json does not define"):
        integrations.load(tmp_path)
    (tmp_path / "scenario.json").write_text("{")
    with pytest.raises(integrations.IntegrationError, match="not valid JSON"):
        integrations.load(tmp_path)
    with pytest.raises(integrations.IntegrationError, match="no NES integration 'Nothing-Nes'"):
        integrations.find("Nothing-Nes")


def test_unknown_state_is_refused(shipped):
    integ = integrations.find("SuperMarioBros-Nes")
    with pytest.raises(integrations.IntegrationError, match="no state 'Level9-9'"):
        integ.state_path("Level9-9")


@pytest.mark.parametrize("trace_path", TRACES, ids=[f"{t.parent.name}/{t.name[:-8]}" for t in TRACES])
def test_scenario_steps_equal_stable_retro(trace_path, shipped):
    """Reward, done and every data.json variable equal stable-retro's at every step."""
    trace = json.loads(gzip.decompress(trace_path.read_bytes()))
    rom = _rom(trace["integration"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # these ROMs are other revisions than rom.sha names
        env = integrations.make(trace["integration"], state=trace["state"], rom_path=rom)
    env.reset(seed=0)
    exact = ROMS[trace["integration"]][2]
    equal = 0
    for frame, (reward, done, info) in enumerate(trace["steps"]):
        _, r, terminated, truncated, got = env.step(pad(frame))
        same = (r, terminated, got) == (reward, done, info)
        if exact:
            assert same, (frame, (r, terminated, got), (reward, done, info))
        equal += same
        if done:
            break
    assert equal >= 0.97 * (frame + 1)
    env.close()


def test_rom_of_another_revision_warns(shipped):
    rom = _rom("SuperMarioBros-Nes-v0")
    with pytest.warns(UserWarning, match="is not the ROM SuperMarioBros-Nes was made for"):
        env = integrations.make("SuperMarioBros-Nes", rom_path=rom)
    env.close()
