"""MMC5 (mapper 5): registers from https://www.nesdev.org/wiki/MMC5 (PRG/CHR modes, the A/B CHR
sets, PRG RAM protection, ExRAM modes, nametable mapping and fill mode, the multiplier, the
scanline IRQ, the vertical split, extended attributes, the pulse/PCM audio), and the three MMC5
test ROMs of the shared mappers-extra folder, judged from the picture and the nametables as
their manifest describes."""
import numpy as np
import pytest

from nes_core import NES
from tests.conformance.runner import corpus_dir, corpus_missing_reason
from tests.ines import ines
from tests.mappers._roms import IRQ_HANDLER, boot, cart, chr_banks, patterned_prg, prg_banks, writes
from tests.unit._helpers import load_code, run_code


def _read(nes, addr):
    run_code(nes, [f"LDA ${addr:04X}", "STA $20"])
    return nes.peek(0x20)


def test_prg_modes():
    nes = boot(cart(5, 128, 128))
    assert prg_banks(nes)[3] == 15                      # $5117 = $FF at power-on
    writes(nes, [(0x5100, 3), (0x5114, 0x81), (0x5115, 0x82), (0x5116, 0x83), (0x5117, 0x8F)])
    assert prg_banks(nes) == (1, 2, 3, 15)
    writes(nes, [(0x5100, 2), (0x5115, 0x84), (0x5116, 0x87)])
    assert prg_banks(nes) == (4, 5, 7, 15)
    writes(nes, [(0x5100, 1)])
    assert prg_banks(nes) == (4, 5, 14, 15)
    writes(nes, [(0x5100, 0), (0x5117, 0x8F)])
    assert prg_banks(nes) == (12, 13, 14, 15)


def test_chr_modes_and_the_last_written_set():
    nes = boot(cart(5, 128, 128))
    writes(nes, [(0x5101, 3)] + [(0x5120 + i, 10 + i) for i in range(8)])
    assert chr_banks(nes) == tuple(range(10, 18))      # set A written last
    writes(nes, [(0x5128 + i, 20 + i) for i in range(4)])
    assert chr_banks(nes) == (20, 21, 22, 23, 20, 21, 22, 23)
    writes(nes, [(0x5101, 0), (0x5127, 2)])
    assert chr_banks(nes) == tuple(range(16, 24))
    writes(nes, [(0x5101, 1), (0x5123, 1), (0x5127, 3)])
    assert chr_banks(nes) == (4, 5, 6, 7, 12, 13, 14, 15)
    writes(nes, [(0x5101, 2), (0x5121, 1), (0x5123, 2), (0x5125, 3), (0x5127, 4)])
    assert chr_banks(nes) == tuple(range(2, 10))
    writes(nes, [(0x5129, 5), (0x512B, 6)])           # set B in 2 KiB mode: both halves
    assert chr_banks(nes) == (10, 11, 12, 13, 10, 11, 12, 13)


def test_multiplier():
    nes = boot(cart(5, 128, 128))
    writes(nes, [(0x5205, 0xC3), (0x5206, 0x5A)])
    assert (_read(nes, 0x5205), _read(nes, 0x5206)) == (0x8E, 0x44)   # $C3 * $5A = $448E
    writes(nes, [(0x5205, 0xFF), (0x5206, 0xFF)])
    assert (_read(nes, 0x5205), _read(nes, 0x5206)) == (0x01, 0xFE)


def test_prg_ram_protect_and_banks():
    nes = boot(cart(5, 128, 128, nes2=True, prg_ram_shift=10))      # 64 KiB PRG RAM
    writes(nes, [(0x6000, 0x11)])
    assert nes.peek(0x6000) == 0                                      # protected at power-on
    writes(nes, [(0x5102, 2), (0x5103, 1), (0x6000, 0x11), (0x5113, 3), (0x6000, 0x33)])
    assert nes.peek(0x6000) == 0x33 and nes.sram[0] == 0x11 and nes.sram[3 * 0x2000] == 0x33
    writes(nes, [(0x5103, 2), (0x6000, 0x44)])                        # one value off: protected
    assert nes.peek(0x6000) == 0x33


