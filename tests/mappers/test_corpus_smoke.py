"""Every ROM of the shared test corpus loads (or is refused with RomError), runs, saves and
restores its state, in one process: a board that scribbles outside its memories shows up
here as a crash of the whole run (the failure cynes has on CHR-RAM boards)."""
import pytest

from nes_core import NES, RomError

from tests.conformance.runner import corpus_dir, corpus_missing_reason, load_manifest

FRAMES = 20


@pytest.mark.skipif(corpus_dir() is None, reason=corpus_missing_reason())
def test_whole_corpus_in_one_process():
    root = corpus_dir()
    entries = load_manifest(root)
    assert entries
    ran = refused = 0
    for e in entries:
        data = (root / e["path"]).read_bytes()
        try:
            nes = NES(data)
        except RomError:
            refused += 1
            continue
        nes.step(FRAMES, buttons=0x08 if ran % 2 else 0)  # Start on every other ROM
        blob = nes.save_state()
        nes.step(2)
        nes.load_state(blob)
        nes.step(1)
        _ = nes.screen, nes.sram
        for a in range(0x6000, 0x10000, 0x3FF):
            nes.peek(a)
        for a in range(0, 0x4000, 0x1FF):
            nes.ppu_peek(a)
        ran += 1
    assert ran > 0.9 * len(entries), (ran, refused)
