/* m003_cnrom.c - mapper 3, CNROM: a latch at $8000-$FFFF selects the 8 KiB CHR bank; PRG is
 * 16 or 32 KiB fixed (NROM layout); fixed mirroring. https://www.nesdev.org/wiki/CNROM.
 * Bus conflicts per NES 2.0 submapper (board.h). The copy-protection variants (submappers 4-7,
 * CHR enabled by a key value) are not emulated: their banks switch like plain CNROM. */
#include "board.h"

static int cnrom_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    cart_map_prg32(n, 0);
    cart_map_chr8(n, 0);
    return 0;
}

static void cnrom_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    n->cart.regs[0] = board_latch_value(n, a, v);
    cart_map_chr8(n, n->cart.regs[0]);
}

const mapper_ops_t mapper_cnrom = {3, "CNROM", {0x4000, 0x2000, 0}, cnrom_init, NULL, cnrom_write, NULL, NULL, NULL, NULL};
