/* nespy.c - NES_TIMING_NESPY (and NES_TIMING_NESPY9, below): the CPU, PPU and bus timing of
 * nes-py 8.2.1's emulator (the SimpleNES-derived core under gym-super-mario-bros), for
 * step-exact parity with it. Not the
 * console: nes-py runs an instruction whole on its first cycle after 3 PPU dots (all its
 * accesses see the PPU there), then idles for the instruction's cycle count from its own table
 * (+1 for a page cross on indexed reads and on every abs,X read-modify-write, +2 for a taken
 * branch that crosses a page); an NMI is taken at once, in the middle of the PPU dot that sets
 * vblank (a 7-cycle wait added to the current one); OAM DMA copies the page at once and adds
 * 513 or 514 cycles; there is no APU and no IRQ source. Its PPU draws a pixel per dot straight
 * from loopy v (no fetch pipeline), evaluates the next line's sprites at the end of a line
 * (starting at OAMADDR / 4) and so draws on line 0 the sprites found for line 240, reports
 * only the vblank and sprite 0 flags in PPUSTATUS and gives no NMI when PPUCTRL enables it
 * during vblank. The APU runs for the sound only (the game cannot see it, as in nes-py). Its status byte keeps the flags in reversed bit order (N in bit 0 ... C in
 * bit 7), which is what PHP and interrupts push. Facts from nes-py's source, code our own.
 * The accurate core (cpu.c, ppu.c) does not run in this mode; its PPU clock is kept caught up
 * so that the shared paths (save states, ppu_sync) are no-ops for it.
 *
 * NES_TIMING_NESPY9 is nes-py 9.0.1 (under gym-super-mario-bros 9.1.0): the same CPU and PPU
 * timing, with what 9.0.1 changed. Its status byte is in the 6502's order (PHP pushes B and
 * bit 5 set, interrupts bit 5 only, BRK B too); it runs the unofficial DCP abs,X ($DF, 7
 * cycles); its picture bus masks addresses to 14 bits, mirrors $3000-$3EFF onto the
 * nametables and $3F10/$14/$18/$1C onto $3F00/$04/$08/$0C, and a $2007 read buffers by the
 * address before the increment. Its background caches the current tile's four fetches until
 * v, the pattern table or a PPU write changes it (not a CHR bank switch). Its MMC3 (mapper 4)
 * watches A12 on the addresses its picture bus is asked for: background tile fetches
 * (nametable, two pattern bytes, attribute), $2007 accesses, and at dot 260 of each visible
 * line with sprites shown two reads of tile $FF's pattern (sprite patterns themselves are
 * read around it, unseen). A rise after 8 addresses with A12 low clocks the counter (reload
 * when 0 or after $C001, else decrement; IRQ when it is 0 and enabled), so the pre-render line
 * never clocks it, and the IRQ is taken at once, mid-wait like its NMI, or lost if I is set.
 * $A001 enables (bit 7) and write-protects (bit 6) PRG RAM for every image; PRG RAM needs no
 * battery. Only mapper 4 has an IRQ in this mode. */
#include "core.h"

static inline int np9(const nes_t *n) { return n->timing == NES_TIMING_NESPY9; }

/* bit order reversed: nes-py 8.2.1's status layout <-> the 6502's (its own inverse) */
static inline uint8_t np_rev(uint8_t b) {
    b = (uint8_t)((b & 0xF0) >> 4 | (b & 0x0F) << 4);
    b = (uint8_t)((b & 0xCC) >> 2 | (b & 0x33) << 2);
    return (uint8_t)((b & 0xAA) >> 1 | (b & 0x55) << 1);
}

/* nes-py's status byte: its flag union declares N first, so N is bit 0 */
enum { NP_N = 0x01, NP_V = 0x02, NP_ONE = 0x04, NP_B = 0x08, NP_D = 0x10, NP_I = 0x20, NP_Z = 0x40, NP_C = 0x80 };
enum { NP_PRE_RENDER = 0, NP_RENDER = 1, NP_POST_RENDER = 2, NP_VBLANK = 3 };

/* nes-py's cycles per opcode (0: not implemented there; cpu_opcodes.hpp) */
static const uint8_t NP_CYCLES[256] = {
    7, 6, 0, 0, 0, 3, 5, 0, 3, 2, 2, 0, 0, 4, 6, 0,
    2, 5, 0, 0, 0, 4, 6, 0, 2, 4, 0, 0, 0, 4, 7, 0,
    6, 6, 0, 0, 3, 3, 5, 0, 4, 2, 2, 0, 4, 4, 6, 0,
    2, 5, 0, 0, 0, 4, 6, 0, 2, 4, 0, 0, 0, 4, 7, 0,
    6, 6, 0, 0, 0, 3, 5, 0, 3, 2, 2, 0, 3, 4, 6, 0,
    2, 5, 0, 0, 0, 4, 6, 0, 2, 4, 0, 0, 0, 4, 7, 0,
    6, 6, 0, 0, 0, 3, 5, 0, 4, 2, 2, 0, 5, 4, 6, 0,
    2, 5, 0, 0, 0, 4, 6, 0, 2, 4, 0, 0, 0, 4, 7, 0,
    0, 6, 0, 0, 3, 3, 3, 0, 2, 0, 2, 0, 4, 4, 4, 0,
    2, 6, 0, 0, 4, 4, 4, 0, 2, 5, 2, 0, 0, 5, 0, 0,
    2, 6, 2, 0, 3, 3, 3, 0, 2, 2, 2, 0, 4, 4, 4, 0,
    2, 5, 0, 0, 4, 4, 4, 0, 2, 4, 2, 0, 4, 4, 4, 0,
    2, 6, 0, 0, 3, 3, 5, 0, 2, 2, 2, 0, 4, 4, 6, 0,
    2, 5, 0, 0, 0, 4, 6, 0, 2, 4, 0, 0, 0, 4, 7, 0,
    2, 6, 0, 0, 3, 3, 5, 0, 2, 2, 2, 2, 4, 4, 6, 0,
    2, 5, 0, 0, 0, 4, 6, 0, 2, 4, 0, 0, 0, 4, 7, 0,
};

