"""Rendered frames: background tiles, fine X scroll, left-column clipping, a sprite, sprite 0 hit.

The ROM fills nametable 0 with one asymmetric tile, sets a palette and one sprite, and turns
rendering on. The expected frame is computed as palette indices; the test then checks the
RGB screen pixel for pixel (the RGB of each index is taken from the frame itself, so the
test does not depend on the palette's exact colours, only on which pixels share a colour).
Facts (nesdev wiki "PPU rendering", "PPU OAM", "PPU registers"): sprite Y is the scanline
before the sprite's top row; PPUMASK bits 1/2 show background/sprites in the left 8 pixels;
colour 0 of any palette shows the backdrop $3F00; sprite 0 hit is set where an opaque
sprite 0 pixel overlaps an opaque background pixel and stays set until the pre-render line.
"""
import numpy as np
import pytest

from nes_core import NES

from tests.ines import INIT, ines, prg_image, warm_up_and_palette, tile
from tests.unit._helpers import run_code

PATTERN = [[(c + r) % 4 for c in range(8)] for r in range(8)]  # asymmetric, all 4 colours
BG_PAL = [0x0F, 0x16, 0x2A, 0x30]  # backdrop black, red, green, white
SPR_COLOUR = 0x12                  # blue, sprite palette 0 colour 1
SPR_Y, SPR_X = 50, 100


def chr_rom():
    t0 = tile(["00000000"] * 8)
    t1 = tile(["".join(str(v) for v in row) for row in PATTERN])
    t2 = tile(["11111111"] * 8)
    data = t0 + t1 + t2
    return data + bytes(0x2000 - len(data))


def render_rom(scroll_x=0, mask=0x1E, sprite=True):
    src = INIT + f"""
{warm_up_and_palette('palette')}
        LDA #$01
        LDY #3
        LDX #0
fill:   STA $2007          ; 768 tiles
        INX
        BNE fill
        DEY
        BNE fill
        LDX #192
fill2:  STA $2007          ; + 192 = 960 tiles
        DEX
        BNE fill2
        LDA #0
        LDX #64
attr:   STA $2007          ; attribute table: palette 0 everywhere
        DEX
        BNE attr
        LDA #$FF
        LDX #0
oam:    STA $0200,X        ; all sprites off screen (Y = $FF)
        INX
        BNE oam
        LDA #{SPR_Y if sprite else 0xFF}
        STA $0200
        LDA #2
        STA $0201
        LDA #0
        STA $0202
        LDA #{SPR_X}
        STA $0203
        LDA #0
        STA $2003
        LDA #$02
        STA $4014
        LDA $2002
        LDA #{scroll_x}
        STA $2005
        LDA #0
        STA $2005
        STA $2000
        LDA #${mask:02X}
        STA $2001
idle:   JMP idle
palette:
        .byte {", ".join(f"${v:02X}" for v in BG_PAL)}
        .byte $0F, $0F, $0F, $0F, $0F, $0F, $0F, $0F, $0F, $0F, $0F, $0F
        .byte $0F, ${SPR_COLOUR:02X}, $0F, $0F, $0F, $0F, $0F, $0F
        .byte $0F, $0F, $0F, $0F, $0F, $0F, $0F, $0F
"""
    prg, _ = prg_image(src, 0x8000)
    return ines(prg, chr_rom(), mirroring="horizontal")


def expected_indices(scroll_x=0, mask=0x1E, sprite=True):
    img = np.empty((240, 256), dtype=np.int16)
    pat = np.array(PATTERN)
    xs = (np.arange(256) + scroll_x) % 8
    for y in range(240):
        img[y] = np.array(BG_PAL)[pat[y % 8][xs]]
    if not mask & 0x02:
        img[:, :8] = BG_PAL[0]
    if not mask & 0x08:
        img[:, :] = BG_PAL[0]
    if sprite and mask & 0x10:
        img[SPR_Y + 1:SPR_Y + 9, SPR_X:SPR_X + 8] = SPR_COLOUR
    return img


