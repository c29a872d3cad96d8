/* m004_mmc3.c - mapper 4, Nintendo MMC3 (TxROM boards), and the MMC3 core that mapper 118
 * (TxSROM, m118_txsrom.c) reuses: eight bank registers behind a select port, PRG/CHR layout
 * modes, mirroring, PRG RAM enable/protect, and the scanline counter clocked by rises of PPU
 * A12. https://www.nesdev.org/wiki/MMC3, https://www.nesdev.org/wiki/TxROM
 *
 * IRQ counter: on a filtered A12 rise, if the counter is 0 or a reload is pending it is
 * reloaded from $C000, else decremented; then, if it is 0 and IRQs are enabled, /IRQ goes low.
 * That is the Sharp MMC3B/MMC3C ("new") behaviour, the default (mmc3_test_2/5-MMC3 passes).
 * The older behaviour (MMC3A and NEC chips: a counter reloaded to 0 from 0 raises no IRQ,
 * mmc3_test_2/6-MMC3_alt passes) is selected by NES 2.0 submapper 4.
 * A12 filter: the MMC3 sees a rise only after A12 stayed low across three falling edges of M2
 * (https://www.nesdev.org/wiki/MMC3#IRQ_Specifics). The PPU reports pattern fetches and
 * $2006/$2007 addresses (after the access), timed by the PPU's master clock.
 * PRG RAM ($A001): bit 7 enable, bit 6 write-protect, honoured for NES 2.0 images only: iNES 1.0
 * mapper 4 also carries MMC6 games (StarTropics) whose $A001 writes mean something else, so
 * there the RAM stays enabled, as in most emulators. MMC6 (submapper 1) itself is not emulated. */
#include "mmc3.h"

/* Falling edges of M2 (one per CPU cycle, 12 master clocks) A12 must stay low across before
 * a rise counts. With 8x16 sprites from both pattern tables A12 can stay low long enough
 * between two sprite fetches to clock the counter twice on a line, as on hardware. */
#define A12_FILTER 3

BOARD_STATE_FITS(mmc3_t);

static void mmc3_update_prg(nes_t *n, mmc3_t *m) {
    int last = board_last_prg8(&n->cart);
    if (m->select & 0x40) {
        cart_map_prg8(n, 0, last - 1);
        cart_map_prg8(n, 2, m->r[6]);
    } else {
        cart_map_prg8(n, 0, m->r[6]);
        cart_map_prg8(n, 2, last - 1);
    }
    cart_map_prg8(n, 1, m->r[7]);
    cart_map_prg8(n, 3, last);
}

static void mmc3_update_chr(nes_t *n, mmc3_t *m) {
    int x = (m->select & 0x80) ? 4 : 0; /* CHR A12 inversion: 2 KiB banks at $1000 */
    int mask = n->cart.mapper == 118 ? 0x7F : 0xFF; /* TxSROM: bit 7 drives CIRAM A10 instead */
    cart_map_chr1(n, 0 ^ x, (m->r[0] & 0xFE) & mask);
    cart_map_chr1(n, 1 ^ x, (m->r[0] | 0x01) & mask);
    cart_map_chr1(n, 2 ^ x, (m->r[1] & 0xFE) & mask);
    cart_map_chr1(n, 3 ^ x, (m->r[1] | 0x01) & mask);
    for (int i = 0; i < 4; i++) cart_map_chr1(n, (4 + i) ^ x, m->r[2 + i] & mask);
    if (n->cart.mapper == 118) {
        /* TxSROM: a nametable fetch ($2xxx, A12 = 0) goes through the CHR bank logic of
         * $0000-$0FFF, and the bank's bit 7 picks the CIRAM page; $A000 is not connected. */
        for (int i = 0; i < 4; i++) {
            uint8_t bank = x ? m->r[2 + i] : m->r[i >> 1];
            n->cart.nt_map[i] = (bank & 0x80) ? 0x400 : 0;
        }
    }
}

static void mmc3_update_wram(nes_t *n, mmc3_t *m) {
    if (!n->cart.nes2) board_map_wram(n, 1, 1, 0);
    else board_map_wram(n, m->ram_ctl & 0x80, !(m->ram_ctl & 0x40), 0);
}

static void mmc3_update_mirroring(nes_t *n, mmc3_t *m) {
    if (n->cart.mapper == 118 || n->cart.mirroring == MIRROR_FOUR) return;
    cart_set_mirroring(n, (m->mirror & 1) ? MIRROR_HORIZONTAL : MIRROR_VERTICAL);
}