/* ---- PPU memory as nes-py's picture bus maps it: $2000-$3EFE name tables ($2C00 and up
 * all in the fourth), $3EFF-$3FFE palette RAM unmirrored except writes to $3F10, $3FFF and
 * up (v is not masked to 14 bits) reads 0 ---- */
static inline uint8_t np_vram_read(const nes_t *n, uint16_t a) {
    const cart_t *c = &n->cart;
    if (a < 0x2000) return c->chr[c->chr_map[a >> 10] + (a & 0x3FF)];
    if (a < 0x3EFF) {
        int t = a < 0x2400 ? 0 : a < 0x2800 ? 1 : a < 0x2C00 ? 2 : 3;
        return n->vram[c->nt_map[t] + (a & 0x3FF)];
    }
    if (a < 0x3FFF) return n->np.palette[a & 0x1F];
    return 0;
}

static void np_vram_write(nes_t *n, uint16_t a, uint8_t v) {
    cart_t *c = &n->cart;
    if (a < 0x2000) {
        if (c->chr_is_ram) c->chr[c->chr_map[a >> 10] + (a & 0x3FF)] = v;
    } else if (a < 0x3EFF) {
        int t = a < 0x2400 ? 0 : a < 0x2800 ? 1 : a < 0x2C00 ? 2 : 3;
        n->vram[c->nt_map[t] + (a & 0x3FF)] = v;
    } else if (a < 0x3FFF) {
        n->np.palette[a == 0x3F10 ? 0 : (a & 0x1F)] = v;
    }
}

/* ---- nes-py 9.0.1's picture bus (addresses masked to 14 bits) and its MMC3's A12 watch ---- */
static void np_interrupt(nes_t *n, int kind);
enum { NP_NMI = 0, NP_BRK = 1, NP_IRQ = 2 };

static inline uint8_t np9_pal(uint16_t a) {
    uint8_t p = a & 0x1F;
    return (p & 0x13) == 0x10 ? (uint8_t)(p & 0x0F) : p;
}

/* MMC3: the scanline counter's clock, on an A12 rise after 8 low addresses */
static void np9_a12(nes_t *n, uint16_t a) {
    nespy_t *q = &n->np;
    if (!(a & 0x1000)) {
        q->a12_high = 0;
        if (q->a12_lows < 8) q->a12_lows++;
        return;
    }
    if (!q->a12_high && q->a12_lows >= 8) {
        if (q->irq_counter == 0 || q->irq_reload) {
            q->irq_counter = q->irq_latch;
            q->irq_reload = 0;
        } else {
            q->irq_counter--;
        }
        if (q->irq_counter == 0 && q->irq_enabled && !(q->p & NP_I))
            np_interrupt(n, NP_IRQ);
    }
    q->a12_high = 1;
    q->a12_lows = 0;
}

static inline uint8_t np9_peek(const nes_t *n, uint16_t a) {
    const cart_t *c = &n->cart;
    a &= 0x3FFF;
    if (a < 0x2000) return c->chr[c->chr_map[a >> 10] + (a & 0x3FF)];
    if (a < 0x3F00) return n->vram[c->nt_map[(a >> 10) & 3] + (a & 0x3FF)];
    return n->np.palette[np9_pal(a)];
}

/* a read the MMC3 sees (the address it observes: nametables as $2xxx, A12 low) */
static inline uint8_t np9_read_seen(nes_t *n, uint16_t a) {
    a &= 0x3FFF;
    if (n->np.a12_watch && a < 0x3F00) np9_a12(n, a < 0x2000 ? a : (uint16_t)(0x2000 | (a & 0x0FFF)));
    return np9_peek(n, a);
}

static void np9_vram_write(nes_t *n, uint16_t a, uint8_t v) {
    cart_t *c = &n->cart;
    a &= 0x3FFF;
    if (n->np.a12_watch && a < 0x3F00) np9_a12(n, a < 0x2000 ? a : (uint16_t)(0x2000 | (a & 0x0FFF)));
    if (a < 0x2000) {
        if (c->chr_is_ram) c->chr[c->chr_map[a >> 10] + (a & 0x3FF)] = v;
    } else if (a < 0x3F00) {
        n->vram[c->nt_map[(a >> 10) & 3] + (a & 0x3FF)] = v;
    } else {
        n->np.palette[np9_pal(a)] = v;
    }
}

/* ---- CPU bus ---- */

static inline uint8_t np_pad_read(nes_t *n, int i) {
    nespy_t *q = &n->np;
    uint8_t r;
    if (q->pad_strobe) {
        r = n->pad[i] & 1;
    } else {
        r = q->pad_bits[i] & 1;
        q->pad_bits[i] >>= 1;
    }
    return (uint8_t)(r | 0x40);
}

static uint8_t np_read(nes_t *n, uint16_t a) {
    nespy_t *q = &n->np;
    if (a < 0x2000) return n->ram[a & 0x7FF];
    if (a >= 0x8000) return n->cart.prg[n->cart.prg_map[(a >> 13) & 3] + (a & 0x1FFF)];
    if (a < 0x4000) {
        switch (a & 0x2007) {
        case 0x2002: {
            uint8_t s = (uint8_t)(q->spr0_hit << 6 | q->vblank << 7);
            q->vblank = 0;
            q->w = 0;
            return s;
        }
        case 0x2004: return n->ppu.oam[q->oamaddr];
        case 0x2007: {
            uint16_t ra = q->v;
            uint8_t d;
            if (np9(n)) { ra &= 0x3FFF; d = np9_read_seen(n, ra); }
            else d = np_vram_read(n, ra);
            q->v = (uint16_t)(q->v + ((q->ctrl & 0x04) ? 32 : 1));
            if (!np9(n)) ra = q->v; /* 8.2.1 buffers by the address after the increment */
            if (ra < 0x3F00) { uint8_t b = q->buffer; q->buffer = d; d = b; }
            return d;
        }
        default: return 0;
        }
    }
    if (a == 0x4016 || a == 0x4017) return np_pad_read(n, a & 1);
    if (a >= 0x6000 && n->cart.wram_map >= 0 && (np9(n) ? q->ram_enabled : n->cart.battery))
        return n->cart.prg_ram[n->cart.wram_map + (a & n->cart.wram_mask)];
    return 0;
}

