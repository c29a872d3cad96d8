"""AccuracyCoin: 141 accuracy tests of the CPU, PPU, APU and their timing on one NROM cartridge.

Run as its NOTES.md says: power on, 60 frames, Start held 2 frames (the cursor is on the page
index, so Start runs every test), then frames until $37 (tests counted) reads 141 and $38
(tests passed) stops changing. Each test's result byte is at its ``result_*`` label in
AccuracyCoin.asm, parsed here from the source (bit 0 = pass, $FF = skipped, else the error code
is the byte >> 2). Every test not listed in expectations.ACCURACYCOIN_FAIL must pass, and every
listed one must still fail with its listed code, so an improvement updates the list.

The ROM and its source are read from ``AccuracyCoin/`` in the corpus folder
($NESENV_TEST_ROMS or ../shared/nes-test-roms); without them the tests skip.
"""
import os
import re
from pathlib import Path

import pytest

from tests.conformance import runner
from tests.conformance.expectations import ACCURACYCOIN_FAIL

TESTS_COUNTED = 0x37    # PostAllTestTally
TESTS_PASSED = 0x38     # PostAllPassTally
START = 0x08
MAX_FRAMES = 10_000
STABLE_FRAMES = 60


def _rom_dir() -> Path:
    env = os.environ.get(runner.ENV_VAR)
    return (Path(env) if env else runner.DEFAULT_CORPUS) / "AccuracyCoin"


ROM_DIR = _rom_dir()
ROM, ASM = ROM_DIR / "AccuracyCoin.nes", ROM_DIR / "AccuracyCoin.asm"
MISSING = None if ROM.is_file() and ASM.is_file() else (
    f"AccuracyCoin not found: {ROM_DIR} needs AccuracyCoin.nes and AccuracyCoin.asm "
    f"(set ${runner.ENV_VAR} to the test-ROM corpus folder)")


def _result_addresses():
    """{test name: result address}: the tests of the ROM's test table (not its DRAW pages)."""
    src = ASM.read_text(encoding="latin-1")
    labels = {m[1]: int(m[2], 16) for m in re.finditer(r"^(result_\w+)\s*=\s*\$([0-9A-Fa-f]+)", src, re.M)}
    table = re.findall(r'^\s*table\s+"[^"]*",\s*\$FF,\s*(result_\w+)', src, re.M)
    return {lab[len("result_"):]: labels[lab] for lab in table if lab != "result_DrawTest"}


ADDRESSES = {} if MISSING else _result_addresses()
PASSING = sorted(set(ADDRESSES) - set(ACCURACYCOIN_FAIL))


@pytest.fixture(scope="module")
def results():
    """(tests counted, tests passed, {test name: result byte}) after the run."""
    if MISSING:
        pytest.skip(MISSING)
    from nes_core import NES
    nes = NES(str(ROM))
    nes.step(frames=60)
    nes.step(frames=2, buttons=START)
    last, stable = None, 0
    for _ in range(MAX_FRAMES // 10):
        nes.step(frames=10)
        tally = (int(nes.ram[TESTS_COUNTED]), int(nes.ram[TESTS_PASSED]))
        stable = stable + 10 if tally == last and tally[0] == len(ADDRESSES) else 0
        last = tally
        if stable >= STABLE_FRAMES:
            break
    return last[0], last[1], {name: int(nes.peek(a)) for name, a in ADDRESSES.items()}


def test_table_parsed():
    if MISSING:
        pytest.skip(MISSING)
    assert len(ADDRESSES) == 141
    assert set(ACCURACYCOIN_FAIL) <= set(ADDRESSES)


def test_pass_count(results):
    counted, passed, _ = results
    assert counted == len(ADDRESSES)
    assert passed == len(PASSING), f"{passed} of {counted} pass; expected {len(PASSING)}"


@pytest.mark.parametrize("name", PASSING or [pytest.param(None, marks=pytest.mark.skip(reason=MISSING))])
def test_passes(results, name):
    byte = results[2][name]
    assert byte & 1, f"{name}: result ${byte:02X} (error code {byte >> 2:X})"


@pytest.mark.parametrize("name", sorted(ACCURACYCOIN_FAIL))
def test_still_fails_as_listed(results, name):
    byte = results[2][name]
    code, reason = ACCURACYCOIN_FAIL[name]
    assert not byte & 1, f"{name} passes now: remove it from ACCURACYCOIN_FAIL"
    assert byte >> 2 == code, f"{name}: error code {byte >> 2:X}, listed {code:X} ({reason})"
