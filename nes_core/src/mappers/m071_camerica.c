/* m071_camerica.c - mapper 71, Camerica/Codemasters BF9093/BF9097: $C000-$FFFF selects the
 * 16 KiB PRG bank at $8000, the last 16 KiB is fixed at $C000; 8 KiB CHR RAM.
 * BF9097 (Fire Hawk, NES 2.0 submapper 1): $8000-$9FFF bit 4 selects the one-screen CIRAM page.
 * Unspecified images (submapper 0) take mirroring writes at $9000-$9FFF only, where Fire Hawk
 * writes and the BF9093 games do not. https://www.nesdev.org/wiki/INES_Mapper_071 */
#include "board.h"

static int camerica_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    cart_map_prg16(n, 0, 0);
    cart_map_prg16(n, 1, board_last_prg16(&n->cart));
    cart_map_chr8(n, 0);
    return 0;
}

static void camerica_write(nes_t *n, uint16_t a, uint8_t v) {
    cart_t *c = &n->cart;
    if (a >= 0xC000) {
        c->regs[0] = v & 0x0F;
        cart_map_prg16(n, 0, c->regs[0]);
    } else if (a >= 0x8000 && a < 0xA000) {
        int bf9097 = c->nes2 ? c->submapper == 1 : a >= 0x9000;
        if (bf9097 && c->mirroring != MIRROR_FOUR) cart_set_mirroring(n, (v & 0x10) ? MIRROR_SINGLE1 : MIRROR_SINGLE0);
    }
}

const mapper_ops_t mapper_camerica = {71, "Camerica/Codemasters", {0x4000, 0x2000, 0}, camerica_init, NULL, camerica_write, NULL, NULL, NULL, NULL};