static void np_write(nes_t *n, uint16_t a, uint8_t v) {
    nespy_t *q = &n->np;
    if (a < 0x2000) { n->ram[a & 0x7FF] = v; return; }
    if (a < 0x4000) {
        switch (a & 0x2007) {
        case 0x2000:
            q->ctrl = v;
            q->t = (uint16_t)((q->t & ~0xC00) | (v & 3) << 10);
            q->bg_key = 0; /* nes-py 9.0.1 drops its tile cache on these writes */
            break;
        case 0x2001: q->mask = v; q->bg_key = 0; break;
        case 0x2003: q->oamaddr = v; break;
        case 0x2004: n->ppu.oam[q->oamaddr++] = v; break;
        case 0x2005:
            q->bg_key = 0;
            if (!q->w) {
                q->t = (uint16_t)((q->t & ~0x1F) | ((v >> 3) & 0x1F));
                q->fine_x = v & 7;
            } else {
                q->t = (uint16_t)((q->t & ~0x73E0) | (v & 7) << 12 | (v & 0xF8) << 2);
            }
            q->w ^= 1;
            break;
        case 0x2006:
            if (!q->w) {
                q->t = (uint16_t)((q->t & ~0xFF00) | (v & 0x3F) << 8);
            } else {
                q->t = (uint16_t)((q->t & ~0xFF) | v);
                q->v = q->t;
                q->bg_key = 0;
            }
            q->w ^= 1;
            break;
        case 0x2007:
            q->bg_key = 0;
            if (np9(n)) np9_vram_write(n, q->v, v);
            else np_vram_write(n, q->v, v);
            q->v = (uint16_t)(q->v + ((q->ctrl & 0x04) ? 32 : 1));
            break;
        default: break;
        }
        return;
    }
    if (a == 0x4014) {
        /* the page is copied at once, from RAM only (nes-py has no pointer to other pages) */
        q->skip += 513 + (int32_t)(q->cycles & 1);
        const uint8_t *page = NULL;
        if (v < 0x20) page = &n->ram[(v << 8) & 0x7FF];
        else if (v >= 0x60 && v < 0x80 && n->cart.wram_map >= 0 && (np9(n) ? q->ram_enabled : n->cart.battery))
            page = &n->cart.prg_ram[n->cart.wram_map + ((v << 8) & n->cart.wram_mask)];
        if (page)
            for (int i = 0; i < 256; i++) n->ppu.oam[(uint8_t)(q->oamaddr + i)] = page[i];
        return;
    }
    if (a == 0x4016) {
        q->pad_strobe = v & 1;
        if (!q->pad_strobe) { q->pad_bits[0] = n->pad[0]; q->pad_bits[1] = n->pad[1]; }
        return;
    }
    if (a < 0x4018) {
        /* nes-py has no APU; ours plays the writes (sound only: the game reads $4015 as 0 and
         * gets no IRQ, and the DMC fetches no samples) */
        if (a != 0x4014 && a != 0x4016) apu_write(n, a, v);
        return;
    }
    if (a < 0x6000) return; /* no expansion port */
    cart_t *c = &n->cart;
    if (a < 0x8000) {
        if (c->wram_map >= 0 && (np9(n) ? q->ram_enabled && q->ram_writable : c->battery))
            c->prg_ram[c->wram_map + (a & c->wram_mask)] = v;
        return;
    }
    if (np9(n)) {
        /* 9.0.1's tile cache outlives CHR bank switches; its MMC3's IRQ and RAM control */
        if (c->mapper == 4) {
            switch (a & 0xE001) {
            case 0xA001: q->ram_enabled = (v & 0x80) != 0; q->ram_writable = q->ram_enabled && !(v & 0x40); break;
            case 0xC000: q->irq_latch = v; return;
            case 0xC001: q->irq_reload = 1; return;
            case 0xE000: q->irq_enabled = 0; return;
            case 0xE001: q->irq_enabled = 1; return;
            default: break;
            }
        }
    } else {
        q->bg_key = 0; /* CHR banks or mirroring may change */
    }
    if (c->ops->cpu_write) c->ops->cpu_write(n, a, v);
}

