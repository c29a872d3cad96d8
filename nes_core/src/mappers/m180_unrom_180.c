/* m180_unrom_180.c - mapper 180, UNROM wired with a 74HC08 (Crazy Climber): the first 16 KiB
 * of PRG is fixed at $8000 and a latch at $8000-$FFFF selects the 16 KiB bank at $C000.
 * https://www.nesdev.org/wiki/INES_Mapper_180. */
#include "board.h"

static int unrom180_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    cart_map_prg16(n, 0, 0);
    cart_map_prg16(n, 1, 0);
    cart_map_chr8(n, 0);
    return 0;
}

static void unrom180_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    n->cart.regs[0] = v;
    cart_map_prg16(n, 1, n->cart.regs[0]);
}

const mapper_ops_t mapper_unrom180 = {180, "UNROM-180 (74HC08)", {0x4000, 0x2000, 0}, unrom180_init, NULL, unrom180_write, NULL, NULL, NULL, NULL};
