/* m078_irem_74hc161.c - mapper 78, Irem/Jaleco boards with a 74HC161 latch at $8000-$FFFF:
 * bits 0-2 select the 16 KiB PRG bank at $8000 (the last 16 KiB is fixed at $C000), bits 4-7
 * the 8 KiB CHR bank, bit 3 the nametable layout:
 *   submapper 3 (Irem IF-12, Holy Diver): 0 = horizontal, 1 = vertical mirroring;
 *   otherwise (JF-16, Uchuusen: Cosmo Carrier): 0/1 = one-screen CIRAM page 0/1.
 * https://www.nesdev.org/wiki/INES_Mapper_078 */
#include "board.h"

static void m78_update(nes_t *n, int mirroring) {
    cart_t *c = &n->cart;
    uint8_t v = c->regs[0];
    cart_map_prg16(n, 0, v & 0x07);
    cart_map_chr8(n, v >> 4);
    if (!mirroring || c->mirroring == MIRROR_FOUR) return;
    if (c->nes2 && c->submapper == 3) cart_set_mirroring(n, (v & 0x08) ? MIRROR_VERTICAL : MIRROR_HORIZONTAL);
    else cart_set_mirroring(n, (v & 0x08) ? MIRROR_SINGLE1 : MIRROR_SINGLE0);
}

static int m78_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    cart_map_prg16(n, 1, board_last_prg16(&n->cart));
    m78_update(n, 0); /* the header's mirroring until the first write */
    return 0;
}

static void m78_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    n->cart.regs[0] = v;
    m78_update(n, 1);
}

const mapper_ops_t mapper_irem_78 = {78, "Irem/Jaleco 74HC161", {0x4000, 0x2000, 0}, m78_init, NULL, m78_write, NULL, NULL, NULL, NULL};
