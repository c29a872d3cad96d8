/* m001_mmc1.c - mapper 1, Nintendo MMC1 (SxROM boards): a 5-bit serial port at $8000-$FFFF
 * feeding four registers (control, CHR bank 0, CHR bank 1, PRG bank).
 * https://www.nesdev.org/wiki/MMC1, https://www.nesdev.org/wiki/SxROM
 *
 * Boards told apart by their memories (NES 2.0 sizes; iNES 1.0 images get 8 KiB of RAM):
 *   SUROM/SXROM  512 KiB PRG: bit 4 of the CHR bank register in use is PRG A18 (256 KiB half).
 *   SXROM        32 KiB RAM: bits 2-3 of that register select the 8 KiB RAM page.
 *   SOROM        8 KiB RAM + 8 KiB battery RAM: bit 3 selects the page (0 = battery-backed).
 *   SNROM        CHR RAM, <= 256 KiB PRG, 8 KiB RAM: bit 4 of the CHR register disables the RAM too
 *                (Holy Mapperel's MMC1 driver checks it, and checks that other boards do not).
 * "The CHR bank register in use" is the one the PPU's A12 selects; with rendering off and no
 * better knowledge this core takes CHR bank 0 in 8 KiB mode, else the one written last. */
#include "board.h"

typedef struct {
    uint32_t last_write;  /* CPU cycle of the last serial write (low 32 bits) */
    uint8_t shift, count; /* serial shift register and bits received */
    uint8_t control, chr0, chr1, prg;
    uint8_t last_chr;     /* 0 = $A000 written last, 1 = $C000 */
    uint8_t written;      /* a serial write has happened (last_write is meaningful) */
} mmc1_t;
BOARD_STATE_FITS(mmc1_t);

static void mmc1_update(nes_t *n) {
    cart_t *c = &n->cart;
    mmc1_t *m = BOARD(mmc1_t, n);
    static const int MIRROR[4] = {MIRROR_SINGLE0, MIRROR_SINGLE1, MIRROR_VERTICAL, MIRROR_HORIZONTAL};
    if (c->mirroring != MIRROR_FOUR) cart_set_mirroring(n, MIRROR[m->control & 3]);

    uint8_t extra = ((m->control & 0x10) && m->last_chr) ? m->chr1 : m->chr0;
    int outer = c->prg_size > 0x40000 ? (extra & 0x10) : 0; /* 16 KiB bank bit 4 = PRG A18 */
    int bank = m->prg & 0x0F;
    switch ((m->control >> 2) & 3) {
    case 0:
    case 1: cart_map_prg32(n, (outer | bank) >> 1); break;
    case 2: cart_map_prg16(n, 0, outer); cart_map_prg16(n, 1, outer | bank); break;
    case 3: cart_map_prg16(n, 0, outer | bank); cart_map_prg16(n, 1, outer | 0x0F); break;
    }
    if (m->control & 0x10) {
        cart_map_chr4(n, 0, m->chr0);
        cart_map_chr4(n, 1, m->chr1);
    } else {
        cart_map_chr8(n, m->chr0 >> 1);
    }

    /* $6000-$7FFF: MMC1B and later disable the RAM with PRG bank bit 4. */
    uint32_t total = board_ram_total(c);
    int enabled = !(m->prg & 0x10);
    if (c->chr_is_ram && c->prg_size <= 0x40000 && total <= 0x2000 && (extra & 0x10)) enabled = 0; /* SNROM */
    uint32_t page = 0;
    if (total > 0x4000) page = (extra >> 2) & 3;                                  /* SXROM */
    else if (c->prg_ram_size == 0x2000 && c->prg_nvram_size == 0x2000) page = ((extra >> 3) & 1) ? 0 : 1; /* SOROM */
    else if (total > 0x2000) page = (extra >> 2) & 1;
    board_map_wram(n, enabled, 1, page);
}

static int mmc1_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    mmc1_t *m = BOARD(mmc1_t, n);
    m->control = 0x0C; /* PRG mode 3 at power-on: the last bank is at $C000 (SEROM relies on it) */
    mmc1_update(n);
    return 0;
}

static void mmc1_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    mmc1_t *m = BOARD(mmc1_t, n);
    uint32_t now = (uint32_t)cpu_cycles(n);
    /* Writes on consecutive CPU cycles (the two writes of INC/ROR... on $8000-$FFFF): only the
     * first reaches the shift register (Bill & Ted's Excellent Adventure relies on it). */
    int ignored = m->written && (uint32_t)(now - m->last_write) < 2;
    m->last_write = now;
    m->written = 1;
    if (ignored) return;
    if (v & 0x80) { /* reset: empty the shift register, PRG mode 3 */
        m->shift = m->count = 0;
        m->control |= 0x0C;
        mmc1_update(n);
        return;
    }
    m->shift = (uint8_t)((m->shift >> 1) | ((v & 1) << 4));
    if (++m->count < 5) return;
    uint8_t r = m->shift;
    m->shift = m->count = 0;
    switch (a & 0x6000) {
    case 0x0000: m->control = r; break;
    case 0x2000: m->chr0 = r; m->last_chr = 0; break;
    case 0x4000: m->chr1 = r; m->last_chr = 1; break;
    case 0x6000: m->prg = r; break;
    }
    mmc1_update(n);
}

const mapper_ops_t mapper_mmc1 = {1, "MMC1/SxROM", {0x4000, 0x1000, 0}, mmc1_init, NULL, mmc1_write, NULL, NULL, NULL, NULL};