def check_frame(screen, idx):
    assert screen.shape == (240, 256, 3) and screen.dtype == np.uint8
    colours = {}
    for v in np.unique(idx):
        ys, xs = np.nonzero(idx == v)
        colours[int(v)] = tuple(int(c) for c in screen[ys[0], xs[0]])
    assert len(set(colours.values())) == len(colours), f"palette entries share an RGB: {colours}"
    expected = np.zeros((240, 256, 3), dtype=np.uint8)
    for v, rgb in colours.items():
        expected[idx == v] = rgb
    bad = np.argwhere(np.any(screen != expected, axis=2))
    assert bad.size == 0, (f"{len(bad)} pixels differ, first at (y, x) = {tuple(bad[0])}: "
                           f"got {tuple(screen[tuple(bad[0])])}, want {tuple(expected[tuple(bad[0])])}")


@pytest.mark.parametrize("scroll_x,mask,sprite", [
    (0, 0x1E, True),
    (3, 0x1E, True),
    (0, 0x18, True),    # left 8 pixels: neither background nor sprites
    (5, 0x0A, False),   # background only
])
def test_rendered_frame(scroll_x, mask, sprite):
    nes = NES(render_rom(scroll_x, mask, sprite))
    nes.step(5)
    check_frame(nes.screen, expected_indices(scroll_x, mask, sprite))


def test_palette_brightness_order():
    nes = NES(render_rom())
    nes.step(5)
    s = nes.screen.astype(int)
    # $0F black < $16 red < $30 white (sum of RGB), pixels of colour 0, 1, 3 at row 0
    black, red, white = (s[0, x].sum() for x in (0, 1, 3))
    assert black < red < white


def test_screen_is_a_snapshot_of_the_last_frame():
    nes = NES(render_rom())
    nes.step(5)
    first = nes.screen
    copy = first.copy()
    nes.step(1)
    np.testing.assert_array_equal(nes.screen, copy)  # static picture
    assert nes.screen.shape == (240, 256, 3)


@pytest.mark.parametrize("mask,hit", [(0x1E, True), (0x10, False)])
def test_sprite0_hit(mask, hit):
    nes = NES(render_rom(mask=mask))
    nes.step(5)
    run_code(nes, """
        LDA $2002
        STA $10
    """)
    assert bool(nes.peek(0x10) & 0x40) is hit


def test_black_0f_is_black():
    """$0F (and the other $xE/$xF entries) output the blanking level: black, (0, 0, 0) in
    every common NTSC palette (nesdev wiki "PPU palettes": "$0F ... black")."""
    nes = NES(render_rom())
    nes.step(5)
    assert nes.ppu_peek(0x3F00) == 0x0F
    assert tuple(int(c) for c in nes.screen[0, 0]) == (0, 0, 0)  # colour 0 = backdrop $0F


@pytest.mark.parametrize("rendering,cycles", [(True, (89342 * 300 - 150) // 3),
                                              (False, 89342 * 300 // 3)])
def test_odd_frames_skip_a_dot_only_when_rendering(rendering, cycles):
    """A frame is 341 x 262 dots; with rendering enabled the pre-render line of every odd
    frame is one dot shorter (nesdev wiki "PPU frame timing"), so 300 frames take 150 dots
    (50 CPU cycles) less than with rendering off."""
    nes = NES(render_rom(mask=0x1E if rendering else 0x00, sprite=False))
    nes.step(5)
    c0 = nes.cpu_registers()["cycles"]
    nes.step(300)
    assert abs(nes.cpu_registers()["cycles"] - c0 - cycles) <= 7


def test_render_gives_the_screen_in_a_new_or_given_array():
    from tests.unit.test_state import DEMO_ROM

    nes = NES(DEMO_ROM)
    nes.step(20, 0x80)
    a = nes.render()
    assert a.shape == (240, 256, 3) and a.dtype == np.uint8 and a.flags.writeable
    np.testing.assert_array_equal(a, nes.screen)
    assert not np.shares_memory(a, nes.screen)
    out = np.zeros((240, 256, 3), np.uint8)
    assert nes.render(out) is out
    np.testing.assert_array_equal(out, nes.screen)
    for bad in (np.zeros((240, 256, 3), np.int16), np.zeros((240, 256, 4), np.uint8),
                np.zeros((256, 240, 3), np.uint8).transpose(1, 0, 2), [0] * 10):
        with pytest.raises(ValueError):
            nes.render(bad)
