/* m069_fme7.c - mapper 69, Sunsoft FME-7 (JLROM, JSROM; the 5A/5B share the banking, the 5B's
 * expansion sound is not emulated): a command port at $8000-$9FFF and a parameter port at
 * $A000-$BFFF. https://www.nesdev.org/wiki/Sunsoft_FME-7
 *   0-7  1 KiB CHR banks           8  $6000: bits 0-5 bank, bit 6 RAM (1) / ROM (0), bit 7 RAM enable
 *   9-B  8 KiB PRG at $8000/$A000/$C000 ($E000 is the last bank)
 *   C    mirroring: vertical, horizontal, one-screen 0, one-screen 1
 *   D    IRQ control: bit 0 IRQ enable, bit 7 counter enable; any write acknowledges the IRQ
 *   E/F  counter low/high byte
 * The 16-bit counter decrements once per CPU cycle while enabled; wrapping from $0000 to $FFFF
 * raises /IRQ if IRQs are enabled. ROM at $6000 is served through cpu_read_low, which the bus
 * calls for $6000-$7FFF while no RAM is mapped there. */
#include "board.h"

typedef struct {
    uint16_t counter;
    uint8_t command;
    uint8_t chr[8];
    uint8_t prg[4];  /* command 8 ($6000 control) and 9-B */
    uint8_t mirror;
    uint8_t irq_ctl;
} fme7_t;
BOARD_STATE_FITS(fme7_t);

static void fme7_update_low(nes_t *n, fme7_t *m) {
    uint8_t v = m->prg[0];
    /* RAM selected: enabled by bit 7 (else open bus); ROM selected: served by cpu_read_low */
    if ((v & 0x40) && board_ram_total(&n->cart)) board_map_wram(n, v & 0x80, 1, v & 0x3F);
    else n->cart.wram_map = -1;
}

static void fme7_update(nes_t *n, fme7_t *m) {
    for (int i = 0; i < 8; i++) cart_map_chr1(n, i, m->chr[i]);
    for (int i = 0; i < 3; i++) cart_map_prg8(n, i, m->prg[1 + i] & 0x3F);
    cart_map_prg8(n, 3, board_last_prg8(&n->cart));
    fme7_update_low(n, m);
    static const int MIRROR[4] = {MIRROR_VERTICAL, MIRROR_HORIZONTAL, MIRROR_SINGLE0, MIRROR_SINGLE1};
    if (n->cart.mirroring != MIRROR_FOUR) cart_set_mirroring(n, MIRROR[m->mirror & 3]);
}

static int fme7_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    fme7_t *m = BOARD(fme7_t, n);
    for (int i = 0; i < 8; i++) m->chr[i] = (uint8_t)i;
    m->prg[1] = 0; m->prg[2] = 1; m->prg[3] = 2;
    m->mirror = n->cart.mirroring == MIRROR_HORIZONTAL ? 1 : 0;
    fme7_update(n, m);
    return 0;
}

static void fme7_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000 || a >= 0xC000) return;
    fme7_t *m = BOARD(fme7_t, n);
    if (a < 0xA000) {
        m->command = v & 0x0F;
        return;
    }
    uint8_t c = m->command;
    if (c < 8) {
        m->chr[c] = v;
        cart_map_chr1(n, c, v);
    } else if (c < 12) {
        m->prg[c - 8] = v;
        if (c == 8) fme7_update_low(n, m);
        else cart_map_prg8(n, c - 9, v & 0x3F);
    } else if (c == 12) {
        m->mirror = v & 3;
        fme7_update(n, m);
    } else if (c == 13) {
        m->irq_ctl = v;
        n->irq_lines &= (uint8_t)~NES_IRQ_MAPPER;
    } else if (c == 14) {
        m->counter = (uint16_t)((m->counter & 0xFF00) | v);
    } else {
        m->counter = (uint16_t)((m->counter & 0x00FF) | (v << 8));
    }
}

static uint8_t fme7_read_low(nes_t *n, uint16_t a, uint8_t open_bus) {
    fme7_t *m = BOARD(fme7_t, n);
    if (a < 0x6000 || (m->prg[0] & 0x40)) return open_bus; /* $4020-$5FFF, or RAM disabled */
    const cart_t *c = &n->cart;
    uint32_t off = ((uint32_t)(m->prg[0] & 0x3F) * 0x2000u) % c->prg_size;
    return c->prg[off + (a & 0x1FFF)];
}

static void fme7_clock(nes_t *n) {
    fme7_t *m = BOARD(fme7_t, n);
    if (!(m->irq_ctl & 0x80)) return;
    if (m->counter-- == 0 && (m->irq_ctl & 0x01)) n->irq_lines |= NES_IRQ_MAPPER;
}

const mapper_ops_t mapper_fme7 = {69, "FME-7/Sunsoft 5B", {0x2000, 0x0400, 0}, fme7_init, NULL, fme7_write, fme7_read_low, NULL, fme7_clock, NULL};
