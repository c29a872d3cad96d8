/* m002_uxrom.c - mapper 2, UxROM (UNROM, UOROM): a latch at $8000-$FFFF selects the 16 KiB PRG
 * bank at $8000; the last bank is fixed at $C000; 8 KiB of CHR RAM (or ROM), fixed mirroring.
 * https://www.nesdev.org/wiki/UxROM. Bus conflicts per NES 2.0 submapper (board.h). */
#include "board.h"

static int uxrom_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    cart_map_prg16(n, 0, 0);
    cart_map_prg16(n, 1, board_last_prg16(&n->cart));
    cart_map_chr8(n, 0);
    return 0;
}

static void uxrom_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    n->cart.regs[0] = board_latch_value(n, a, v);
    cart_map_prg16(n, 0, n->cart.regs[0]); /* UNROM decodes 3 bits, UOROM 4: wrap to the ROM */
}

const mapper_ops_t mapper_uxrom = {2, "UxROM", {0x4000, 0x2000, 0}, uxrom_init, NULL, uxrom_write, NULL, NULL, NULL, NULL};
