"""The tiles observation (nes_tiles) on a synthetic ROM with known nametables, attributes, scroll
and OAM: every cell is checked against the PPU's address arithmetic (nesdev wiki: PPU
nametables, PPU attribute tables, PPU scrolling, PPU OAM)."""
import numpy as np
import pytest

from nes_core import NES, ObsFormat
from tests.ines import INIT, program_rom

SCROLL_X = 12  # coarse X 1, fine X 4: a cell's centre pixel falls in nametable column c + 2
SPRITE0 = (99, 0x41, None, 60)  # OAM Y (top - 1), tile, attributes (per test), X
SPRITE1 = (150, 0x40, 0x00, 100)


def tiles_rom(ctrl: int, attr0: int) -> bytes:
    """Nametable 0: tile (r, c) = (32 r + c) mod 256, attribute bytes $E4 (quadrant q gets
    palette q); nametable 1 (vertical mirroring): $EE everywhere. OAM: two sprites, the rest
    hidden. CHR: every tile solid except tile $40 of the table at $0000 (blank)."""
    oam = [SPRITE0[0], SPRITE0[1], attr0, SPRITE0[3], *SPRITE1] + [0xFF] * 248
    oam_writes = "\n".join(f"LDA #${b:02X}\nSTA $2004" for b in oam)
    source = INIT + f"""
vw1:    BIT $2002
        BPL vw1
vw2:    BIT $2002
        BPL vw2
        LDA #$20
        STA $2006
        LDA #$00
        STA $2006
        LDY #4
outer:  LDX #0
inner:  STX $2007
        INX
        BNE inner
        DEY
        BNE outer
        LDA #$23
        STA $2006
        LDA #$C0
        STA $2006
        LDX #64
        LDA #$E4
attr:   STA $2007
        DEX
        BNE attr
        LDA #$24
        STA $2006
        LDA #$00
        STA $2006
        LDY #4
        LDA #$EE
outer1: LDX #0
inner1: STA $2007
        INX
        BNE inner1
        DEY
        BNE outer1
        LDA #0
        STA $2003
{oam_writes}
        LDA #{SCROLL_X}
        STA $2005
        LDA #0
        STA $2005
        LDA #${ctrl:02X}
        STA $2000
        LDA #$1E
        STA $2001
idle:   JMP idle
"""
    chr_ = bytearray(b"\x01" * 0x2000)  # colour 1 in every pixel of every tile
    chr_[0x40 * 16:0x41 * 16] = bytes(16)  # tile $40 of the table at $0000: blank
    return program_rom(source, chr=bytes(chr_), mirroring="vertical")


def observe(ctrl: int, attr0: int) -> np.ndarray:
    nes = NES(tiles_rom(ctrl, attr0))
    nes.step(5)
    return nes.observe(ObsFormat("tiles"))


def expected_background():
    tile = np.zeros((30, 32), np.uint8)
    pal = np.zeros((30, 32), np.uint8)
    for r in range(30):
        for c in range(32):
            col = c + 2
            if col < 32:  # nametable 0
                tile[r, c] = (32 * r + col) % 256
                pal[r, c] = ((r >> 1) & 1) * 2 + ((col >> 1) & 1)  # $E4: quadrant q -> q
            else:  # nametable 1, all $EE
                tile[r, c] = 0xEE
                pal[r, c] = (0xEE >> (((r >> 1) & 1) * 4 + (((col - 32) >> 1) & 1) * 2)) & 3
    return tile, pal


def test_background_through_the_scroll_and_attributes():
    obs = observe(0x00, 0x02)
    tile, pal = expected_background()
    assert np.array_equal(obs[:, :, 0], tile)
    assert np.array_equal(obs[:, :, 1], pal)


def test_8x8_sprites_cover_their_cells_and_blank_tiles_are_skipped():
    obs = observe(0x00, 0x02)
    # sprite 0: lines 100-107, x 60-67 -> the cell whose centre (64, 100) it covers: (12, 7)
    assert obs[12, 7, 2:].tolist() == [0x41, 3]  # palette 2 + 1
    # sprite 1 uses the blank tile $40: not shown
    assert np.argwhere(obs[:, :, 3]).tolist() == [[12, 7]]


def test_8x16_sprites_give_the_half_under_the_centre_with_flips():
    obs = observe(0x20, 0x82)  # 8 x 16 sprites; sprite 0 flipped vertically
    # sprite 0: tile $41 -> table $1000, top $40 and bottom $41; flipped, the top shows $41
    assert obs[12:14, 7, 2].tolist() == [0x41, 0x40]
    # sprite 1: tile $40 -> table $0000: its top ($40) is blank, its bottom ($41) shown
    assert obs[20, 12, 2:].tolist() == [0x41, 1]
    assert np.argwhere(obs[:, :, 3]).tolist() == [[12, 7], [13, 7], [20, 12]]


def test_rendering_off_gives_zeros():
    nes = NES(tiles_rom(0x00, 0x02))
    nes.step(1)  # the program has not enabled rendering yet
    assert not nes.observe(ObsFormat("tiles")).any()


@pytest.mark.parametrize("shape", [(30, 32), (240, 256)])
def test_tiles_take_no_shape(shape):
    with pytest.raises(ValueError, match="tiles"):
        ObsFormat("tiles", shape)
