"""PPU registers as a program sees them ($2000-$2007, $4014), checked with exact values.

Facts used (nesdev wiki, "PPU registers", "PPU memory map", "PPU palettes", "PPU OAM"):
* PPUDATA reads below $3F00 return the internal read buffer, then refill it;
  palette reads return palette RAM at once and refill the buffer with the nametable byte
  "underneath" ($3Fxx -> $2Fxx).
* $3F10/$3F14/$3F18/$3F1C mirror $3F00/$3F04/$3F08/$3F0C; $3F20-$3FFF mirror $3F00-$3F1F;
  palette entries are 6 bits.
* Reading PPUSTATUS clears the vblank flag and the $2005/$2006 write toggle.
* PPUCTRL bit 2 selects a VRAM increment of 32.
* OAMDATA reads do not increment OAMADDR (outside rendering); byte 2 of each sprite reads
  back masked with $E3. OAM DMA copies 256 bytes starting at OAMADDR, wrapping, and leaves
  OAMADDR as it was.
* Horizontal mirroring: $2000=$2400, $2800=$2C00; vertical: $2000=$2800, $2400=$2C00;
  $3000-$3EFF mirrors $2000-$2EFF.
"""
import pytest

from tests.unit._helpers import booted, harness_rom, run_code

SET_ADDR = """
        LDA $2002
        LDA #>{a}
        STA $2006
        LDA #<{a}
        STA $2006
"""


def set_addr(addr):
    return SET_ADDR.format(a=f"${addr:04X}")


def write_vram(addr, values):
    return set_addr(addr) + "".join(f"LDA #${v:02X}\n STA $2007\n" for v in values)


@pytest.fixture
def nes():
    return booted()


def test_ppudata_read_goes_through_buffer(nes):
    run_code(nes, write_vram(0x2000, [0x11, 0x22, 0x33]) + write_vram(0x2105, [0x55]) + set_addr(0x2105) + """
        LDA $2007          ; buffer <- VRAM[$2105]
        """ + set_addr(0x2000) + """
        LDA $2007          ; returns the buffer: VRAM[$2105]
        STA $10
        LDA $2007
        STA $11
        LDA $2007
        STA $12
        LDA $2007
        STA $13
    """)
    assert [nes.peek(a) for a in range(0x10, 0x14)] == [0x55, 0x11, 0x22, 0x33]
    assert [nes.ppu_peek(a) for a in (0x2000, 0x2001, 0x2002, 0x2105)] == [0x11, 0x22, 0x33, 0x55]


def test_palette_read_is_immediate_and_fills_buffer_from_nametable_below(nes):
    run_code(nes, write_vram(0x2F00, [0x66]) + write_vram(0x3F00, [0x2C]) + set_addr(0x3F00) + """
        LDA $2007          ; palette: no buffering
        STA $10
        """ + set_addr(0x2000) + """
        LDA $2007          ; the buffer now holds VRAM[$2F00]
        STA $11
    """)
    assert nes.peek(0x10) == 0x2C
    assert nes.peek(0x11) == 0x66
    assert nes.ppu_peek(0x2F00) == 0x66


def test_palette_mirrors(nes):
    run_code(nes, write_vram(0x3F00, list(range(0x01, 0x21))) + write_vram(0x3F10, [0x2A]) + """
        """ + write_vram(0x3F04, [0x15]) + write_vram(0x3F18, [0x07]) + write_vram(0x3F1C, [0x3C])
        + write_vram(0x3FE5, [0x19]) + write_vram(0x3F03, [0xFF]) + set_addr(0x3F00) + """
        LDA $2007
        STA $10            ; $3F00 after the write to $3F10
        """ + set_addr(0x3F14) + """
        LDA $2007
        STA $11            ; $3F14 after the write to $3F04
    """)
    assert nes.peek(0x10) == 0x2A
    assert nes.peek(0x11) == 0x15
    pk = nes.ppu_peek
    assert (pk(0x3F00), pk(0x3F10)) == (0x2A, 0x2A)
    assert (pk(0x3F04), pk(0x3F14)) == (0x15, 0x15)
    assert (pk(0x3F08), pk(0x3F18)) == (0x07, 0x07)
    assert (pk(0x3F0C), pk(0x3F1C)) == (0x3C, 0x3C)
    # the other sprite-palette entries are their own bytes
    assert (pk(0x3F01), pk(0x3F11)) == (0x02, 0x12)
    assert (pk(0x3F0F), pk(0x3F1F)) == (0x10, 0x20)
    # $3F20-$3FFF mirror $3F00-$3F1F; $3FE5 is $3F05
    assert pk(0x3F05) == 0x19 and pk(0x3F25) == 0x19 and pk(0x3FE5) == 0x19
    assert pk(0x3F20) == 0x2A
    # palette RAM is 6 bits wide
    assert pk(0x3F03) == 0x3F