/* ---- PPU: one call of nes-py's dot function ---- */
static inline __attribute__((always_inline)) void np_pixel(nes_t *n, int x, int y) {
    nespy_t *q = &n->np;
    const uint8_t *oam = n->ppu.oam;
    uint8_t bg = 0, spr = 0;
    int bg_opaque = 0, spr_opaque = 1, spr_front = 0;
    if (q->mask & 0x08) {
        int fx = (q->fine_x + x) & 7;
        if ((q->mask & 0x02) || x >= 8) {
            /* the tile's bytes depend on v and the pattern table only, until a write (which
             * clears the key): fetched once per tile instead of per pixel */
            uint32_t key = q->v | (uint32_t)(q->ctrl & 0x10) << 12 | 0x20000u;
            if (key != q->bg_key) {
                if (q->a12_watch) { /* what nes-py 9.0.1's MMC3 sees of the four fetches */
                    uint16_t pt = (q->ctrl & 0x10) ? 0x1000 : 0;
                    np9_a12(n, 0x2000); np9_a12(n, pt); np9_a12(n, pt); np9_a12(n, 0x2000);
                }
                uint8_t tile = np_vram_read(n, (uint16_t)(0x2000 | (q->v & 0x0FFF)));
                uint16_t pa = (uint16_t)(tile * 16 + ((q->v >> 12) & 7));
                if (q->ctrl & 0x10) pa |= 0x1000;
                q->bg_lo = np_vram_read(n, pa);
                q->bg_hi = np_vram_read(n, (uint16_t)(pa + 8));
                uint16_t aa = (uint16_t)(0x23C0 | (q->v & 0x0C00) | ((q->v >> 4) & 0x38) | ((q->v >> 2) & 0x07));
                int shift = ((q->v >> 4) & 4) | (q->v & 2);
                q->bg_attr = (uint8_t)(((np_vram_read(n, aa) >> shift) & 3) << 2);
                q->bg_key = key;
            }
            bg = (uint8_t)(((q->bg_lo >> (7 ^ fx)) & 1) | ((q->bg_hi >> (7 ^ fx)) & 1) << 1);
            bg_opaque = bg != 0;
            bg |= q->bg_attr;
        }
        if (fx == 7) {
            if ((q->v & 0x1F) == 31) { q->v &= (uint16_t)~0x1F; q->v ^= 0x0400; }
            else q->v++;
            q->bg_key = 0;
        }
    }
    if ((q->mask & 0x10) && ((q->mask & 0x04) || x >= 8)) {
        int tall = (q->ctrl & 0x20) != 0, length = tall ? 16 : 8;
        for (int k = 0; k < q->spr_count; k++) {
            int i = q->spr[k];
            uint8_t sx = oam[i * 4 + 3];
            if (x - sx < 0 || x - sx >= 8) continue;
            uint8_t sy = (uint8_t)(oam[i * 4] + 1), tile = oam[i * 4 + 1], attr = oam[i * 4 + 2];
            int xs = (x - sx) % 8, yo = (y - sy) % length; /* negative on line 0: as nes-py */
            if (!(attr & 0x40)) xs ^= 7;
            if (attr & 0x80) yo ^= length - 1;
            uint16_t pa;
            if (!tall) {
                pa = (uint16_t)(tile * 16 + yo);
                if (q->ctrl & 0x08) pa = (uint16_t)(pa + 0x1000);
            } else {
                yo = (yo & 7) | ((yo & 8) << 1);
                pa = (uint16_t)((tile >> 1) * 32 + yo);
                pa |= (uint16_t)((tile & 1) << 12);
            }
            uint8_t plo, phi;
            if (q->a12_watch) { /* 9.0.1 reads sprite patterns unseen by the MMC3, 13 bits */
                plo = np9_peek(n, pa & 0x1FFF);
                phi = np9_peek(n, (uint16_t)(pa + 8) & 0x1FFF);
            } else {
                plo = np_vram_read(n, pa);
                phi = np_vram_read(n, (uint16_t)(pa + 8));
            }
            spr |= (uint8_t)((plo >> xs) & 1);
            spr |= (uint8_t)(((phi >> xs) & 1) << 1);
            if (!(spr_opaque = spr != 0)) { spr = 0; continue; }
            spr |= (uint8_t)(0x10 | (attr & 3) << 2);
            spr_front = !(attr & 0x20);
            if (!q->spr0_hit && (q->mask & 0x08) && i == 0 && bg_opaque) q->spr0_hit = 1;
            break;
        }
    }
    uint8_t pal = bg;
    if ((!bg_opaque && spr_opaque) || (bg_opaque && spr_opaque && spr_front)) pal = spr;
    else if (!bg_opaque && !spr_opaque) pal = 0;
    /* palette RAM keeps whole bytes in nes-py; the picture holds 6-bit indices */
    n->ppu.fb[y * NES_WIDTH + x] = q->palette[pal] & 0x3F;
}

static inline int np_rendering(const nespy_t *q) { return (q->mask & 0x18) == 0x18; }

static inline __attribute__((always_inline)) void np_dot(nes_t *n) {
    nespy_t *q = &n->np;
    switch (q->stage) {
    case NP_PRE_RENDER:
        if (q->dot == 1) {
            q->vblank = q->spr0_hit = 0;
            if (n->ppu.screen == SCREEN_STALE) n->ppu.screen = SCREEN_PENDING;
        } else if (q->dot == 258 && np_rendering(q)) {
            q->v = (uint16_t)((q->v & ~0x41F) | (q->t & 0x41F));
            q->bg_key = 0;
        } else if (q->dot > 280 && q->dot <= 304 && np_rendering(q)) {
            q->v = (uint16_t)((q->v & ~0x7BE0) | (q->t & 0x7BE0));
            q->bg_key = 0;
        }
        if (q->dot >= 341 - (!q->even_frame && np_rendering(q))) {
            q->stage = NP_RENDER;
            q->dot = q->line = 0;
        }
        break;
    case NP_RENDER:
        if (q->dot > 0 && q->dot <= 256) {
            if (q->dot == 1) {
                /* the tiles view's per-line scroll as ppu.c records it: v two tiles on (its
                 * prefetch), fine X and PPUMASK's show bits */
                uint16_t lv = q->v;
                for (int k = 0; k < 2; k++)
                    lv = (lv & 0x1F) == 31 ? (uint16_t)((lv & ~0x1F) ^ 0x400) : (uint16_t)(lv + 1);
                n->ppu.line_v[q->line] = lv & 0x7FFF;
                n->ppu.line_x[q->line] = (uint8_t)(q->fine_x | (q->mask & 0x18));
            }
            np_pixel(n, q->dot - 1, q->line);
        } else if (q->dot == 257 && (q->mask & 0x08)) {
            if ((q->v & 0x7000) != 0x7000) {
                q->v = (uint16_t)(q->v + 0x1000);
            } else {
                q->v &= (uint16_t)~0x7000;
                int y = (q->v & 0x03E0) >> 5;
                if (y == 29) { y = 0; q->v ^= 0x0800; }
                else if (y == 31) y = 0;
                else y++;
                q->v = (uint16_t)((q->v & ~0x03E0) | (y << 5));
            }
        } else if (q->dot == 258 && np_rendering(q)) {
            q->v = (uint16_t)((q->v & ~0x41F) | (q->t & 0x41F));
            q->bg_key = 0;
        } else if (q->dot == 260 && q->a12_watch && (q->mask & 0x10)) {
            /* nes-py 9.0.1's one sprite fetch its MMC3 sees: tile $FF, row 0, read twice */
            uint16_t a = (q->ctrl & 0x20) ? 0x1FE0 : (q->ctrl & 0x08) ? 0x1FF0 : 0x0FF0;
            np9_a12(n, a);
            np9_a12(n, a);
        }
        if (q->dot >= 341) {
            /* the next line's sprites, from OAMADDR / 4 on */
            int range = (q->ctrl & 0x20) ? 16 : 8, j = 0;
            q->spr_count = 0;
            for (int i = q->oamaddr / 4; i < 64; i++) {
                int diff = q->line - n->ppu.oam[i * 4];
                if (diff >= 0 && diff < range) {
                    q->spr[q->spr_count++] = (uint8_t)i;
                    if (++j >= 8) break;
                }
            }
            q->line++;
            q->dot = 0;
            q->bg_key = 0;
        }
        if (q->line >= 240) q->stage = NP_POST_RENDER;
        break;
    case NP_POST_RENDER:
        if (q->dot >= 341) {
            q->line++;
            q->dot = 0;
            q->stage = NP_VBLANK;
        }
        break;
    default: /* NP_VBLANK */
        if (q->dot == 1 && q->line == 241) {
            q->vblank = 1;
            n->ppu.frame_ready = 1;
            n->ppu.frames++;
            if (n->ppu.screen == SCREEN_PENDING ||
                (n->ppu.screen == SCREEN_MIDFRAME && n->ppu.frames - n->ppu.stale_frames >= 2))
                n->ppu.screen = SCREEN_VALID;
            if (q->ctrl & 0x80) np_interrupt(n, NP_NMI);
        }
        if (q->dot >= 341) {
            q->line++;
            q->dot = 0;
        }
        if (q->line >= 261) {
            q->stage = NP_PRE_RENDER;
            q->line = 0;
            q->even_frame = !q->even_frame;
        }
        break;
    }
    q->dot++;
}