def test_exram_modes_and_nametable_mapping():
    nes = boot(cart(5, 128, 128))
    writes(nes, [(0x5104, 2), (0x5C10, 0x77)])
    assert _read(nes, 0x5C10) == 0x77                 # mode 2: CPU RAM
    writes(nes, [(0x5104, 3), (0x5C10, 0x55)])
    assert _read(nes, 0x5C10) == 0x77                 # mode 3: read-only
    writes(nes, [(0x5104, 0)])
    assert _read(nes, 0x5C10) == 0x5C                 # modes 0/1: open bus (the address high byte)
    # $5105 = %11 10 01 00: CIRAM 0, CIRAM 1, ExRAM, fill; the ExRAM quadrant is ExRAM's bytes
    writes(nes, [(0x5105, 0xE4)])
    run_code(nes, ["LDA #$28", "STA $2006", "LDA #$05", "STA $2006", "LDA #$99", "STA $2007"])
    writes(nes, [(0x5104, 2)])
    assert _read(nes, 0x5C05) == 0x99


# A cartridge for picture tests: CHR of 32 KiB in 4 KiB banks, bank 1 all $00 (colour 0),
# the others all $FF (colour 3).
def _picture_cart():
    chr_rom = bytearray(b"\xff" * 0x8000)
    chr_rom[0x1000:0x2000] = bytes(0x1000)
    return ines(patterned_prg(0x20000), bytes(chr_rom), 5)


PALETTE = [0x0F, 0x00, 0x00, 0x16, 0x0F, 0x00, 0x00, 0x2A, 0x0F, 0x00, 0x00, 0x12, 0x0F, 0x00, 0x00, 0x30]


def _picture(setup, frames=2):
    """Power on, write the palette and the board registers `setup`, turn the background on
    (scroll 0, pattern table 0, CHR mode 1 with 4 KiB bank 0) and return the picture."""
    nes = boot(_picture_cart())
    src = ["LDA #$3F", "STA $2006", "LDA #$00", "STA $2006"]
    for c in PALETTE:
        src += [f"LDA #${c:02X}", "STA $2007"]
    src += ["LDA #$01", "STA $5101", "LDA #$00", "STA $5123", "STA $5127", "STA $5105"]
    for addr, v in setup:
        src += [f"LDA #${v:02X}", f"STA ${addr:04X}"]
    src += ["LDA #$00", "STA $2000", "STA $2005", "STA $2005", "LDA #$0A", "STA $2001"]
    run_code(nes, src)
    nes.step(frames)
    return nes, np.asarray(nes.framebuffer)


def test_background_and_fill_mode():
    _, fb = _picture([])
    assert (fb[8:232] == 0x16).all()                   # tile 0 of bank 0: colour 3, palette 0
    # fill mode everywhere with tile 0 and palette 2
    _, fb = _picture([(0x5105, 0xFF), (0x5106, 0x00), (0x5107, 0x02)])
    assert (fb[8:232] == 0x12).all()


def test_extended_attributes():
    # ExRAM mode 1: row 12, columns 0-7 palette 1 bank 0; 8-15 bank 1 (colour 0); 16-23
    # palette 3 bank 0; the rest of ExRAM 0 (palette 0, bank 0)
    setup = [(0x5104, 1)]
    setup += [(0x5C00 + 12 * 32 + c, 0x40) for c in range(8)]
    setup += [(0x5C00 + 12 * 32 + c, 0x01) for c in range(8, 16)]
    setup += [(0x5C00 + 12 * 32 + c, 0xC0) for c in range(16, 24)]
    _, fb = _picture(setup)
    row = fb[12 * 8 + 3]
    assert (row[0:64] == 0x2A).all() and (row[64:128] == 0x0F).all() and (row[128:192] == 0x30).all()
    assert (row[192:] == 0x16).all() and (fb[11 * 8 + 3] == 0x16).all()


def test_vertical_split():
    # split on the left 8 tiles, its CHR from 4 KiB bank 1 (colour 0): the left 64 pixels
    # show the backdrop, the rest the main background
    _, fb = _picture([(0x5200, 0x88), (0x5201, 0x00), (0x5202, 0x01)])
    assert (fb[8:232, 0:64] == 0x0F).all() and (fb[8:232, 64:] == 0x16).all()
    # on the right from tile 24; the split's attribute table (ExRAM $3C0) picks palette 1
    setup = [(0x5200, 0xD8), (0x5201, 0x00), (0x5202, 0x00)] + [(0x5FC0 + i, 0x55) for i in range(64)]
    _, fb = _picture(setup)
    assert (fb[8:232, 0:192] == 0x16).all() and (fb[8:232, 192:] == 0x2A).all()


