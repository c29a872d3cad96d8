/* tiles.c - what the last picture showed as tile and sprite indices (nes_tiles, nes.h): the
 * nametables and attribute tables seen through each line's recorded scroll, and OAM.
 * https://www.nesdev.org/wiki/PPU_nametables, .../PPU_attribute_tables, .../PPU_scrolling,
 * .../PPU_OAM */
#include "core.h"
#include "ppu.h"

/* Nametable byte at PPU address a ($2000-$2FFF), read as the background fetches read it. */
static inline uint8_t nt_byte(const nes_t *n, uint16_t a) {
    return n->vram[n->cart.nt_map[(a >> 10) & 3] + (a & 0x3FF)];
}

/* Whether the 8 x 8 pattern at PPU address a ($0000-$1FFF, 16 bytes) has an opaque pixel. */
static int pattern_opaque(const nes_t *n, uint16_t a) {
    uint8_t any = 0;
    for (int i = 0; i < 16; i++) {
        const uint16_t b = (uint16_t)((a + i) & 0x1FFF);
        any |= n->cart.chr[n->cart.chr_map[b >> 10] + (b & 0x3FF)];
    }
    return any != 0;
}

void nes_tiles(const nes_t *n, uint8_t *out) {
    const ppu_t *p = &n->ppu;
    enum { R = NES_TILES_ROWS, C = NES_TILES_COLS, K = NES_TILES_CHANNELS };
    memset(out, 0, (size_t)R * C * K);
    /* background: the tile under each cell's centre pixel (8c + 4, 8r + 4), through the scroll
     * its line started with */
    for (int r = 0; r < R; r++) {
        const int sl = 8 * r + 4;
        const uint16_t v = p->line_v[sl];
        const uint8_t lx = p->line_x[sl];
        if (!(lx & PPUMASK_BG)) continue; /* background off on this line */
        /* the line's first tile across both horizontal nametables (0-63): v is two tiles past
         * it at dot 1, after the prefetch of dots 321-336 */
        const int first = ((((v >> LOOPY_NAMETABLE_SHIFT) & 1) << 5 | (v & LOOPY_COARSE_X)) - 2) & 63;
        for (int c = 0; c < C; c++) {
            const int col = (first + (((lx & 7) + 8 * c + 4) >> 3)) & 63;
            const uint16_t tv = (uint16_t)((v & LOOPY_VERTICAL) | ((col & 32) << 5) | (col & LOOPY_COARSE_X));
            const uint16_t at = ppu_at_addr(tv);
            uint8_t *o = out + ((size_t)r * C + c) * K;
            o[0] = nt_byte(n, ppu_nt_addr(tv));
            o[1] = (uint8_t)((nt_byte(n, at) >> (((tv >> 4) & 4) | (tv & 2))) & 3);
        }
    }
    /* sprites: back to front (OAM index 63 to 0), so the sprite the PPU draws in front (the
     * lowest index) is the one kept; a sprite covers lines Y + 1 .. Y + height */
    const int height = (p->ctrl & PPUCTRL_SPRITE_SIZE) ? 16 : 8;
    for (int i = 63; i >= 0; i--) {
        const uint8_t *s = p->oam + 4 * i;
        const int top = s[0] + 1, x = s[3];
        if (top >= NES_HEIGHT) continue;
        for (int r = (top - 4 + 7) / 8; r < R; r++) {
            const int sl = 8 * r + 4;
            if (sl < top) continue;
            if (sl >= top + height) break;
            if (!(p->line_x[sl] & PPUMASK_SPRITES)) continue; /* sprites off on this line */
            int row = sl - top;
            if (s[2] & OAM_ATTR_FLIP_V) row = height - 1 - row;
            const uint8_t tile = height == 16 ? (uint8_t)((s[1] & 0xFE) | (row >= 8)) : s[1];
            const uint16_t table = height == 16 ? (uint16_t)((s[1] & 1) << 12) : (uint16_t)((p->ctrl & PPUCTRL_SPRITE_TABLE) << 9);
            if (!pattern_opaque(n, (uint16_t)(table | tile << 4))) continue; /* a blank tile */
            for (int c = (x + 3) / 8; c < C && 8 * c + 4 < x + 8; c++) {
                if (8 * c + 4 < x) continue;
                uint8_t *o = out + ((size_t)r * C + c) * K;
                o[2] = tile;
                o[3] = (uint8_t)((s[2] & OAM_ATTR_PALETTE) + 1);
            }
        }
    }
}
