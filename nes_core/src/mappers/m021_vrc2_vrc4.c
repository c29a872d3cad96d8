/* m021_vrc2_vrc4.c - mappers 21, 22, 23 and 25: Konami VRC2 and VRC4, one chip family wired
 * to the CPU address bus in several ways. https://www.nesdev.org/wiki/VRC2_and_VRC4
 *
 * The chip's register-select inputs A0/A1 are wired to different CPU address lines per board:
 *   21: VRC4a (A1, A2; submapper 1), VRC4c (A6, A7; submapper 2)
 *   22: VRC2a (A1, A0)                       CHR bank numbers drop their low bit
 *   23: VRC4f (A0, A1; 1), VRC4e (A2, A3; 2), VRC2b (A0, A1; 3)
 *   25: VRC4b (A1, A0; 1), VRC4d (A3, A2; 2), VRC2c (A1, A0; 3)
 * Without a submapper both wirings of the number are decoded at once (games of each variant
 * write only their own lines), and the chip is taken as a VRC4 (a superset) except on 22.
 * Registers, with A0/A1 as the chip sees them:
 *   $8000-$8003  PRG bank at $8000 (or $C000 in swap mode); 5 bits (VRC2: 4)
 *   $9000-$9001  mirroring: vertical, horizontal, one-screen 0, one-screen 1 (VRC2: bit 0 only,
 *                at $9000-$9003)
 *   $9002        VRC4: bit 1 PRG swap mode ($C000 switchable, $8000 fixed to the second-last
 *                bank), bit 0 RAM enable at $6000 (honoured for NES 2.0 images only, as MMC3's
 *                $A001: iNES 1.0 images of these boards keep the RAM enabled)
 *   $A000-$A003  PRG bank at $A000
 *   $B000-$E003  CHR banks 0-7, two registers each: low 4 bits (A0 = 0), high bits (A0 = 1),
 *                A1 picks the bank of the pair; 9 bits on VRC4, 8 on VRC2
 *   $F000-$F003  VRC4 IRQ (vrc_irq.h): latch low 4 bits, latch high 4 bits, control, ack
 * VRC2 without RAM at $6000 answers $6000-$6FFF with a 1-bit latch (bit 0; the rest open bus),
 * which some games use as a protection check. */
#include "vrc_irq.h"

typedef struct {
    vrc_irq_t irq;
    uint16_t chr[8];
    uint8_t prg[2];
    uint8_t mirror, mode; /* $9000, $9002 */
    uint8_t bit6000;      /* VRC2's $6000 latch */
} vrc24_t;
BOARD_STATE_FITS(vrc24_t);

static int is_vrc2(const cart_t *c) {
    return c->mapper == 22 || ((c->mapper == 23 || c->mapper == 25) && c->nes2 && c->submapper == 3);
}

/* The chip's A0 | A1 << 1 for a CPU address, per the board's wiring. */
static int vrc24_reg(const cart_t *c, uint16_t a) {
    int sub = c->nes2 ? c->submapper : 0;
    int a0, a1;
    switch (c->mapper) {
    case 21:
        a0 = (sub != 2 && (a & 0x02)) || (sub != 1 && (a & 0x40));
        a1 = (sub != 2 && (a & 0x04)) || (sub != 1 && (a & 0x80));
        break;
    case 22:
        a0 = (a >> 1) & 1;
        a1 = a & 1;
        break;
    case 23:
        a0 = (sub != 2 && (a & 0x01)) || ((sub == 0 || sub == 2) && (a & 0x04));
        a1 = (sub != 2 && (a & 0x02)) || ((sub == 0 || sub == 2) && (a & 0x08));
        break;
    default: /* 25 */
        a0 = (sub != 2 && (a & 0x02)) || ((sub == 0 || sub == 2) && (a & 0x08));
        a1 = (sub != 2 && (a & 0x01)) || ((sub == 0 || sub == 2) && (a & 0x04));
        break;
    }
    return a0 | (a1 << 1);
}

