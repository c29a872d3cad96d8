"""FCEUX-state conversion against FCEUmm: stable-retro's Super Mario Bros. start states,
converted by ``nesenv.fceux_state.convert`` and stepped with the recorded input, give the CPU
RAM stable-retro's FCEUmm gave at every frame (traces from ``record_fceumm.py``)."""
import gzip
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from tests.parity.record_fceumm import INTEGRATION, pad

@pytest.fixture
def smb_rom():
    from games import SuperMarioBros
    from tests.env.conftest import rom_or_skip

    return rom_or_skip(SuperMarioBros)


TRACES = sorted((Path(__file__).resolve().parent / "traces" / "fceumm").glob("*.json"))


def _state_folder():
    spec = importlib.util.find_spec("stable_retro")
    if spec is None:
        pytest.skip("stable-retro is not installed (pip install -e '.[test]' installs it): "
                    "its integrations hold the FCEUmm states")
    return Path(spec.origin).parent / "data" / "stable" / INTEGRATION


def test_there_are_traces():
    assert len(TRACES) == 12


@pytest.mark.parametrize("trace_path", TRACES, ids=[t.stem for t in TRACES])
def test_converted_state_follows_fceumm(trace_path, smb_rom):
    from nes_core import NES
    from nesenv import fceux_state

    trace = json.loads(trace_path.read_text())
    state = (_state_folder() / f"{trace['state']}.state").read_bytes()
    nes = NES(smb_rom)
    nes.load_state(fceux_state.convert(state, smb_rom))
    equal = 0
    for frame, want in enumerate(trace["ram"]):
        nes.step(1, pad(frame))
        equal += hashlib.blake2b(bytes(nes.ram), digest_size=8).hexdigest() == want
    assert equal == trace["frames"] == len(trace["ram"])


def test_parse_refuses_bad_data(smb_rom):
    from nesenv import fceux_state

    with pytest.raises(fceux_state.FceuxStateError, match="no 'FCS' header"):
        fceux_state.parse(b"NESENVST" + bytes(40))
    with pytest.raises(fceux_state.FceuxStateError, match="truncated FCEUX state"):
        fceux_state.parse(b"FCS\xff" + (100).to_bytes(4, "little") + bytes(8) + bytes(10))
    with pytest.raises(fceux_state.FceuxStateError, match="bad gzip layer"):
        fceux_state.parse(gzip.compress(b"FCS\xff" + bytes(12))[:-6])
    # a chunk whose entry runs past it
    body = bytes([1]) + (12).to_bytes(4, "little") + b"RAM\0" + (0x800).to_bytes(4, "little") + bytes(4)
    blob = b"FCS\xff" + len(body).to_bytes(4, "little") + bytes(8) + body
    with pytest.raises(fceux_state.FceuxStateError, match="'RAM' runs past its chunk"):
        fceux_state.parse(blob)
    # parsed, but without the CPU chunk's RAM
    empty = b"FCS\xff" + bytes(12)
    with pytest.raises(fceux_state.FceuxStateError, match="no 'NTAR' in its ppu chunk"):
        fceux_state.convert(empty, smb_rom)


def test_unsupported_board_is_named(smb_rom):
    from nesenv import fceux_state

    with pytest.raises(fceux_state.FceuxStateError, match="mapper 5 is not supported"):
        fceux_state.convert(b"FCS\xff" + bytes(12), smb_rom, mapper=5)
