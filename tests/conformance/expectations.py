"""ROMs not expected to pass: manifest path -> reason.

Shrink this table as the core improves; a listed ROM that passes shows as XPASS in pytest
(strict=False) and in the report's XPASS line. ROMs the core rejects with a RomError naming
their mapper are xfailed automatically as "unsupported mapper N" and need no entry here.
"""

XFAIL = {
    "mmc3_test_2/rom_singles/6-MMC3_alt.nes":
        "tests the older MMC3 revision (rev A IRQ behaviour: reload to 0 after the counter "
        "reached 0 must not set IRQ); a core emulating MMC3B/C passes 5-MMC3 instead, never "
        "both (corpus README)",
    "holy-mapperel/M0_P32K_CR32K_V.nes":
        "shows '8K CHR RAM OK', the manifest wants '32K CHR RAM OK' (NES 2.0 header: mapper 0 "
        "with 32 KiB CHR RAM). Holy Mapperel handles NROM with its GNROM/CNROM driver (its "
        "README: 'NROM and CNROM are detected as mapper 66') and sizes CHR RAM by switching "
        "banks through $8000; real NROM has no CHR banking, so only 8 KiB is reachable. The "
        "reference emulator (cynes) fails it too",
}
