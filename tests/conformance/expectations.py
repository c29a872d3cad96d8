"""ROMs not expected to pass yet: manifest path -> reason.

Shrink this table as the core improves; a listed ROM that passes shows as XPASS in pytest
(strict=False) and in the report's XPASS line. ROMs the core rejects with a RomError naming
their mapper are xfailed automatically as "unsupported mapper N" and need no entry here.

Two kinds of entries: ROMs outside the core issue (the APU suites belong to issue 4; one MMC3
revision can never pass), and ROMs of the core issue's done list that fail today, with
what they report, so the lead can fix them and delete the line.
"""

_APU = "APU (issue 4): length counters, frame counter, $4015/$4017 behaviour"

XFAIL = {
    # --- APU suites: issue 4 ---
    **{f"apu_test/rom_singles/{n}.nes": _APU for n in (
        "1-len_ctr", "2-len_table", "3-irq_flag", "4-jitter", "5-len_timing",
        "6-irq_flag_timing", "7-dmc_basics", "8-dmc_rates")},
    "apu_test/apu_test.nes": _APU,
    **{f"apu_reset/{n}.nes": _APU + " after RESET" for n in (
        "4017_timing", "4017_written", "len_ctrs_enabled", "works_immediately")},
    **{f"blargg_apu_2005.07.30/{n}.nes": _APU for n in (
        "01.len_ctr", "02.len_table", "03.irq_flag", "04.clock_jitter",
        "05.len_timing_mode0", "06.len_timing_mode1", "07.irq_flag_timing",
        "08.irq_timing", "09.reset_timing", "10.len_halt_timing", "11.len_reload_timing")},
    # --- permanent ---
    "mmc3_test_2/rom_singles/6-MMC3_alt.nes":
        "tests the older MMC3 revision (rev A IRQ behaviour); a core emulating MMC3B/C passes "
        "5-MMC3 instead, never both (corpus README)",
    # --- core issue, failing today (fix and delete) ---
    "instr_timing/rom_singles/1-instr_timing.nes":
        "fails #5 'Timing of APU length period ... is wrong': the test times the APU length "
        "counter ($4015) first, so it needs the APU length counter / frame sequencer",
    "instr_timing/rom_singles/2-branch_timing.nes":
        "fails #1 (all branch timings read 0): it measures with the APU length counter too",
    "cpu_interrupts_v2/rom_singles/1-cli_latency.nes":
        "fails #3 'APU should generate IRQ when $4017 = $00': needs the APU frame IRQ",
    "cpu_interrupts_v2/rom_singles/3-nmi_and_irq.nes":
        "fails: needs the APU frame IRQ (the IRQ column reads 00)",
    "cpu_interrupts_v2/rom_singles/4-irq_and_dma.nes":
        "fails: needs the APU frame IRQ timed against OAM DMA",
    "cpu_interrupts_v2/rom_singles/5-branch_delays_irq.nes":
        "times out in test_jmp: waits for an APU frame IRQ that never comes",
    "instr_misc/rom_singles/04-dummy_reads_apu.nes":
        "fails #2: dummy reads of $4015 must clear the APU frame IRQ flag (needs the APU)",
    "holy-mapperel/M0_P32K_CR32K_V.nes":
        "shows '8K CHR RAM OK', want '32K CHR RAM OK' (header: NES 2.0, 32 KiB CHR RAM on "
        "mapper 0). NROM has no CHR banking, so only 8 KiB is reachable unless the core "
        "banks it; the reference emulator (cynes) fails it too. Lead to decide",
}