int mmc3_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    mmc3_t *m = BOARD(mmc3_t, n);
    static const uint8_t R[8] = {0, 2, 4, 5, 6, 7, 0, 1};
    memcpy(m->r, R, sizeof(R));
    m->ram_ctl = 0x80; /* RAM enabled and writable until the game says otherwise */
    m->alt_irq = n->cart.nes2 && n->cart.submapper == 4;
    mmc3_update_prg(n, m);
    mmc3_update_chr(n, m);
    mmc3_update_wram(n, m);
    return 0;
}

void mmc3_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    mmc3_t *m = BOARD(mmc3_t, n);
    switch (a & 0xE001) {
    case 0x8000: /* bank select: register number, PRG mode (bit 6), CHR inversion (bit 7) */
        m->select = v;
        mmc3_update_prg(n, m);
        mmc3_update_chr(n, m);
        break;
    case 0x8001: /* bank data */
        m->r[m->select & 7] = v;
        if ((m->select & 7) >= 6) mmc3_update_prg(n, m);
        else mmc3_update_chr(n, m);
        break;
    case 0xA000:
        m->mirror = v;
        mmc3_update_mirroring(n, m);
        break;
    case 0xA001:
        m->ram_ctl = v;
        mmc3_update_wram(n, m);
        break;
    case 0xC000: m->latch = v; break;                  /* IRQ reload value */
    case 0xC001: m->counter = 0; m->reload = 1; break; /* reload at the next clock */
    case 0xE000: /* disable and acknowledge */
        m->enabled = 0;
        n->irq_lines &= (uint8_t)~NES_IRQ_MAPPER;
        break;
    case 0xE001: m->enabled = 1; break;
    }
}

static void mmc3_clock_counter(nes_t *n, mmc3_t *m) {
    uint8_t before = m->counter;
    if (m->counter == 0 || m->reload) m->counter = m->latch;
    else m->counter--;
    int fire = m->counter == 0 && m->enabled;
    if (m->alt_irq && before == 0 && !m->reload) fire = 0; /* old MMC3: no IRQ from 0 to 0 */
    m->reload = 0;
    if (fire) n->irq_lines |= NES_IRQ_MAPPER;
}

void mmc3_ppu_addr(nes_t *n, uint16_t a) {
    mmc3_t *m = BOARD(mmc3_t, n);
    const ppu_t *p = &n->ppu;
    uint64_t now = p->clock; /* master clocks */
    if (a & PPU_A12) {
        if (!m->a12_high) {
            m->a12_high = 1;
            uint32_t m2_falls = (uint32_t)(now / 12) - m->a12_low_since;
            if (m2_falls >= A12_FILTER) mmc3_clock_counter(n, m);
        }
        m->a12_last_high = (uint32_t)now;
    } else if (m->a12_high) {
        m->a12_high = 0;
        uint64_t fall = now;
        /* While rendering, only pattern fetches are reported, and the nametable fetches in
         * between keep A12 low: it fell when the last high fetch (2 dots) ended. */
        if (ppu_rendering(p) && (p->scanline < 240 || p->scanline == 261))
            fall = now - (uint32_t)((uint32_t)now - m->a12_last_high) + 8;
        m->a12_low_since = (uint32_t)(fall / 12);
    }
}

/* Rises until mmc3_clock_counter raises the IRQ, counted from the registers as they stand. */
static int mmc3_irq_rises(nes_t *n, int *a12) {
    const mmc3_t *m = BOARD(mmc3_t, n);
    *a12 = m->a12_high;
    if (!m->enabled || (n->irq_lines & NES_IRQ_MAPPER)) return 0;
    if (m->counter && !m->reload) return m->counter; /* counts down to 0 */
    /* the next rise reloads: from $C000 = 0 it fires at once (the old chip only after $C001) */
    if (m->latch == 0) return (!m->alt_irq || m->reload) ? 1 : 0;
    return m->latch + 1;
}

/* ---- IRQ prediction: the dot of the A12 rise that may raise the IRQ, so that the PPU, which
 * runs behind the CPU, catches up by then (the irq_clock hook). Until the CPU next writes a
 * PPU register or this board (each write asks again) the fetches' A12 is fixed by PPUCTRL,
 * except for 8x16 sprites, whose pattern table is bit 0 of the tile (ppu_sprite_a12: known on
 * the current line once evaluated, taken as either (2) before). A fetch where A12 may be 1
 * after one where it may have been 0 may be a rise; counting those finds the k-th rise no
 * later than it happens (the A12 filter may drop some: then the PPU just syncs early). ---- */