static void vrc24_update(nes_t *n, vrc24_t *m) {
    cart_t *c = &n->cart;
    int vrc2 = is_vrc2(c);
    int last = board_last_prg8(c);
    uint8_t pmask = vrc2 ? 0x0F : 0x1F;
    int swap = !vrc2 && (m->mode & 2);
    cart_map_prg8(n, swap ? 2 : 0, m->prg[0] & pmask);
    cart_map_prg8(n, 1, m->prg[1] & pmask);
    cart_map_prg8(n, swap ? 0 : 2, last - 1);
    cart_map_prg8(n, 3, last);
    for (int i = 0; i < 8; i++) cart_map_chr1(n, i, c->mapper == 22 ? (m->chr[i] & 0xFF) >> 1 : m->chr[i]);
    if (c->mirroring != MIRROR_FOUR) {
        static const int MIRROR[4] = {MIRROR_VERTICAL, MIRROR_HORIZONTAL, MIRROR_SINGLE0, MIRROR_SINGLE1};
        cart_set_mirroring(n, MIRROR[m->mirror & (vrc2 ? 1 : 3)]);
    }
    board_map_wram(n, vrc2 || !c->nes2 || (m->mode & 1), 1, 0);
}

static int vrc24_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    vrc24_t *m = BOARD(vrc24_t, n);
    for (int i = 0; i < 8; i++) m->chr[i] = (uint16_t)(n->cart.mapper == 22 ? i << 1 : i);
    m->prg[1] = 1;
    m->irq.prescaler = VRC_PRESCALER;
    vrc24_update(n, m);
    return 0;
}

static void vrc24_write(nes_t *n, uint16_t a, uint8_t v) {
    vrc24_t *m = BOARD(vrc24_t, n);
    cart_t *c = &n->cart;
    if (a < 0x8000) {
        if (a >= 0x6000 && a < 0x7000) m->bit6000 = v & 1;
        return;
    }
    int vrc2 = is_vrc2(c);
    int r = vrc24_reg(c, a);
    switch (a & 0xF000) {
    case 0x8000: m->prg[0] = v; break;
    case 0x9000:
        if (vrc2 || r < 2) m->mirror = v;
        else if (r == 2) m->mode = v;
        break;
    case 0xA000: m->prg[1] = v; break;
    case 0xF000:
        if (vrc2) return;
        if (r == 0) m->irq.latch = (uint8_t)((m->irq.latch & 0xF0) | (v & 0x0F));
        else if (r == 1) m->irq.latch = (uint8_t)((m->irq.latch & 0x0F) | (v << 4));
        else if (r == 2) vrc_irq_control(n, &m->irq, v);
        else vrc_irq_ack(n, &m->irq);
        return;
    default: { /* $B000-$EFFF: CHR */
        int bank = (((a >> 12) - 0xB) << 1) | (r >> 1);
        uint16_t hi_mask = vrc2 ? 0x0F : 0x1F;
        if (r & 1) m->chr[bank] = (uint16_t)((m->chr[bank] & 0x0F) | ((v & hi_mask) << 4));
        else m->chr[bank] = (uint16_t)((m->chr[bank] & 0x1F0) | (v & 0x0F));
        break;
    }
    }
    vrc24_update(n, m);
}

static uint8_t vrc24_read_low(nes_t *n, uint16_t a, uint8_t open_bus) {
    if (a >= 0x6000 && a < 0x7000 && is_vrc2(&n->cart)) return (uint8_t)((open_bus & 0xFE) | BOARD(vrc24_t, n)->bit6000);
    return open_bus;
}

static void vrc4_clock(nes_t *n) { vrc_irq_clock(n, &BOARD(vrc24_t, n)->irq); }

static void vrc24_state(state_t *st, nes_t *n) {
    if (st->mode == ST_LOAD) vrc_irq_clamp(&BOARD(vrc24_t, n)->irq);
}

/* VRC2 boards (22) have no IRQ: no per-cycle hook. The others may hold a VRC4. */
#define VRC24_OPS(name, num, clock)                                                                        \
    const mapper_ops_t name = {num, "VRC2 and VRC4", {0x2000, 0x0400, 0}, vrc24_init, NULL, vrc24_write,        \
                               vrc24_read_low, NULL, clock, vrc24_state, NULL}
VRC24_OPS(mapper_vrc4_21, 21, vrc4_clock);
VRC24_OPS(mapper_vrc2_22, 22, NULL);
VRC24_OPS(mapper_vrc24_23, 23, vrc4_clock);
VRC24_OPS(mapper_vrc24_25, 25, vrc4_clock);