/* `count` dots, as `count` calls of np_dot: runs of pixels and of dots where nothing happens
 * (np_dot would only advance the dot) are taken in one go. */
static void np_dots(nes_t *n, uint64_t count) {
    nespy_t *q = &n->np;
    while (count) {
        int d = q->dot, quiet = 0;
        switch (q->stage) {
        case NP_RENDER:
            if (d >= 2 && d <= 256) { /* pixels: nothing else happens before dot 257 */
                uint64_t k = (uint64_t)(257 - d);
                if (k > count) k = count;
                for (uint64_t i = 0; i < k; i++) np_pixel(n, d - 1 + (int)i, q->line);
                q->dot = (int16_t)(d + (int)k);
                count -= k;
                continue;
            }
            if (q->a12_watch) { /* dot 260 fetches (np_dot) */
                if (d == 259) quiet = 1;
                else if (d >= 261 && d < 341) quiet = 341 - d;
            } else if (d >= 259 && d < 341) {
                quiet = 341 - d;
            }
            break;
        case NP_PRE_RENDER: {
            int end = 341 - (!q->even_frame && np_rendering(q));
            if (d >= 2 && d < 258) quiet = 258 - d;
            else if (d >= 259 && d < 281) quiet = 281 - d;
            else if (d >= 305 && d < end) quiet = end - d;
        } break;
        case NP_POST_RENDER:
            if (d < 341) quiet = 341 - d;
            break;
        default:
            if (d >= 2 && d < 341) quiet = 341 - d;
            break;
        }
        if (quiet) {
            uint64_t k = (uint64_t)quiet;
            if (k > count) k = count;
            q->dot = (int16_t)(d + (int)k);
            count -= k;
        } else {
            np_dot(n);
            count--;
        }
    }
}

/* ---- CPU ---- */
static inline void np_zn(nespy_t *q, uint8_t v) {
    q->p = (uint8_t)((q->p & ~(NP_Z | NP_N)) | (v ? 0 : NP_Z) | ((v & 0x80) ? NP_N : 0));
}
static inline void np_flag(nespy_t *q, uint8_t f, int on) { q->p = (uint8_t)(on ? q->p | f : q->p & ~f); }
static inline void np_push(nes_t *n, uint8_t v) { np_write(n, (uint16_t)(0x100 | n->cpu.s--), v); }
static inline uint8_t np_pull(nes_t *n) { return np_read(n, (uint16_t)(0x100 | ++n->cpu.s)); }
static inline uint16_t np_read16(nes_t *n, uint16_t a) {
    uint16_t lo = np_read(n, a);
    return (uint16_t)(lo | np_read(n, (uint16_t)(a + 1)) << 8);
}
static inline void np_cross(nespy_t *q, uint16_t a, uint16_t b, int cost) {
    if ((a ^ b) & 0xFF00) q->skip += cost;
}

/* NMI, BRK or IRQ (nes-py 9.0.1's MMC3 only; the caller checks I). nes-py 8.2.1 pushes its
 * status byte with bit 5 (its I) set, and bit 4 (its D) too for BRK; 9.0.1 pushes the 6502's
 * byte with bit 5 set and B for BRK only. */
static void np_interrupt(nes_t *n, int kind) {
    cpu_t *c = &n->cpu;
    nespy_t *q = &n->np;
    int brk = kind == NP_BRK;
    if (brk) c->pc++;
    np_push(n, (uint8_t)(c->pc >> 8));
    np_push(n, (uint8_t)c->pc);
    if (np9(n)) np_push(n, (uint8_t)((np_rev(q->p) & ~0x10) | 0x20 | (brk ? 0x10 : 0)));
    else np_push(n, (uint8_t)(q->p | 0x20 | (brk ? 0x10 : 0)));
    q->p |= NP_I;
    c->pc = np_read16(n, kind == NP_NMI ? 0xFFFA : 0xFFFE);
    q->skip += 7;
}

/* PHP's byte and PLP / RTI's status from a pulled byte, in each version's layout */
static inline uint8_t np_php(const nes_t *n) { return np9(n) ? (uint8_t)(np_rev(n->np.p) | 0x30) : n->np.p; }
static inline uint8_t np_plp(const nes_t *n, uint8_t v) { return np9(n) ? np_rev((uint8_t)(v | 0x20)) : v; }