/* The pattern fetches of rendering line sl after dot `from`: counts *k down at each possible
 * rise and returns the dot where it reaches 0, or 0; *s is A12 as last fetched (2: either).
 * `cur`: sl is the line the PPU is on. */
static int a12_walk_line(const ppu_t *p, int sl, int from, int cur, int *k, int *s) {
    const int bg = (p->ctrl >> PPUCTRL_BG_TABLE_BIT) & 1;
    if (from < PPU_BG_LAST_FETCH_DOT) { /* background tiles: one pattern table, so one possible rise at most */
        if (bg && *s != 1 && --*k == 0)
            return from < PPU_BG_FETCH_DOT ? PPU_BG_FETCH_DOT : PPU_BG_FETCH_DOT + 8 * ((from - PPU_BG_FETCH_DOT) / 8 + 1);
        *s = bg;
    }
    for (int slot = from < PPU_SPRITE_FETCH_DOT ? 0 : (from - PPU_SPRITE_FETCH_DOT) / 8 + 1; slot < 8; slot++) {
        int a = ppu_sprite_a12(p, sl, slot, cur);
        if (a && *s != 1 && --*k == 0) return PPU_SPRITE_FETCH_DOT + 8 * slot;
        *s = a;
    }
    if (from < PPU_PREFETCH_DOT + 8) {
        if (bg && *s != 1 && --*k == 0) return from < PPU_PREFETCH_DOT ? PPU_PREFETCH_DOT : PPU_PREFETCH_DOT + 8;
        *s = bg;
    }
    return 0;
}

/* Master clock by which the PPU must have run for the CPU to see the IRQ in time, or
 * UINT64_MAX. Lines are walked from the PPU's position; whole visible lines entered with A12
 * at the background's value all hold the same number of possible rises, and are skipped in
 * one step. The odd-frame skip may make a dot past the frame wrap one sooner: count it so. */
uint64_t mmc3_irq_clock(nes_t *n) {
    const ppu_t *p = &n->ppu;
    int a12, k = mmc3_irq_rises(n, &a12);
    if (k <= 0 || !(p->rendering || (p->mask & PPUMASK_RENDERING))) return UINT64_MAX;
    const int bg = (p->ctrl >> PPUCTRL_BG_TABLE_BIT) & 1;
    int s = a12 != 0, sl = p->scanline, from = p->dot, cur = 1, k0 = k;
    int64_t ahead = -from; /* dots from the PPU's position to dot 0 of line sl */
    int frames = 0;        /* frame wraps passed */
    while (frames < 3) {
        if (sl < PPU_VISIBLE_LINES && !cur && s == bg) {
            int c = 1 << 20, t = bg;
            a12_walk_line(p, sl, 0, 0, &c, &t);
            c = (1 << 20) - c; /* possible rises per such line */
            int m = PPU_VISIBLE_LINES - sl;
            if (c && k <= c * m) m = (k - 1) / c;
            k -= c * m;
            ahead += PPU_DOTS_PER_LINE * (int64_t)m;
            sl += m;
            if (sl == PPU_VISIBLE_LINES) continue;
        }
        if (sl < PPU_VISIBLE_LINES || sl == PPU_PRERENDER_LINE) {
            int d = a12_walk_line(p, sl, from, cur, &k, &s);
            if (d) return p->clock + PPU_DOT_CLOCKS * (uint64_t)(ahead + d - frames);
        }
        ahead += PPU_DOTS_PER_LINE;
        from = 0;
        cur = 0;
        if (sl == PPU_PRERENDER_LINE) { sl = 0; frames++; }
        else if (sl >= PPU_VISIBLE_LINES) {
            ahead += PPU_DOTS_PER_LINE * (int64_t)(PPU_PRERENDER_LINE - 1 - sl);
            sl = PPU_PRERENDER_LINE;
        } else sl++;
    }
    /* not reached in three frames: none if they held no possible rise, else look again then */
    return k == k0 ? UINT64_MAX : p->clock + PPU_DOT_CLOCKS * (uint64_t)(ahead - frames);
}

const mapper_ops_t mapper_mmc3 = {4, "MMC3/TxROM", {0x2000, 0x0400, 0}, mmc3_init, NULL, mmc3_write, NULL, mmc3_ppu_addr, NULL, NULL,
                                  mmc3_irq_clock};
