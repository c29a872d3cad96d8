/* ppu.h - the 2C02's register bits, loopy's v/t fields, OAM attribute bits and PPU address
 * map, named as the nesdev wiki names them (https://www.nesdev.org/wiki/PPU_registers,
 * https://www.nesdev.org/wiki/PPU_scrolling, https://www.nesdev.org/wiki/PPU_OAM,
 * https://www.nesdev.org/wiki/PPU_memory_map), and the fetch addresses derived from v:
 * one home for these facts, for ppu.c, tiles.c and the boards. */
#ifndef NES_PPU_H
#define NES_PPU_H
#include <stdint.h>

#include "core.h"

/* PPUCTRL ($2000) */
#define PPUCTRL_NAMETABLE   0x03 /* base nametable: t bits 10-11 */
#define PPUCTRL_INCREMENT   0x04 /* PPUDATA steps v by 32, else 1 */
#define PPUCTRL_SPRITE_TABLE_BIT 3 /* 8x8 sprites' pattern table at $1000 (A12 of their fetches) */
#define PPUCTRL_SPRITE_TABLE (1 << PPUCTRL_SPRITE_TABLE_BIT)
#define PPUCTRL_BG_TABLE_BIT 4     /* background pattern table at $1000 (A12 of its fetches) */
#define PPUCTRL_BG_TABLE    (1 << PPUCTRL_BG_TABLE_BIT)
#define PPUCTRL_SPRITE_SIZE 0x20 /* 8x16 sprites */
#define PPUCTRL_NMI         0x80 /* NMI at the start of vblank */

/* PPUMASK ($2001) */
#define PPUMASK_GREYSCALE   0x01
#define PPUMASK_BG_LEFT     0x02 /* background in the leftmost 8 pixels */
#define PPUMASK_SPRITES_LEFT 0x04 /* sprites in the leftmost 8 pixels */
#define PPUMASK_BG          0x08
#define PPUMASK_SPRITES     0x10
#define PPUMASK_RENDERING   (PPUMASK_BG | PPUMASK_SPRITES) /* either one: the PPU renders */
#define PPUMASK_EMPHASIS_SHIFT 5                           /* bits 5-7: red, green, blue */

/* PPUSTATUS ($2002): the three flags; bits 0-4 are the I/O latch (open bus) */
#define PPUSTATUS_OVERFLOW  0x20 /* sprite overflow */
#define PPUSTATUS_SPRITE0_HIT 0x40
#define PPUSTATUS_VBLANK    0x80
#define PPUSTATUS_FLAGS     (PPUSTATUS_VBLANK | PPUSTATUS_SPRITE0_HIT | PPUSTATUS_OVERFLOW)

/* loopy v and t (15 bits): yyy NN YYYYY XXXXX */
#define LOOPY_COARSE_X      0x001F
#define LOOPY_COARSE_Y      0x03E0
#define LOOPY_COARSE_Y_SHIFT 5
#define LOOPY_NAMETABLE_X   0x0400
#define LOOPY_NAMETABLE_Y   0x0800
#define LOOPY_NAMETABLE     (LOOPY_NAMETABLE_X | LOOPY_NAMETABLE_Y)
#define LOOPY_NAMETABLE_SHIFT 10
#define LOOPY_FINE_Y        0x7000
#define LOOPY_FINE_Y_SHIFT  12
#define LOOPY_MASK          0x7FFF
/* the bits dot 257 copies from t to v, and those dots 280-304 of the pre-render line copy */
#define LOOPY_HORIZONTAL    (LOOPY_NAMETABLE_X | LOOPY_COARSE_X)
#define LOOPY_VERTICAL      (LOOPY_FINE_Y | LOOPY_NAMETABLE_Y | LOOPY_COARSE_Y)

/* OAM byte 2, the sprite's attributes */
#define OAM_ATTR_PALETTE    0x03
#define OAM_ATTR_UNUSED     0x1C /* not stored: reads as 0 */
#define OAM_ATTR_PRIORITY   0x20 /* behind the background */
#define OAM_ATTR_FLIP_H     0x40
#define OAM_ATTR_FLIP_V     0x80

/* the PPU address space (14 bits) */
#define PPU_ADDR_MASK       0x3FFF
#define PPU_A12             0x1000 /* address line 12: pattern table 1 (boards watch it) */
#define PPU_NAMETABLES      0x2000 /* pattern tables below, nametables from here */
#define PPU_ATTRIBUTES      0x23C0 /* the attribute table of nametable 0 */
#define PPU_PALETTE         0x3F00
#define PALETTE_INDEX_MASK  0x1F   /* 32 entries, mirrored up to $3FFF */
#define PALETTE_COLOUR_MASK 0x3F   /* a palette entry holds a 6-bit colour */
#define PALETTE_GREY_MASK   0x30   /* greyscale keeps the luminance bits only */

