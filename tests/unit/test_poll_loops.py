"""Loops that poll PPUSTATUS ($2002) for sprite 0 hit or vblank, which the CPU runs in bulk
(cpu.c poll_rounds: the PPU runs ahead to the sprite 0 hit, the rounds before it are
counted), give exactly what running them round by round gives. Lockstep (the PPU synced every
CPU cycle) turns the bulk rounds off, so each frame is compared with it: CPU registers and
cycle count, RAM, picture and the whole save state.

The program waits for vblank with ``BIT $2002 / BPL``, then, like Super Mario Bros., waits for
sprite 0 hit to clear and to be set again, with ``LDA $2002 / AND #$40 / BNE|BEQ`` on even
frames (the BEQ's branch crossing a page) and ``BIT $2002 / BVS|BVC`` on odd ones, and turns
on greyscale right after the hit, so the picture shows where the loop ended.
Sprite 0 moves over 16 places, at the left edge, in the last pixels of a line (dots 250-256)
and over the height of the screen.
"""
import numpy as np

from nes_core import NES

from tests.ines import INIT, ines, prg_image, warm_up_and_palette, tile

XS = (0, 3, 7, 8, 9, 60, 121, 128, 200, 240, 244, 247, 250, 252, 100, 33)
YS = (10, 20, 0, 30, 220, 5, 50, 100, 150, 200, 229, 15, 40, 60, 80, 120)
FRAME, FRAMES_DONE = 0x10, 0x11

SOURCE = INIT + warm_up_and_palette("paltab") + """
        LDY #4
        LDA #1            ; tile 1 everywhere, attributes 1 too (palettes 0 and 1 alike)
nt:     STA $2007
        INX
        BNE nt
        DEY
        BNE nt
        LDA #$FF
oamc:   STA $0200,X
        INX
        BNE oamc
        LDA #2
        STA $0201
        LDA #0
        STA $0202
        STA $10
        STA $11
main:   LDX $10
        LDA ytab,X
        STA $0200
        LDA xtab,X
        STA $0203
vw3:    BIT $2002
        BPL vw3
        LDA #2
        STA $4014
        LDA #0
        STA $2005
        STA $2005
        STA $2000
        LDA #$1E
        STA $2001
        LDA $10
        AND #1
        BNE useb
        JMP polla
useb:   JMP pollb
after:  LDA #$1F            ; greyscale from here on
        STA $2001
        INC $11
        INC $10
        LDA $10
        AND #$0F
        STA $10
        JMP main
pollb:
clrb:   BIT $2002
        BVS clrb
hitb:   BIT $2002
        BVC hitb
        JMP after
xtab:   .byte {xs}
ytab:   .byte {ys}
paltab: .byte $0F, $16, $27, $18, $0F, $16, $12, $23, $0F, $05, $16, $27, $0F, $09, $1A, $2B
        .byte $0F, $14, $24, $34, $0F, $18, $28, $38, $0F, $11, $21, $31, $0F, $06, $16, $26
        .org $80F5
polla:
clra:   LDA $2002
        AND #$40
        BNE clra
hita:   LDA $2002
        AND #$40
        BEQ hita
        JMP after
""".format(xs=", ".join(map(str, XS)), ys=", ".join(map(str, YS)))


def poll_rom() -> bytes:
    prg, labels = prg_image(SOURCE, size=0x8000)
    # the BEQ of hita crosses a page: the round is 10 cycles
    assert labels["hita"] == 0x80FC and (labels["hita"] + 7) >> 8 != labels["hita"] >> 8
    solid = tile(["11111111"] * 8)
    # sprite 0: its first opaque pixel on its third row, fourth column
    shape = tile(["00000000", "00000000", "00011000", "00111100", "01111110", "11111111",
                  "11111111", "11111111"])
    chr_rom = bytes(16) + solid + shape + bytes(0x2000 - 48)
    return ines(prg, chr_rom, 0)


def test_poll_loops_in_bulk_equal_round_by_round():
    rom = poll_rom()
    bulk, lock = NES(rom), NES(rom)
    lock._set_lockstep(True)
    frames = 70
    for f in range(frames):
        bulk.step(1)
        lock.step(1)
        assert bulk.cpu_registers() == lock.cpu_registers(), f"frame {f}: CPU registers"
        assert bytes(bulk.ram) == bytes(lock.ram), f"frame {f}: RAM"
        assert np.array_equal(bulk.framebuffer, lock.framebuffer), f"frame {f}: picture"
    assert bulk.save_state() == lock.save_state()
    # every frame ended its loops on a hit: none was stuck waiting
    assert bulk.ram[FRAMES_DONE] >= frames - 4
    assert bulk.ram[FRAME] == bulk.ram[FRAMES_DONE] % 16


def test_poll_loop_ends_on_the_hit_line():
    """Greyscale, written right after the hit (40-70 dots later), starts on the line of the hit:
    sprite 0's third row (its fourth when that row's first opaque pixel would be x = 255, where
    no hit is). Seen in column 128 when the hit is at the left, else from column 0 of the
    next line."""
    nes = NES(poll_rom())
    for _ in range(5):
        nes.step(1)
    for f in range(32):
        nes.step(1)
        place = (int(nes.ram[FRAME]) - 1) % 16  # the place drawn this frame
        x, y = XS[place], YS[place]
        hit_line = y + 1 + (2 if x + 3 <= 254 else 3)
        column = nes.screen[:, 128 if x <= 16 else 0]  # the background, away from sprite 0
        first = next(r for r in range(1, 240) if not np.array_equal(column[r], column[0]))
        assert first == (hit_line if x <= 16 else hit_line + 1), (f, x, y, first)
