/* m009_mmc2.c - mapper 9, Nintendo MMC2 (PxROM, Punch-Out!!): an 8 KiB PRG bank at $8000 and
 * the last three 8 KiB banks fixed; two 4 KiB CHR windows, each with two bank registers chosen
 * by a latch that the PPU flips by fetching tile $FD or $FE. https://www.nesdev.org/wiki/MMC2 */
#include "mmc2.h"

static int mmc2_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    mmc2_t *m = BOARD(mmc2_t, n);
    m->latch[0] = m->latch[1] = 1;
    int last = board_last_prg8(&n->cart);
    cart_map_prg8(n, 0, 0);
    cart_map_prg8(n, 1, last - 2);
    cart_map_prg8(n, 2, last - 1);
    cart_map_prg8(n, 3, last);
    mmc2_update_chr(n, m);
    return 0;
}

static void mmc2_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0xA000) return;
    mmc2_t *m = BOARD(mmc2_t, n);
    if (a < 0xB000) {
        m->prg = v & 0x0F;
        cart_map_prg8(n, 0, m->prg);
    } else {
        mmc2_write_common(n, m, a, v);
    }
}

static void mmc2_ppu_addr(nes_t *n, uint16_t a) { mmc2_watch(n, a, 1); }

const mapper_ops_t mapper_mmc2 = {9, "MMC2/PxROM", {0x2000, 0x1000, 0}, mmc2_init, NULL, mmc2_write, NULL, mmc2_ppu_addr, NULL, NULL};