/* Fetch addresses as functions of v (https://www.nesdev.org/wiki/PPU_scrolling) */
static inline uint16_t ppu_nt_addr(uint16_t v) {
    return (uint16_t)(PPU_NAMETABLES | (v & (LOOPY_NAMETABLE | LOOPY_COARSE_Y | LOOPY_COARSE_X)));
}
/* the attribute byte of the 32x32-pixel block: nametable, coarse Y / 4, coarse X / 4 */
static inline uint16_t ppu_at_addr(uint16_t v) {
    return (uint16_t)(PPU_ATTRIBUTES | (v & LOOPY_NAMETABLE) | ((v >> 4) & 0x38) | ((v >> 2) & 0x07));
}

/* ---- frame timing (https://www.nesdev.org/wiki/PPU_frame_timing) ---- */
#define PPU_VISIBLE_LINES   240
#define PPU_PRERENDER_LINE  261
#define PPU_DOTS_PER_LINE   341
#define PPU_DOT_CLOCKS      4   /* master clocks per dot */
#define SPRITE_EVAL_DOT     65  /* secondary OAM is filled for the next line from here on */

/* ---- the pattern fetches of a rendering line, for boards that predict their IRQ from PPU
 * A12 (MMC3). In order: background tiles at dots PPU_BG_FETCH_DOT + 8 i (i < 32), sprite
 * slots at PPU_SPRITE_FETCH_DOT + 8 i (i < 8), the next line's first two tiles at
 * PPU_PREFETCH_DOT and + 8; each high plane follows two dots later, with the same A12. The
 * background's A12 is PPUCTRL_BG_TABLE; a sprite's is ppu_sprite_a12. ---- */
#define PPU_BG_FETCH_DOT     5
#define PPU_BG_LAST_FETCH_DOT (PPU_BG_FETCH_DOT + 8 * 31)
#define PPU_SPRITE_FETCH_DOT 261
#define PPU_PREFETCH_DOT     325

/* The pre-render line does not evaluate sprites, but its fetches (dots 257-320) load the
 * sprites of secondary OAM as line 239 left it whose Y is in range of line 261 & 255 = 5: they
 * are drawn on line 0 (https://forums.nesdev.org/viewtopic.php?t=26291, AccuracyCoin's Sprites
 * On Scanline 0). */
#define PPU_PRERENDER_SPRITE_LINE (PPU_PRERENDER_LINE & 0xFF)

/* Whether the fetch of secondary OAM slot `slot` on rendering line sl loads a sprite (else
 * tile $FF, transparent): on a visible line the sprites evaluation copied, on the pre-render
 * line those in range of PPU_PRERENDER_SPRITE_LINE. */
/* Whether the PPU is rendering a line (visible or pre-render) with rendering enabled: its
 * bus and OAM are busy, so PPUDATA and OAMDATA accesses take their rendering-time paths. */
static inline int ppu_on_rendering_line(const ppu_t *p) {
    return p->rendering && (p->scanline < 240 || p->scanline == PPU_PRERENDER_LINE);
}

static inline int ppu_sprite_slot_used(const ppu_t *p, int sl, int slot) {
    if (sl != PPU_PRERENDER_LINE) return slot < p->sec_count;
    const unsigned h = (p->ctrl & PPUCTRL_SPRITE_SIZE) ? 16 : 8;
    return (unsigned)(PPU_PRERENDER_SPRITE_LINE - p->sec_oam[slot * 4]) < h;
}

/* A12 of sprite slot `slot`'s pattern fetch on rendering line sl: 0 or 1, or 2 when not known
 * yet. 8x8 sprites take PPUCTRL's table; 8x16 sprites bit 0 of the tile, known on the current
 * line (`cur`) once evaluated (SPRITE_EVAL_DOT), the pre-render line's when the PPU is on it;
 * empty slots fetch tile $FF. Valid until the CPU next writes a PPU register. */
static inline int ppu_sprite_a12(const ppu_t *p, int sl, int slot, int cur) {
    if (!(p->ctrl & PPUCTRL_SPRITE_SIZE)) return (p->ctrl >> PPUCTRL_SPRITE_TABLE_BIT) & 1;
    if (!cur || (sl != PPU_PRERENDER_LINE && p->dot < SPRITE_EVAL_DOT)) return 2;
    return ppu_sprite_slot_used(p, sl, slot) ? p->sec_oam[slot * 4 + 1] & 1 : 1;
}
#endif