def test_ppustatus_read_clears_vblank_flag(nes):
    nes.step(1)  # the frame ends at the start of vblank
    run_code(nes, """
        NOP
        NOP
        LDA $2002
        STA $10
        LDA $2002
        STA $11
    """)
    assert nes.peek(0x10) & 0x80 == 0x80
    assert nes.peek(0x11) & 0x80 == 0x00


def test_vblank_flag_is_clear_outside_vblank(nes):
    # vblank lasts 20 scanlines (~2273 CPU cycles): wait ~3000 cycles, then read twice
    nes.step(1)
    run_code(nes, """
        LDA $2002          ; clear the flag
        LDX #0
wait:   NOP
        NOP
        DEX
        BNE wait           ; 256 * 7 cycles
wait2:  NOP
        NOP
        DEX
        BNE wait2
        LDA $2002
        STA $10
    """)
    assert nes.peek(0x10) & 0x80 == 0x00


def test_ppustatus_read_resets_write_toggle(nes):
    run_code(nes, write_vram(0x2123, [0x00]) + write_vram(0x2345, [0x00]) + """
        LDA #$21
        STA $2006          ; first write only
        LDA $2002          ; resets the toggle
        LDA #$23
        STA $2006
        LDA #$45
        STA $2006
        LDA #$77
        STA $2007
    """)
    assert nes.ppu_peek(0x2345) == 0x77
    assert nes.ppu_peek(0x2123) == 0x00


def test_ppuctrl_increment_32(nes):
    run_code(nes, """
        LDA #$04
        STA $2000
        """ + write_vram(0x2000, [0xA1, 0xA2, 0xA3]) + """
        LDA #$00
        STA $2000
        """ + write_vram(0x2001, [0xB1]))
    pk = nes.ppu_peek
    assert (pk(0x2000), pk(0x2020), pk(0x2040)) == (0xA1, 0xA2, 0xA3)
    assert pk(0x2001) == 0xB1


def test_ppuscroll_and_ppuaddr_share_the_toggle(nes):
    # A first $2005 write sets the shared toggle, so the next $2006 write is taken as the
    # second (low) byte: t = (t & $FF00) | value, v = t.
    run_code(nes, write_vram(0x2345, [0x00]) + write_vram(0x2311, [0x00]) + set_addr(0x2311) + """
        LDA $2002
        LDA #$00
        STA $2005          ; toggle -> 1, t = $2300 (coarse X cleared)
        LDA #$45
        STA $2006          ; second write: v = $2345
        LDA #$99
        STA $2007
    """)
    assert nes.ppu_peek(0x2345) == 0x99
    assert nes.ppu_peek(0x2311) == 0x00