static int np_implied(nes_t *n, uint8_t op) {
    cpu_t *c = &n->cpu;
    nespy_t *q = &n->np;
    switch (op) {
    case 0x00: np_interrupt(n, NP_BRK); break;
    case 0x08: np_push(n, np_php(n)); break;
    case 0x18: q->p &= (uint8_t)~NP_C; break;
    case 0x20:
        np_push(n, (uint8_t)((c->pc + 1) >> 8));
        np_push(n, (uint8_t)(c->pc + 1));
        c->pc = np_read16(n, c->pc);
        break;
    case 0x28: q->p = np_plp(n, np_pull(n)); break;
    case 0x38: q->p |= NP_C; break;
    case 0x40: {
        q->p = np_plp(n, np_pull(n));
        uint16_t lo = np_pull(n);
        c->pc = (uint16_t)(lo | np_pull(n) << 8);
    } break;
    case 0x48: np_push(n, c->a); break;
    case 0x4C: c->pc = np_read16(n, c->pc); break;
    case 0x58: q->p &= (uint8_t)~NP_I; break;
    case 0x60: {
        uint16_t lo = np_pull(n);
        c->pc = (uint16_t)((lo | np_pull(n) << 8) + 1);
    } break;
    case 0x68: c->a = np_pull(n); np_zn(q, c->a); break;
    case 0x6C: {
        uint16_t ptr = np_read16(n, c->pc);
        uint16_t lo = np_read(n, ptr);
        c->pc = (uint16_t)(lo | np_read(n, (uint16_t)((ptr & 0xFF00) | ((ptr + 1) & 0xFF))) << 8);
    } break;
    case 0x78: q->p |= NP_I; break;
    case 0x88: c->y--; np_zn(q, c->y); break;
    case 0x8A: c->a = c->x; np_zn(q, c->a); break;
    case 0x98: c->a = c->y; np_zn(q, c->a); break;
    case 0x9A: c->s = c->x; break;
    case 0xA8: c->y = c->a; np_zn(q, c->y); break;
    case 0xAA: c->x = c->a; np_zn(q, c->x); break;
    case 0xB8: q->p &= (uint8_t)~NP_V; break;
    case 0xBA: c->x = c->s; np_zn(q, c->x); break;
    case 0xC8: c->y++; np_zn(q, c->y); break;
    case 0xCA: c->x--; np_zn(q, c->x); break;
    case 0xD8: q->p &= (uint8_t)~NP_D; break;
    case 0xE8: c->x++; np_zn(q, c->x); break;
    case 0xEA: break;
    case 0xF8: q->p |= NP_D; break;
    default: return 0;
    }
    return 1;
}

static void np_branch(nes_t *n, uint8_t op) {
    cpu_t *c = &n->cpu;
    nespy_t *q = &n->np;
    static const uint8_t flag[4] = {NP_N, NP_V, NP_C, NP_Z};
    int set = (q->p & flag[op >> 6]) != 0, want = (op & 0x20) != 0;
    if (set == want) {
        int8_t off = (int8_t)np_read(n, c->pc++);
        q->skip++;
        uint16_t np_ = (uint16_t)(c->pc + off);
        np_cross(q, c->pc, np_, 2);
        c->pc = np_;
    } else {
        c->pc++;
    }
}

static inline void np_compare(nespy_t *q, uint8_t r, uint8_t m) {
    uint16_t diff = (uint16_t)(r - m);
    np_flag(q, NP_C, !(diff & 0x100));
    np_zn(q, (uint8_t)diff);
}

/* cc = 01: ORA AND EOR ADC STA LDA CMP SBC in eight addressing modes */
static void np_group1(nes_t *n, uint8_t op) {
    cpu_t *c = &n->cpu;
    nespy_t *q = &n->np;
    int oper = op >> 5, sta = oper == 4;
    uint16_t loc = 0;
    switch ((op >> 2) & 7) {
    case 0: {
        uint8_t z = (uint8_t)(c->x + np_read(n, c->pc++));
        uint16_t lo = np_read(n, z);
        loc = (uint16_t)(lo | np_read(n, (uint8_t)(z + 1)) << 8);
    } break;
    case 1: loc = np_read(n, c->pc++); break;
    case 2: loc = c->pc++; break;
    case 3: loc = np_read16(n, c->pc); c->pc += 2; break;
    case 4: {
        uint8_t z = np_read(n, c->pc++);
        uint16_t lo = np_read(n, z);
        loc = (uint16_t)(lo | np_read(n, (uint8_t)(z + 1)) << 8);
        if (!sta) np_cross(q, loc, (uint16_t)(loc + c->y), 1);
        loc = (uint16_t)(loc + c->y);
    } break;
    case 5: loc = (uint8_t)(np_read(n, c->pc++) + c->x); break;
    case 6:
        loc = np_read16(n, c->pc); c->pc += 2;
        if (!sta) np_cross(q, loc, (uint16_t)(loc + c->y), 1);
        loc = (uint16_t)(loc + c->y);
        break;
    default:
        loc = np_read16(n, c->pc); c->pc += 2;
        if (!sta) np_cross(q, loc, (uint16_t)(loc + c->x), 1);
        loc = (uint16_t)(loc + c->x);
        break;
    }
    switch (oper) {
    case 0: c->a |= np_read(n, loc); np_zn(q, c->a); break;
    case 1: c->a &= np_read(n, loc); np_zn(q, c->a); break;
    case 2: c->a ^= np_read(n, loc); np_zn(q, c->a); break;
    case 3: {
        uint8_t m = np_read(n, loc);
        unsigned sum = c->a + m + ((q->p & NP_C) ? 1u : 0u);
        np_flag(q, NP_C, sum & 0x100);
        np_flag(q, NP_V, (c->a ^ sum) & (m ^ sum) & 0x80);
        c->a = (uint8_t)sum;
        np_zn(q, c->a);
    } break;
    case 4: np_write(n, loc, c->a); break;
    case 5: c->a = np_read(n, loc); np_zn(q, c->a); break;
    case 6: np_compare(q, c->a, np_read(n, loc)); break;
    default: {
        uint8_t m = np_read(n, loc);
        uint16_t diff = (uint16_t)(c->a - m - ((q->p & NP_C) ? 0 : 1));
        np_flag(q, NP_C, !(diff & 0x100));
        np_flag(q, NP_V, (c->a ^ diff) & (~m ^ diff) & 0x80);
        c->a = (uint8_t)diff;
        np_zn(q, c->a);
    } break;
    }
}

