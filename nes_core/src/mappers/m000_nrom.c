/* m000_nrom.c - mapper 0, NROM-128 (16 KiB PRG mirrored) and NROM-256 (32 KiB): no registers.
 * https://www.nesdev.org/wiki/NROM */
#include <stdio.h>

#include "../core.h"

static int nrom_init(nes_t *n, char *err, unsigned errlen) {
    cart_t *c = &n->cart;
    if (c->prg_size != 0x4000 && c->prg_size != 0x8000) {
        snprintf(err, errlen, "NROM takes 16 or 32 KiB of PRG ROM, the header gives %u KiB", c->prg_size / 1024);
        return -1;
    }
    cart_map_prg32(n, 0); /* a 16 KiB image wraps: $C000 mirrors $8000 */
    cart_map_chr8(n, 0);
    return 0;
}

const mapper_ops_t mapper_nrom = {0, "NROM", nrom_init, NULL, NULL, NULL, NULL, NULL, NULL};
