/* m206_namco108.c - mapper 206, Namco 108 / Tengen MIMIC-1 (DxROM boards): the MMC3's
 * predecessor. $8000 (even) selects one of eight registers, $8001 (odd) writes it: R0-R1 2 KiB
 * CHR banks at $0000/$0800, R2-R5 1 KiB CHR banks at $1000-$1C00, R6-R7 8 KiB PRG banks at
 * $8000/$A000; the last 16 KiB is fixed at $C000. No PRG/CHR mode bits, no mirroring control
 * (hardwired), no IRQ, no PRG RAM. https://www.nesdev.org/wiki/INES_Mapper_206 */
#include "board.h"

typedef struct {
    uint8_t select;
    uint8_t r[8];
} n108_t;
BOARD_STATE_FITS(n108_t);

static void n108_update(nes_t *n, n108_t *m) {
    cart_map_chr1(n, 0, (m->r[0] & 0x3E));
    cart_map_chr1(n, 1, (m->r[0] & 0x3E) | 1);
    cart_map_chr1(n, 2, (m->r[1] & 0x3E));
    cart_map_chr1(n, 3, (m->r[1] & 0x3E) | 1);
    for (int i = 0; i < 4; i++) cart_map_chr1(n, 4 + i, m->r[2 + i] & 0x3F);
    int last = board_last_prg8(&n->cart);
    cart_map_prg8(n, 0, m->r[6] & 0x0F);
    cart_map_prg8(n, 1, m->r[7] & 0x0F);
    cart_map_prg8(n, 2, last - 1);
    cart_map_prg8(n, 3, last);
}

static int n108_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    n108_t *m = BOARD(n108_t, n);
    static const uint8_t R[8] = {0, 2, 4, 5, 6, 7, 0, 1};
    memcpy(m->r, R, sizeof(R));
    n108_update(n, m);
    return 0;
}

static void n108_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000 || a >= 0xA000) return;
    n108_t *m = BOARD(n108_t, n);
    if (a & 1) {
        m->r[m->select & 7] = v;
        n108_update(n, m);
    } else {
        m->select = v & 7;
    }
}

const mapper_ops_t mapper_namco108 = {206, "Namco 108/DxROM", {0x2000, 0x0400, 0}, n108_init, NULL, n108_write, NULL, NULL, NULL, NULL};
