/* m028_action53.c - mapper 28, Action 53 (INL-ROM multicart mapper): a select port at
 * $5000-$5FFF (bits 7 and 0 pick one of four registers) and a data port at $8000-$FFFF.
 *   $00 CHR RAM 8 KiB bank (bits 0-1)        $01 inner PRG bank (16 KiB units, bits 0-3)
 *   $80 mode: bits 0-1 mirroring (one-screen 0/1, vertical, horizontal), bits 2-3 PRG layout
 *       (0-1 32 KiB, 2 = $8000 fixed, 3 = $C000 fixed), bits 4-5 game size (32-256 KiB)
 *   $81 outer PRG bank (32 KiB units)
 * In the one-screen modes, writes to $00/$01 also set the CIRAM page from bit 4.
 * https://www.nesdev.org/wiki/Action_53_mapper */
#include "board.h"

typedef struct {
    uint8_t select;
    uint8_t chr, inner, mode, outer;
} a53_t;
BOARD_STATE_FITS(a53_t);

/* 16 KiB bank seen at CPU A14 = a14: the outer bank with its low bits, as many as the game
 * size allows, replaced by the inner bank; in the UNROM-like layouts the fixed half is the
 * outer bank's own half. */
static int a53_bank16(const a53_t *m, int a14) {
    int outer = (m->outer << 1) | a14;
    int layout = (m->mode >> 2) & 3;
    int size = (m->mode >> 4) & 3;
    int cur;
    if (layout >= 2) {
        if ((layout & 1) == a14) return outer; /* fixed half */
        cur = m->inner;
    } else {
        cur = (m->inner << 1) | a14;
    }
    int mask = (2 << size) - 1; /* 1, 3, 7, 15 */
    return (outer & ~mask) | (cur & mask);
}

static void a53_update(nes_t *n) {
    a53_t *m = BOARD(a53_t, n);
    cart_map_prg16(n, 0, a53_bank16(m, 0));
    cart_map_prg16(n, 1, a53_bank16(m, 1));
    cart_map_chr8(n, m->chr & 3);
    static const int MIRROR[4] = {MIRROR_SINGLE0, MIRROR_SINGLE1, MIRROR_VERTICAL, MIRROR_HORIZONTAL};
    if (n->cart.mirroring != MIRROR_FOUR) cart_set_mirroring(n, MIRROR[m->mode & 3]);
}

static int a53_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    a53_t *m = BOARD(a53_t, n);
    /* power-on: the last 16 KiB at $C000 (the menu's reset vector is in the last bank) */
    m->outer = 0xFF;
    m->mode = 0x0C | (n->cart.mirroring == MIRROR_VERTICAL ? 2 : 3);
    a53_update(n);
    return 0;
}

static void a53_write(nes_t *n, uint16_t a, uint8_t v) {
    a53_t *m = BOARD(a53_t, n);
    if (a >= 0x5000 && a < 0x6000) {
        m->select = v & 0x81;
        return;
    }
    if (a < 0x8000) return;
    switch (m->select) {
    case 0x00: m->chr = v; break;
    case 0x01: m->inner = v & 0x0F; break;
    case 0x80: m->mode = v & 0x3F; break;
    case 0x81: m->outer = v; break;
    }
    if (m->select < 0x80 && !(m->mode & 2)) m->mode = (uint8_t)((m->mode & ~1) | ((v >> 4) & 1));
    a53_update(n);
}

const mapper_ops_t mapper_action53 = {28, "Action 53", {0x4000, 0x2000, 0}, a53_init, NULL, a53_write, NULL, NULL, NULL, NULL};