def _irq_position(nes, compare):
    load_code(nes, ["PHA", "LDA $5204", "PLA", "RTI"], origin=IRQ_HANDLER)
    run_code(nes, ["LDA #$0A", "STA $2001", f"LDA #${compare:02X}", "STA $5203", "LDA #$80", "STA $5204"])
    nes.step(1)
    run_code(nes, ["LDA #$40", "STA $4017", "LDA $4015", "LDA $5204", "CLI"], p=0x24)  # acknowledge all
    for _ in range(40000):
        if nes.cpu_registers()["pc"] == IRQ_HANDLER:
            return nes.ppu_position()
        nes.step_instruction()
    return None


def test_scanline_irq_and_in_frame_flag():
    nes = boot(cart(5, 128, 128))
    line, dot = _irq_position(nes, 100)
    # raised at the start of line 100 (dot 339 of line 99), taken after the current
    # instruction and the 7-cycle interrupt sequence
    assert line == 100 and dot <= 45, (line, dot)
    assert _read(nes, 0x5204) == 0xC0                     # pending, in frame; the read acknowledges
    assert _read(nes, 0x5204) == 0x40
    assert _irq_position(boot(cart(5, 128, 128)), 0) is None   # 0 never fires
    nes = boot(cart(5, 128, 128))
    nes.step(1)
    assert _read(nes, 0x5204) & 0x40 == 0                 # rendering off: not in frame


def test_mmc5_audio_pulse_and_pcm():
    nes = NES(cart(5, 128, 128), audio=True)
    nes.poke(IRQ_HANDLER, 0x40)
    nes.poke(0x0310, 0x40)
    nes.step(2)
    writes(nes, [(0x5015, 0x01), (0x5000, 0xBF), (0x5002, 0xFD), (0x5003, 0x08)])  # ~440 Hz
    nes.step(3)
    s = np.asarray(nes.audio)
    spec = np.abs(np.fft.rfft(s - s.mean()))
    freqs = np.fft.rfftfreq(len(s), 1 / 44100)
    band = (freqs > 300) & (freqs < 600)
    assert abs(freqs[band][spec[band].argmax()] - 1789773 / (16 * 254)) < 30
    assert _read(nes, 0x5015) == 0x01                    # length counter running
    writes(nes, [(0x5015, 0x00)])
    assert _read(nes, 0x5015) == 0x00


def test_state_round_trip_mid_frame_with_irq():
    nes = boot(cart(5, 128, 128, nes2=True, prg_ram_shift=7))
    writes(nes, [(0x5104, 1), (0x5C00, 0x42), (0x5203, 50), (0x5204, 0x80), (0x5101, 3), (0x5127, 9),
                 (0x2001, 0x0A)])
    nes.step(1)
    for _ in range(3000):
        nes.step_instruction()
    blob = nes.save_state()
    nes.step(3)
    want = (nes.save_state(), bytes(nes.ram))
    nes.load_state(blob)
    nes.step(3)
    assert (nes.save_state(), bytes(nes.ram)) == want


# ---- the MMC5 test ROMs of mappers-extra ----
def _extra(path):
    root = corpus_dir()
    p = root / "mappers-extra" / path if root else None
    if p is None or not p.is_file():
        pytest.skip(f"mappers-extra test ROM {path} not found ({corpus_missing_reason() if root is None else p})")
    return p.read_bytes()


def _bits(chr_rom, off):
    lo = np.unpackbits(np.frombuffer(chr_rom[off:off + 8], np.uint8)).reshape(8, 8)
    hi = np.unpackbits(np.frombuffer(chr_rom[off + 8:off + 16], np.uint8)).reshape(8, 8)
    return (lo | hi).astype(bool)


def test_mmc5test_split_at_line_160_and_fill_mode():
    """mmc5test: the scanline IRQ ($5203 = $9F) splits the picture at line 160 every frame;
    above it the bordered nametable bobs, below it a fixed band; Right scrolls the top into
    the fill-mode nametable (tile $29 repeated)."""
    rom = _extra("mmc5test/mmc5test.nes")
    chr_rom = rom[16 + 0x4000:]
    nes = NES(rom)
    nes.step(60)
    splits, tops, bands = set(), set(), set()
    for _ in range(120):
        nes.step(1)
        fb = np.asarray(nes.framebuffer)
        backdrop = np.bincount(fb.ravel()).argmax()
        busy = (fb != backdrop).sum(axis=1)
        splits.add(next(y for y in range(100, 240) if busy[y] >= 200))   # first dashed row
        tops.add(int(np.argmax(busy[:100] >= 100)))                       # the top border's row
        bands.add(fb[160:].tobytes())
    assert splits == {160}
    assert len(tops) > 3           # the top part bobs
    assert len(bands) == 1         # the band below the split does not move
    nes.step(150, buttons=0x80)    # hold Right: the fill-mode nametable comes into view
    fb = np.asarray(nes.framebuffer)
    assert fb[160:].tobytes() in bands
    field = fb[16:144, 120:248]
    assert (field[8:] == field[:-8]).all() and (field[:, 8:] == field[:, :-8]).all()  # 8x8 periodic
    dots = _bits(chr_rom, 0x29 * 16)
    assert (field[:8, :8] != backdrop).sum() == dots.sum() > 0                       # tile $29


