"""Expected results that differ from the corpus manifest.

XFAIL: ROMs not expected to pass: manifest path -> reason (empty today). A listed ROM that
passes shows as XPASS in pytest (strict=False) and in the report's XPASS line. ROMs the core
rejects with a RomError naming their mapper are xfailed automatically as "unsupported mapper N"
and need no entry here.
"""

XFAIL = {}

# Manifest entries run or judged otherwise than the manifest says: manifest path -> dict with
# "why" and, optionally, "expected" (fields of the entry's "expected" replaced) and "header"
# (byte offset -> value written over the ROM's header before it is loaded). runner applies them,
# so the report and the tests check the corrected entry (a real assertion, not an xfail).
MANIFEST_CORRECTIONS = {
    "holy-mapperel/M0_P32K_CR32K_V.nes": {
        "expected": {"screen_lines": ["32K PRG ROM", "PRG RAM MISSING", "8K CHR RAM OK"]},
        "why": "the manifest wants mapper line 000 with '32K CHR RAM OK'. Holy Mapperel drives "
               "NROM, CNROM and GNROM with one driver that switches CHR banks through $8000, and "
               "its correct_mapper_subset (src/loadchr.s) names a board with more than 8 KiB of "
               "reachable CHR 'CNROM' (003): the two lines cannot appear together. NROM has no "
               "CHR banking, so 8 KiB is what the board reaches; the same ROM with its header set "
               "to mapper 3 shows '003 CNROM' and '32K CHR RAM OK' "
               "(tests/conformance/test_manifest_corrections.py)",
    },
    "mmc3_test_2/rom_singles/6-MMC3_alt.nes": {
        # NES 2.0, submapper 4 (MMC3A), 8 KiB PRG RAM for the $6000 result protocol
        "header": {7: 0x08, 8: 0x40, 9: 0x00, 10: 0x07},
        "why": "tests the older MMC3 revision's IRQ (a reload to 0 after the counter reached 0 "
               "naturally sets no IRQ); 5-MMC3 tests the newer one and no chip passes both "
               "(corpus README). The image is iNES 1.0, which cannot name the revision: it runs "
               "as NES 2.0 submapper 4 (MMC3A), the header that selects that revision; "
               "tests/mappers/test_mmc3.py shows both ROMs under both revisions",
    },
}

# AccuracyCoin (tests/conformance/test_accuracycoin.py): the tests that still fail, by the name
# of their result label in AccuracyCoin.asm (without "result_"), with the error code they fail
# with (the result byte >> 2; the ROM's README explains each code) and why.
ACCURACYCOIN_FAIL = {
    "2002FlagClearTiming": (
        2, "the clear at pre-render dot 1 is seen as the read ends (test 1 passes), but the "
           "sprite 0 hit / overflow set dots are not seen as they would be at the read's end"),
    "StaleBGShiftRegisters": (
        3, "the background shift registers are not clocked in H-blank or forced blank and "
           "their stale bits are drawn when rendering resumes; not emulated"),
    "StaleSpriteShiftRegs": (
        3, "sprites are drawn from a line buffer built at dots 257-320, not from shift "
           "registers and X counters that forced blank can freeze"),
    "BGSerialIn": (
        2, "the background shift registers shift in 1s (high plane), visible when rendering is "
           "toggled to skip reloads; the core shifts in 0s (shifting in 1s alone, with or "
           "without clocking the shifters through forced blank, did not pass it)"),
}
