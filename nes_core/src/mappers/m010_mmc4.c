/* m010_mmc4.c - mapper 10, Nintendo MMC4 (FxROM, Fire Emblem): MMC2's latch-switched CHR
 * banking (mmc2.h) with a 16 KiB PRG bank at $8000, the last 16 KiB fixed, and 8 KiB of PRG
 * RAM (battery-backed on FJROM/FKROM). https://www.nesdev.org/wiki/MMC4 */
#include "mmc2.h"

static int mmc4_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    mmc2_t *m = BOARD(mmc2_t, n);
    m->latch[0] = m->latch[1] = 1;
    cart_map_prg16(n, 0, 0);
    cart_map_prg16(n, 1, board_last_prg16(&n->cart));
    mmc2_update_chr(n, m);
    board_map_wram(n, 1, 1, 0);
    return 0;
}

static void mmc4_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0xA000) return;
    mmc2_t *m = BOARD(mmc2_t, n);
    if (a < 0xB000) {
        m->prg = v & 0x0F;
        cart_map_prg16(n, 0, m->prg);
    } else {
        mmc2_write_common(n, m, a, v);
    }
}

static void mmc4_ppu_addr(nes_t *n, uint16_t a) { mmc2_watch(n, a, 0); }

const mapper_ops_t mapper_mmc4 = {10, "MMC4/FxROM", {0x4000, 0x1000, 0}, mmc4_init, NULL, mmc4_write, NULL, mmc4_ppu_addr, NULL, NULL};