/* cc = 10: ASL ROL LSR ROR STX LDX DEC INC; modes 0 imm, 1 zp, 2 A, 3 abs, 5 zp,i, 7 abs,i */
static int np_group2(nes_t *n, uint8_t op) {
    cpu_t *c = &n->cpu;
    nespy_t *q = &n->np;
    int oper = op >> 5, mode = (op >> 2) & 7;
    uint8_t idx = (oper == 4 || oper == 5) ? c->y : c->x;
    uint16_t loc = 0;
    switch (mode) {
    case 0: loc = c->pc++; break;
    case 1: loc = np_read(n, c->pc++); break;
    case 2: break;
    case 3: loc = np_read16(n, c->pc); c->pc += 2; break;
    case 5: loc = (uint8_t)(np_read(n, c->pc++) + idx); break;
    case 7:
        loc = np_read16(n, c->pc); c->pc += 2;
        np_cross(q, loc, (uint16_t)(loc + idx), 1);
        loc = (uint16_t)(loc + idx);
        break;
    default: return 0;
    }
    switch (oper) {
    case 0: case 1: case 2: case 3: {
        int left = oper < 2, carry_in = (q->p & NP_C) && (oper & 1);
        uint8_t v = mode == 2 ? c->a : np_read(n, loc), r;
        if (left) { np_flag(q, NP_C, v & 0x80); r = (uint8_t)(v << 1 | carry_in); }
        else { np_flag(q, NP_C, v & 1); r = (uint8_t)(v >> 1 | carry_in << 7); }
        np_zn(q, r);
        if (mode == 2) c->a = r;
        else np_write(n, loc, r);
    } break;
    case 4: np_write(n, loc, c->x); break;
    case 5: c->x = np_read(n, loc); np_zn(q, c->x); break;
    default: {
        uint8_t v = (uint8_t)(np_read(n, loc) + (oper == 6 ? -1 : 1));
        np_zn(q, v);
        np_write(n, loc, v);
    } break;
    }
    return 1;
}

/* cc = 00: BIT STY LDY CPY CPX; modes 0 imm, 1 zp, 3 abs, 5 zp,X, 7 abs,X. The operand is
 * consumed before an unknown operation is refused, as nes-py does. */
static int np_group0(nes_t *n, uint8_t op) {
    cpu_t *c = &n->cpu;
    nespy_t *q = &n->np;
    uint16_t loc;
    switch ((op >> 2) & 7) {
    case 0: loc = c->pc++; break;
    case 1: loc = np_read(n, c->pc++); break;
    case 3: loc = np_read16(n, c->pc); c->pc += 2; break;
    case 5: loc = (uint8_t)(np_read(n, c->pc++) + c->x); break;
    case 7:
        loc = np_read16(n, c->pc); c->pc += 2;
        np_cross(q, loc, (uint16_t)(loc + c->x), 1);
        loc = (uint16_t)(loc + c->x);
        break;
    default: return 0;
    }
    switch (op >> 5) {
    case 1: {
        uint8_t m = np_read(n, loc);
        np_flag(q, NP_Z, !(c->a & m));
        np_flag(q, NP_V, m & 0x40);
        np_flag(q, NP_N, m & 0x80);
    } break;
    case 4: np_write(n, loc, c->y); break;
    case 5: c->y = np_read(n, loc); np_zn(q, c->y); break;
    case 6: np_compare(q, c->y, np_read(n, loc)); break;
    case 7: np_compare(q, c->x, np_read(n, loc)); break;
    default: return 0;
    }
    return 1;
}

/* nes-py 9.0.1's one unofficial opcode, DCP abs,X ($DF): no page-cross cycle, the compare's
 * flags from A minus the decremented byte */
static void np9_dcp_absx(nes_t *n) {
    cpu_t *c = &n->cpu;
    uint16_t loc = (uint16_t)(np_read16(n, c->pc) + c->x);
    c->pc += 2;
    uint8_t m = (uint8_t)(np_read(n, loc) - 1);
    np_write(n, loc, m);
    np_compare(&n->np, c->a, m);
}

/* One CPU cycle: an instruction runs whole on the cycle its predecessor's count runs out.
 * Returns 1 when an instruction started. */
static inline int np_cpu_cycle(nes_t *n) {
    cpu_t *c = &n->cpu;
    nespy_t *q = &n->np;
    q->cycles++;
    if (q->skip-- > 1) return 0;
    q->skip = 0;
    uint8_t op = np_read(n, c->pc++);
    int ok;
    if (np_implied(n, op)) ok = 1;
    else if ((op & 0x1F) == 0x10) { np_branch(n, op); ok = 1; }
    else if ((op & 3) == 1) { np_group1(n, op); ok = 1; }
    else if ((op & 3) == 2) ok = np_group2(n, op);
    else if ((op & 3) == 0) ok = np_group0(n, op);
    else if (op == 0xDF && np9(n)) { np9_dcp_absx(n); q->skip += 7; return 1; }
    else ok = 0;
    if (ok) q->skip += NP_CYCLES[op]; /* an opcode nes-py lacks costs nothing there */
    return 1;
}

static inline void np_cycle_all(nes_t *n) {
    np_dot(n);
    np_dot(n);
    np_dot(n);
}

/* Keeps the accurate core's clocks in step: cpu_cycles() counts nes-py's cycles and the idle
 * accurate PPU stays caught up, so that ppu_sync and the save-state checks do nothing to it. */
static inline void np_clock(nes_t *n, uint64_t cycles) {
    n->cpu.master_clock += 12 * cycles;
    n->ppu.clock = n->cpu.master_clock - PPU_OFFSET;
}

void nespy_run_cycles(nes_t *n, uint64_t cycles) {
    nespy_t *q = &n->np;
    uint64_t left = cycles;
    while (left) {
        if (q->skip > 1) {
            /* the next skip - 1 cycles only count down (an NMI in their dots only adds to
             * the wait): their dots run in one go */
            uint64_t m = (uint64_t)(q->skip - 1);
            if (m > left) m = left;
            np_dots(n, 3 * m);
            for (uint64_t i = 0; i < m; i++) apu_tick(n);
            q->skip -= (int32_t)m;
            q->cycles += (uint32_t)m;
            left -= m;
            continue;
        }
        apu_tick(n);
        np_cycle_all(n);
        np_cpu_cycle(n);
        left--;
    }
    np_clock(n, cycles);
}

