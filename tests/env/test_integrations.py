"""stable-retro's NES integrations: every one that stable-retro 1.0.1 ships is read, its rules
compiled (or refused with the reason), and the Super Mario Bros. and Super Mario Bros. 3 ones
played from their FCEUmm states give stable-retro's reward, done and info at every step
(traces recorded by tests/parity/record_fceumm.py)."""
import gzip
import json
import warnings
from pathlib import Path

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
    lua = {n for n, why in refused.items() if "Lua scripts" in why}
    on_changes = {n for n, why in refused.items() if "done on the 'delta'" in why}
    assert lua | on_changes == set(refused), refused
    assert len(lua) == 22 and not on_changes  # the other 276 compile


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(integrations.IntegrationError, match="no data.json"):
        integrations.load(tmp_path)
    (tmp_path / "data.json").write_text(json.dumps({"info": {"x": {"address": 4000, "type": "|u1"}}}))
    with pytest.raises(integrations.IntegrationError, match="outside the 2 KiB CPU RAM"):
        integrations.load(tmp_path)
    (tmp_path / "data.json").write_text(json.dumps({"info": {"x": {"address": 4, "type": "|q1"}}}))
    with pytest.raises(integrations.IntegrationError, match="bad RAM type"):
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
