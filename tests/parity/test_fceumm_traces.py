"""FCEUX-state conversion against FCEUmm: the start states of stable-retro's Super Mario Bros.
and Super Mario Bros. 3 integrations, converted by ``nesenv.fceux_state.convert`` and stepped
with the recorded input, against the CPU RAM stable-retro's FCEUmm had at every frame (traces
from ``record_fceumm.py``).

Super Mario Bros. (NROM): RAM equal at every frame. Super Mario Bros. 3 (MMC3): the conversion is
cycle-approximate (FCEUmm's CPU position within the line is not carried over), so an interrupt
may arrive one instruction apart, which changes the return address it pushes: the stack page is
left out, and the rest of RAM is equal on 3,564 of 3,600 frames (measured), the others being
frames where the two cores' own timing differs.
"""
import gzip
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from tests.parity.record_fceumm import pad

TRACES = sorted((Path(__file__).resolve().parent / "traces" / "fceumm").glob("*/*.json.gz"))
# integration -> (SHA-1 of the ROM's PRG+CHR the traces were recorded on, where it comes from,
# whether RAM must be equal at every frame)
ROMS = {
    "SuperMarioBros-Nes-v0": ("0c4992fc08d2278697339d3b48066e7b5f943598",
                              "gym-super-mario-bros 7.4.0", True),
    "SuperMarioBros3-Nes-v0": ("a611b90b4833b20a364bf06ee3be3b9093ea4df9",
                               "gym-super-mario-bros 9.1.0", False),
}
MIN_EQUAL_OUTSIDE_STACK = 0.97  # per state, for the cycle-approximate boards (measured >= 0.976)


def _load(path: Path) -> dict:
    return json.loads(gzip.decompress(path.read_bytes()))


def _state_folder(integration: str) -> Path:
    spec = importlib.util.find_spec("stable_retro")
    if spec is None:
        pytest.skip("stable-retro is not installed (pip install -e '.[test]' installs it): "
                    "its integrations hold the FCEUmm states")
    return Path(spec.origin).parent / "data" / "stable" / integration


def _rom(integration: str) -> Path:
    from nesenv import roms

    sha1, source, _ = ROMS[integration]
    path = roms.imported_roms().get(sha1)
    if path is None:
        pytest.skip(f"the {source} ROM of {integration} is not imported ({roms.IMPORT_COMMAND})")
    return path


def test_there_are_traces():
    assert sorted({t.parent.name for t in TRACES}) == sorted(ROMS)
    assert len(TRACES) == 18


@pytest.mark.parametrize("trace_path", TRACES, ids=[f"{t.parent.name}/{t.name[:-8]}" for t in TRACES])
def test_converted_state_follows_fceumm(trace_path):
    from nes_core import NES
    from nesenv import fceux_state

    trace = _load(trace_path)
    integration = trace["integration"]
    rom = _rom(integration)
    state = (_state_folder(integration) / f"{trace['state']}.state").read_bytes()
    nes = NES(rom)
    nes.load_state(fceux_state.convert(state, rom))
    nes.step(1, 0)  # stable-retro's reset: one frame with no input
    equal = equal_outside_stack = 0
    for frame in range(trace["frames"]):
        nes.step(1, pad(frame))
        ram = bytes(nes.ram)
        equal += hashlib.blake2b(ram, digest_size=4).hexdigest() == trace["ram"][frame]
        equal_outside_stack += hashlib.blake2b(ram[:0x100] + ram[0x200:], digest_size=4) \
            .hexdigest() == trace["ram_outside_stack"][frame]
    if ROMS[integration][2]:
        assert equal == trace["frames"] == len(trace["ram"])
    else:
        assert equal_outside_stack >= MIN_EQUAL_OUTSIDE_STACK * trace["frames"], equal_outside_stack


@pytest.fixture
def smb_rom():
    return _rom("SuperMarioBros-Nes-v0")


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
    # parsed, but without the chunks the conversion needs
    with pytest.raises(fceux_state.FceuxStateError, match="no 'NTAR' in its ppu chunk"):
        fceux_state.convert(b"FCS\xff" + bytes(12), smb_rom)


def test_unsupported_board_is_named(smb_rom):
    from nesenv import fceux_state

    with pytest.raises(fceux_state.FceuxStateError, match="mapper 5 is not supported"):
        fceux_state.convert(b"FCS\xff" + bytes(12), smb_rom, mapper=5)
