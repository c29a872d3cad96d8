/* m066_gxrom.c - mapper 66, GxROM (GNROM, MHROM): a latch at $8000-$FFFF, bits 4-5 select the
 * 32 KiB PRG bank and bits 0-1 the 8 KiB CHR bank; fixed mirroring.
 * https://www.nesdev.org/wiki/GxROM */
#include "board.h"

static void gxrom_update(nes_t *n) {
    uint8_t v = n->cart.regs[0];
    cart_map_prg32(n, (v >> 4) & 0x03);
    cart_map_chr8(n, v & 0x03);
}

static int gxrom_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    gxrom_update(n);
    return 0;
}

static void gxrom_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    n->cart.regs[0] = v;
    gxrom_update(n);
}

const mapper_ops_t mapper_gxrom = {66, "GxROM", {0x4000, 0x2000, 0}, gxrom_init, NULL, gxrom_write, NULL, NULL, NULL, NULL};
