/* m011_color_dreams.c - mapper 11, Color Dreams: a latch at $8000-$FFFF, bits 0-1 select the
 * 32 KiB PRG bank and bits 4-7 the 8 KiB CHR bank; fixed mirroring.
 * https://www.nesdev.org/wiki/Color_Dreams */
#include "board.h"

static void cd_update(nes_t *n) {
    uint8_t v = n->cart.regs[0];
    cart_map_prg32(n, v & 0x03);
    cart_map_chr8(n, v >> 4);
}

static int cd_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    cd_update(n);
    return 0;
}

static void cd_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    n->cart.regs[0] = v;
    cd_update(n);
}

const mapper_ops_t mapper_color_dreams = {11, "Color Dreams", {0x4000, 0x2000, 0}, cd_init, NULL, cd_write, NULL, NULL, NULL, NULL};
