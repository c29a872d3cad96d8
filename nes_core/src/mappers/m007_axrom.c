/* m007_axrom.c - mapper 7, AxROM (ANROM, AN1ROM, AMROM, AOROM): a latch at $8000-$FFFF,
 * bits 0-3 select the 32 KiB PRG bank, bit 4 the CIRAM page shown in all four nametables
 * (one-screen mirroring); 8 KiB CHR RAM. https://www.nesdev.org/wiki/AxROM.
 * Power-on bank 0 (the latch is undefined; games keep a reset stub in every bank).
 * Bus conflicts (AMROM) per NES 2.0 submapper (board.h). */
#include "board.h"

static void axrom_update(nes_t *n) {
    uint8_t v = n->cart.regs[0];
    cart_map_prg32(n, v & 0x0F);
    if (n->cart.mirroring != MIRROR_FOUR) cart_set_mirroring(n, (v & 0x10) ? MIRROR_SINGLE1 : MIRROR_SINGLE0);
}

static int axrom_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    cart_map_chr8(n, 0);
    axrom_update(n);
    return 0;
}

static void axrom_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    n->cart.regs[0] = board_latch_value(n, a, v);
    axrom_update(n);
}

const mapper_ops_t mapper_axrom = {7, "AxROM", {0x4000, 0x2000, 0}, axrom_init, NULL, axrom_write, NULL, NULL, NULL, NULL};
