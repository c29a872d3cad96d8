/* m000_nrom.c - mapper 0, NROM-128 (16 KiB PRG mirrored) and NROM-256 (32 KiB): no registers.
 * https://www.nesdev.org/wiki/NROM */
#include <stdio.h>

#include "../core.h"

static int nrom_init(nes_t *n, char *err, unsigned errlen) {
    (void)err; (void)errlen; /* 16 or 32 KiB of PRG ROM: checked by cart_load (sizes below) */
    cart_map_prg32(n, 0); /* a 16 KiB image wraps: $C000 mirrors $8000 */
    cart_map_chr8(n, 0);
    return 0;
}

const mapper_ops_t mapper_nrom = {0, "NROM", {0x4000, 0x2000, 0x8000}, nrom_init, NULL, NULL, NULL, NULL, NULL, NULL};