@pytest.mark.parametrize("mirroring,pairs", [
    ("horizontal", [(0x2000, 0x2400), (0x2800, 0x2C00)]),
    ("vertical", [(0x2000, 0x2800), (0x2400, 0x2C00)]),
])
def test_nametable_mirroring(mirroring, pairs):
    nes = booted(harness_rom(mirroring=mirroring))
    run_code(nes, write_vram(0x2123, [0xA0]) + write_vram(0x2523, [0xA1])
             + write_vram(0x2923, [0xA2]) + write_vram(0x2D23, [0xA3]) + set_addr(0x3123) + """
        LDA $2007
        LDA $2007          ; $3123 mirrors $2123
        STA $10
    """)
    pk = nes.ppu_peek
    # the later write of each mirrored pair wins, on both addresses
    for a, b in pairs:
        later = max(a, b)
        expected = 0xA0 + (later - 0x2000) // 0x400
        assert (pk(a + 0x123), pk(b + 0x123)) == (expected, expected), hex(a)
    assert pk(0x3123) == pk(0x2123)
    assert pk(0x3D23) == pk(0x2D23)
    assert nes.peek(0x10) == pk(0x2123)


def test_oamdata_read_write(nes):
    run_code(nes, """
        LDA #$00
        STA $2003
        LDA #$AA
        STA $2004
        LDA #$BB
        STA $2004          ; writes increment OAMADDR
        LDA #$FF
        STA $2004
        LDA #$DD
        STA $2004
        LDA #$01
        STA $2003
        LDA $2004
        STA $10
        LDA $2004          ; reads do not increment
        STA $11
        LDA #$02
        STA $2003
        LDA $2004
        STA $12            ; attribute byte: bits 2-4 read as 0
        LDA #$03
        STA $2003
        LDA $2004
        STA $13
        LDA #$00
        STA $2003
        LDA $2004
        STA $14
    """)
    assert [nes.peek(a) for a in range(0x10, 0x15)] == [0xBB, 0xBB, 0xE3, 0xDD, 0xAA]


def test_oam_dma_copies_page_from_oamaddr_and_keeps_it(nes):
    for i in range(256):
        nes.poke(0x0200 + i, i ^ 0x5A)
    run_code(nes, """
        LDA #$10
        STA $2003
        LDA #$02
        STA $4014          ; page $02 -> OAM[$10..], wrapping
        LDA $2004          ; OAMADDR is still $10
        STA $10
        LDA #$0F
        STA $2003
        LDA $2004          ; OAM[$0F] = page[$FF]
        STA $11
        LDA #$16
        STA $2003
        LDA $2004          ; OAM[$16] = page[$06], an attribute byte
        STA $12
        LDA #$15
        STA $2003
        LDA $2004          ; OAM[$15] = page[$05]
        STA $13
    """)
    assert nes.peek(0x10) == 0x00 ^ 0x5A
    assert nes.peek(0x11) == 0xFF ^ 0x5A
    assert nes.peek(0x12) == (0x06 ^ 0x5A) & 0xE3
    assert nes.peek(0x13) == 0x05 ^ 0x5A


def test_frame_ends_at_start_of_vblank():
    nes = NES_with_position()
    for _ in range(3):
        nes.step(1)
        scanline, dot = nes.ppu_position()
        # scanline 241 dot 1 sets vblank; the step stops at the next instruction boundary
        # (an instruction takes at most 7 cycles = 21 dots, 8 with a page-crossing read)
        assert scanline == 241 and 1 <= dot <= 1 + 24, (scanline, dot)


def NES_with_position():
    nes = booted()
    if not hasattr(nes, "ppu_position"):
        pytest.skip("NES.ppu_position() not implemented (planned)")
    return nes


def test_frame_counter_counts_whole_frames():
    nes = booted(frames=0)
    assert nes.frame == 0
    assert nes.step(frames=3) is None
    assert nes.frame == 3
    nes.step()
    assert nes.frame == 4


def test_cpu_cycles_per_frame_average_29780_5():
    """NTSC: 341*262 - 0.5 dots per frame on average (odd frames skip a dot with rendering
    on); with rendering off every frame has 89342 dots = 29780.67 CPU cycles."""
    nes = booted()
    c0 = nes.cpu_registers()["cycles"]
    nes.step(30)
    c1 = nes.cpu_registers()["cycles"]
    # rendering is off in the harness ROM: 30 * 89342 / 3 = 893420 cycles, +-1 instruction
    assert abs((c1 - c0) - 893420) <= 7
