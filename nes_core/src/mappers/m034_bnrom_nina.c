/* m034_bnrom_nina.c - mapper 34, two boards under one number:
 *   BNROM (Deadly Towers): a latch at $8000-$FFFF selects the 32 KiB PRG bank; 8 KiB CHR RAM.
 *   NINA-001 (Impossible Mission II): $7FFD selects the 32 KiB PRG bank, $7FFE and $7FFF the
 *   4 KiB CHR banks at $0000 and $1000; 8 KiB PRG RAM underneath the registers.
 * NES 2.0 submapper 1 is NINA-001, 2 is BNROM; otherwise CHR ROM larger than 8 KiB means
 * NINA-001 (the nesdev recommendation). https://www.nesdev.org/wiki/INES_Mapper_034 */
#include "board.h"

static int is_nina(const cart_t *c) {
    if (c->nes2 && c->submapper == 1) return 1;
    if (c->nes2 && c->submapper == 2) return 0;
    return !c->chr_is_ram && c->chr_size > 0x2000;
}

static int m34_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    cart_map_prg32(n, 0);
    cart_map_chr8(n, 0);
    return 0;
}

static void m34_write(nes_t *n, uint16_t a, uint8_t v) {
    cart_t *c = &n->cart;
    if (is_nina(c)) {
        /* the RAM write already happened (console.c); the registers just listen */
        if (a == 0x7FFD) cart_map_prg32(n, v & 1);
        else if (a == 0x7FFE) cart_map_chr4(n, 0, v & 0x0F);
        else if (a == 0x7FFF) cart_map_chr4(n, 1, v & 0x0F);
    } else if (a >= 0x8000) {
        c->regs[0] = board_latch_value(n, a, v);
        cart_map_prg32(n, c->regs[0]);
    }
}

const mapper_ops_t mapper_bnrom_nina = {34, "BNROM/NINA-001", {0x4000, 0x1000, 0}, m34_init, NULL, m34_write, NULL, NULL, NULL, NULL};