def _digits(fb, y, x0, count, chr_rom, tiles):
    """The CHR bank (0-15) whose digit glyph (tiles stacked) each cell at (y, x0 + 8 i) shows."""
    out = []
    for i in range(count):
        mask = fb[y:y + 8 * len(tiles), x0 + 8 * i:x0 + 8 * i + 8] != 0
        hits = [b for b in range(16)
                if (np.vstack([_bits(chr_rom, b * 0x400 + t * 16) for t in tiles]) == mask).all()]
        out.append(hits[0] if len(hits) == 1 else None)
    return out


def test_mmc5test_v2_chr_sets_exram_mode_and_data_reads():
    """mmc5test_v2 at power-on (8x16 sprites, bank order 0): OBJ shows banks 0-7 (set A), BG
    8-B (set B), DATA ($2007 reads, the set written last) 8 9 A B 8 9 A B. Select: ExRAM
    mode 1 (extended attributes, 4 KiB bank 3): BG C D E F. Right: bank order 1 writes $5127
    last, so DATA reads set A."""
    rom = _extra("mmc5test_v2/mmc5test.nes")
    chr_rom = rom[16 + 0x8000:]
    nes = NES(rom)
    nes.step(120)
    fb = np.asarray(nes.framebuffer)
    data_row = lambda: [nes.ppu_peek(0x2000 + 18 * 32 + 15 + i) for i in range(8)]  # noqa: E731
    assert _digits(fb, 112, 120, 8, chr_rom, (0x26, 0x27)) == list(range(8))   # OBJ
    assert _digits(fb, 128, 152, 4, chr_rom, (0x25,)) == [8, 9, 10, 11]       # BG
    assert data_row() == [8, 9, 10, 11, 8, 9, 10, 11]
    nes.step(4, buttons=0x04)      # Select
    nes.step(30)
    fb = np.asarray(nes.framebuffer)
    assert _digits(fb, 128, 152, 4, chr_rom, (0x25,)) == [12, 13, 14, 15]
    nes.step(4, buttons=0x04)      # back to mode 0
    nes.step(30)
    nes.step(4, buttons=0x80)      # Right: bank order 1
    nes.step(30)
    # order 1 writes $5128-$512B, then $5120-$5127, each with the write's index (SetBanks in
    # mmc5test.asm: register BankOrderData[y] gets y): set A holds 4-11, set B 0-3, and
    # $5127 comes last. (The manifest's "DATA 0 1 2 3 4 5 6 7" assumes set A keeps 0-7.)
    fb = np.asarray(nes.framebuffer)
    assert _digits(fb, 112, 120, 8, chr_rom, (0x26, 0x27)) == list(range(4, 12))
    assert _digits(fb, 128, 152, 4, chr_rom, (0x25,)) == [0, 1, 2, 3]
    assert data_row() == list(range(4, 12))


def test_exram_executable_code_draws_moving_bars():
    """Quietust's ExRAM test: the bar routine runs from ExRAM ($5C00-$5FFF, mode 2) every
    NMI; the bars (rows whose left pixel is not the backdrop) move from frame to frame."""
    rom = _extra("exram/mmc5exram.nes")
    nes = NES(rom)
    nes.step(60)
    title = "".join(chr(nes.ppu_peek(0x2020 + c)) for c in range(32)).strip()
    assert title == "MMC5 Executable ExRAM Test"
    bars = set()
    for _ in range(30):
        nes.step(1)
        col = np.asarray(nes.framebuffer)[:, 0]
        rows = tuple(np.flatnonzero(col != np.bincount(col).argmax()))
        assert 20 <= len(rows) <= 40
        bars.add(rows)
    assert len(bars) > 5
    in_exram = 0
    for _ in range(40000):    # about 1.5 frames of instructions
        in_exram += 0x5C00 <= nes.cpu_registers()["pc"] < 0x6000
        nes.step_instruction()
    assert in_exram > 1000
