/* mmc2.h - the latch-switched CHR banking shared by MMC2 (m009_mmc2.c) and MMC4 (m010_mmc4.c). */
#ifndef NES_MAPPERS_MMC2_H
#define NES_MAPPERS_MMC2_H
#include "board.h"

typedef struct {
    uint8_t prg;        /* $A000 */
    uint8_t chr[4];     /* $B000 $C000 $D000 $E000: (left, FD) (left, FE) (right, FD) (right, FE) */
    uint8_t mirror;     /* $F000 */
    uint8_t latch[2];   /* 0 = $FD, 1 = $FE, for $0000-$0FFF and $1000-$1FFF */
} mmc2_t;
BOARD_STATE_FITS(mmc2_t);

static inline void mmc2_update_chr(nes_t *n, mmc2_t *m) {
    cart_map_chr4(n, 0, m->chr[0 + (m->latch[0] & 1)]); /* masked: a loaded state is trusted no further */
    cart_map_chr4(n, 1, m->chr[2 + (m->latch[1] & 1)]);
}

/* $B000-$FFFF are common to both chips; $A000 (PRG) differs and is left to the caller. */
static inline void mmc2_write_common(nes_t *n, mmc2_t *m, uint16_t a, uint8_t v) {
    if (a >= 0xB000 && a < 0xF000) {
        m->chr[(a - 0xB000) >> 12] = v & 0x1F;
        mmc2_update_chr(n, m);
    } else if (a >= 0xF000) {
        m->mirror = v & 1;
        if (n->cart.mirroring != MIRROR_FOUR) cart_set_mirroring(n, m->mirror ? MIRROR_HORIZONTAL : MIRROR_VERTICAL);
    }
}

/* The latch flips after the PPU fetches a trigger address (the fetch itself still used the
 * old bank; the PPU calls ppu_addr after the read). `exact_left`: MMC2 triggers latch 0 only
 * on $0FD8/$0FE8, MMC4 (and both chips' latch 1) on the 8-byte ranges $xFD8-$xFDF/$xFE8-$xFEF. */
static inline void mmc2_watch(nes_t *n, uint16_t a, int exact_left) {
    mmc2_t *m = BOARD(mmc2_t, n);
    uint16_t t = a & 0x0FF8;
    if (t != 0x0FD8 && t != 0x0FE8) return;
    int side = (a >> 12) & 1;
    if (!side && exact_left && (a & 7)) return;
    uint8_t l = t == 0x0FE8;
    if (m->latch[side] != l) {
        m->latch[side] = l;
        mmc2_update_chr(n, m);
    }
}
#endif
