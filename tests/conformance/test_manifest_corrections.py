"""The evidence behind expectations.MANIFEST_CORRECTIONS: the corpus ROM whose manifest
expectation no board can show, run as the board it names and as the board its wanted text
describes.
"""
import copy
import json

import pytest

from tests.conformance import runner
from tests.conformance.expectations import MANIFEST_CORRECTIONS

ROOT = runner.corpus_dir()
HOLY_NROM_32K = "holy-mapperel/M0_P32K_CR32K_V.nes"


def _raw_entry(path):
    with open(ROOT / "manifest.json", encoding="utf-8") as f:
        return next(e for e in json.load(f)["roms"] if e["path"] == path)


@pytest.fixture
def holy_entry():
    if ROOT is None:
        pytest.skip(runner.corpus_missing_reason())
    return _raw_entry(HOLY_NROM_32K)


def test_the_correction_is_applied(holy_entry):
    entry = next(e for e in runner.load_manifest(ROOT) if e["path"] == HOLY_NROM_32K)
    assert entry["expected"]["screen_lines"] == \
        MANIFEST_CORRECTIONS[HOLY_NROM_32K]["expected"]["screen_lines"]
    assert holy_entry["expected"]["screen_lines"][-1] == "32K CHR RAM OK"  # the manifest's own


def test_nrom_with_32k_chr_ram_reaches_8k(holy_entry):
    entry = next(e for e in runner.load_manifest(ROOT) if e["path"] == HOLY_NROM_32K)
    res = runner.run_entry(entry, ROOT)
    assert res.passed, res.message
    assert res.message.startswith("000 NROM | 32K PRG ROM | PRG RAM MISSING | 8K CHR RAM OK | "
                                  "DETAILED TEST RESULT: 0000"), res.message


def test_as_cnrom_the_rom_reports_32k_but_mapper_003(holy_entry, tmp_path):
    """With CHR banking through $8000 (CNROM, mapper 3) the ROM finds 32 KiB of CHR RAM and
    then calls the board 003 CNROM: "000" and "32K CHR RAM OK" never appear together."""
    rom = bytearray((ROOT / HOLY_NROM_32K).read_bytes())
    rom[6] = (rom[6] & 0x0F) | (3 << 4)  # mapper 3, same NES 2.0 sizes (32 KiB CHR RAM)
    (tmp_path / "holy-mapperel").mkdir()
    (tmp_path / HOLY_NROM_32K).write_bytes(bytes(rom))
    entry = copy.deepcopy(holy_entry)
    entry["expected"]["mapper_line_prefix"] = "003"
    res = runner.run_entry(entry, tmp_path)
    assert res.passed, res.message  # the manifest's screen lines, with mapper 003
    assert res.message.startswith("003 CNROM | 32K PRG ROM | PRG RAM MISSING | 32K CHR RAM OK | "
                                  "DETAILED TEST RESULT: 0000"), res.message


def test_mmc3_alt_runs_as_mmc3a():
    if ROOT is None:
        pytest.skip(runner.corpus_missing_reason())
    path = "mmc3_test_2/rom_singles/6-MMC3_alt.nes"
    entry = next(e for e in runner.load_manifest(ROOT) if e["path"] == path)
    assert entry["header_patch"] == {7: 0x08, 8: 0x40, 9: 0x00, 10: 0x07}
    assert runner.run_entry(entry, ROOT).passed
    unpatched = dict(entry)
    del unpatched["header_patch"]  # as iNES 1.0 it runs as the newer MMC3 and fails #2
    res = runner.run_entry(unpatched, ROOT)
    assert not res.passed and "IRQ shouldn't be set when reloading to 0" in res.message, res.message