void nespy_step_instruction(nes_t *n) {
    uint64_t k = 0;
    int started;
    do {
        apu_tick(n);
        np_cycle_all(n);
        started = np_cpu_cycle(n);
        k++;
    } while (!started && k < 100000);
    np_clock(n, k);
}

/* nes-py's Reset: CPU registers from the reset vector, status $34 (its ONE, D and I), S $FD;
 * the PPU at the start of the pre-render line with background and sprites shown. RAM, VRAM,
 * OAM and palette are kept (zero at power-on). */
void nespy_reset(nes_t *n) {
    cpu_t *c = &n->cpu;
    nespy_t *q = &n->np;
    c->a = c->x = c->y = 0;
    c->s = 0xFD;
    c->jammed = 0;
    q->p = np9(n) ? np_rev(0x34) : NP_ONE | NP_D | NP_I; /* both set their status byte to $34 */
    q->skip = 0;
    q->cycles = 0;
    c->cycle_offset -= cpu_cycles(n); /* cpu_cycles() counts nes-py's cycles from 0 */
    c->pc = np_read16(n, 0xFFFC);
    q->ctrl = 0;
    q->mask = 0x1E; /* shown; the edge flags are left unset (zero) by nes-py */
    q->vblank = 0;
    q->even_frame = 1;
    q->w = 0;
    q->v = q->t = 0;
    q->fine_x = 0;
    q->oamaddr = 0;
    q->stage = NP_PRE_RENDER;
    q->dot = q->line = 0;
    q->spr_count = 0;
    q->bg_key = 0;
    n->ppu.clock = n->cpu.master_clock - PPU_OFFSET;
}

void nespy_power(nes_t *n) {
    nespy_t *q = &n->np;
    memset(q, 0, sizeof(*q));
    q->pad_strobe = 1;
    q->ram_enabled = q->ram_writable = 1;
    q->a12_watch = np9(n) && n->cart.mapper == 4;
    memset(n->ppu.oam, 0, sizeof(n->ppu.oam));
    memset(n->ppu.fb, 0, sizeof(n->ppu.fb));
    memset(n->ppu.emph, 0, sizeof(n->ppu.emph));
    n->ppu.frame_ready = 0;
    nespy_reset(n);
}

/* The last dot this PPU ran, numbered as ppu.c numbers them (pre-render line 261) */
void nespy_position(const nes_t *n, int *line, int *dot) {
    const nespy_t *q = &n->np;
    *line = q->stage == NP_PRE_RENDER ? 261 : q->stage == NP_POST_RENDER ? 240 : q->line;
    *dot = q->dot - 1;
}

/* PPU memory as nes-py's picture bus sees it, without side effects (debuggers) */
uint8_t nespy_ppu_peek(nes_t *n, uint16_t a) { return np9(n) ? np9_peek(n, a) : np_vram_read(n, a); }
void nespy_ppu_poke(nes_t *n, uint16_t a, uint8_t v) {
    n->np.bg_key = 0;
    if (!np9(n)) { np_vram_write(n, a, v); return; }
    uint8_t watch = n->np.a12_watch;
    n->np.a12_watch = 0; /* a debugger's write is no bus access */
    np9_vram_write(n, a, v);
    n->np.a12_watch = watch;
}

/* nes-py's status byte in the 6502's order (NV-BDIZC) and back, for debuggers */
uint8_t nespy_p_to_6502(uint8_t p) {
    uint8_t r = 0;
    for (int i = 0; i < 8; i++) if (p & (1 << i)) r |= (uint8_t)(0x80 >> i);
    return r;
}

void nespy_state(state_t *st, nes_t *n) {
    nespy_t *q = &n->np;
    st_begin(st, "NSPY");
    ST_FIELD(st, n->timing);
    ST_RUN(st, nespy_t, q, skip, cycles, p, stage, dot, line, even_frame, vblank, spr0_hit, ctrl, mask,
           oamaddr, v, t, fine_x, w, buffer, palette, spr_count, spr, pad_strobe, pad_bits);
    ST_RUN(st, nespy_t, q, irq_latch, irq_counter, irq_reload, irq_enabled, a12_high, a12_lows,
           ram_enabled, ram_writable);
    st_end(st);
    if (st->mode == ST_LOAD) { /* clamp what indexes a table or drives a countdown */
        if (n->timing != NES_TIMING_NESPY && n->timing != NES_TIMING_NESPY9) n->timing = NES_TIMING_ACCURATE;
        if (q->skip < 0 || q->skip > 1024) q->skip = 0;
        q->stage &= 3;
        if (q->dot < 0 || q->dot > 342) q->dot = 0;
        if (q->line < 0 || q->line > 261) q->line = 0;
        if (q->stage == NP_RENDER && q->line > 239) q->line = 0; /* it draws into line `line` */
        q->even_frame &= 1; q->vblank &= 1; q->spr0_hit &= 1; q->fine_x &= 7; q->w &= 1;
        if (q->spr_count > 8) q->spr_count = 8;
        for (int i = 0; i < 8; i++) q->spr[i] &= 63;
        q->pad_strobe &= 1;
        q->bg_key = 0; /* nes-py 9.0.1 drops its tile cache on a restore too */
        q->irq_reload &= 1; q->irq_enabled &= 1; q->a12_high &= 1; q->ram_enabled &= 1; q->ram_writable &= 1;
        if (q->a12_lows > 8) q->a12_lows = 8;
        q->a12_watch = np9(n) && n->cart.mapper == 4;
        if (n->timing != NES_TIMING_ACCURATE) {
            /* the picture's staleness by this PPU's position (ppu.c judged it by its own; a
             * screen section, loaded after this one, overrides both) */
            ppu_t *p = &n->ppu;
            int line, dot;
            nespy_position(n, &line, &dot);
            p->screen = line > 241 || (line == 241 && dot >= 1) ? SCREEN_PENDING : SCREEN_STALE;
            if (line < 240) {
                p->screen = SCREEN_MIDFRAME;
                p->stale_frames = p->frames;
                p->stale_line = line;
                p->stale_dot = dot;
            }
        }
    }
}
