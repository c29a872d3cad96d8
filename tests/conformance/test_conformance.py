"""Conformance: every ROM of the shared test-ROM corpus, one test each.

The corpus is found through $NESENV_TEST_ROMS or ../shared/nes-test-roms (see runner.py);
without it every test here is skipped with that reason. ROMs in expectations.XFAIL are
xfail (non-strict: a pass shows as XPASS); ROMs whose mapper the core refuses are xfailed
as "unsupported mapper N". For a faster overview: python -m tests.conformance.report.
"""
import pytest

from tests.conformance import runner
from tests.conformance.expectations import XFAIL

ROOT = runner.corpus_dir()
ENTRIES = runner.load_manifest(ROOT) if ROOT else []


def _params():
    if not ENTRIES:
        return [pytest.param(None, id="corpus-missing",
                             marks=pytest.mark.skip(reason=runner.corpus_missing_reason()))]
    out = []
    for e in ENTRIES:
        marks = []
        if e["path"] in XFAIL:
            marks.append(pytest.mark.xfail(reason=XFAIL[e["path"]], strict=False))
        out.append(pytest.param(e, id=runner.rom_id(e), marks=marks))
    return out


@pytest.mark.parametrize("entry", _params())
def test_rom(entry):
    res = runner.run_entry(entry, ROOT)
    if res.status == runner.UNSUPPORTED:
        pytest.xfail(res.message)
    detail = f"[{res.status} after {res.frames} frames, {res.seconds:.1f} s] {res.message}"
    assert res.passed, detail
