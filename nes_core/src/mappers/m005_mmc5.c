/* m005_mmc5.c - mapper 5, Nintendo MMC5 (ExROM boards), with its expansion audio.
 * https://www.nesdev.org/wiki/MMC5, https://www.nesdev.org/wiki/MMC5_audio
 *   $5000-$5007  two pulse channels as the APU's ($4000-$4007) without sweep; $5015 enables
 *                them and reads their length status; envelopes and lengths are clocked at a
 *                fixed 240 Hz. $5011: 8-bit PCM (write mode; a 0 write is ignored)
 *   $5100/$5101  PRG mode (32/16/16+8/8 KiB) and CHR mode (8/4/2/1 KiB)
 *   $5102/$5103  PRG RAM write protect: writable only while they hold 2 and 1
 *   $5104        ExRAM mode: 0 nametable, 1 extended attributes, 2 CPU RAM, 3 CPU ROM
 *   $5105        nametable source per quadrant: CIRAM page 0/1, ExRAM, fill mode
 *   $5106/$5107  fill-mode tile and palette
 *   $5113-$5117  PRG banks: $6000 RAM bank, $8000-$FFFF per PRG mode
 *   $5120-$5127  CHR set A (sprites), $5128-$512B set B (background with 8x16 sprites); the
 *                set written last serves 8x8 sprites, the background with them, and $2007
 *   $5130        upper CHR bank bits
 *   $5200-$5202  vertical split: control (enable, right side, tile), scroll, 4 KiB CHR bank
 *   $5203/$5204  scanline IRQ compare; enable (write) / pending, in-frame (read, acknowledges)
 *   $5205/$5206  8x8-bit multiplier (write factors, read the product)
 *   $5C00-$5FFF  ExRAM
 * ExRAM is kept in the console's VRAM at $800 (the 2 KiB four-screen boards use; MMC5 has no
 * four-screen mode), so it is saved with it and nametable mapping through the page tables
 * works for $2007; $C00 is a scratch page the fill-mode quadrants point at.
 * PPU side (ppu_fetch hook): the board answers every rendering fetch, which gives extended
 * attributes (per-tile palette and 4 KiB CHR bank from ExRAM), the split (tiles left or right
 * of the threshold fetched from ExRAM with their own vertical scroll and CHR bank), fill mode,
 * the A/B CHR sets, and scanline detection: the nametable fetch at dot 339 of line L - 1
 * starts line L (the in-frame flag is set at line 0, the counter equals L on line L; compare
 * values 1-239 raise the IRQ at their line).
 * Not emulated: PRG RAM mapped into $8000-$DFFF (the bank's ROM is read), PCM read mode and
 * its IRQ, the ExRAM write rule of modes 0/1 outside rendering. */
#include "../apu_internal.h"
#include "board.h"

#define EXRAM 0x800 /* offset of ExRAM in nes->vram */
#define FILL_PAGE 0xC00

typedef struct {
    apu_env_t env;
    uint16_t period, timer; /* timer: CPU cycles to the next sequencer step */
    uint8_t duty, pos, len, halt;
} mmc5_pulse_t;

typedef struct {
    mmc5_pulse_t pulse[2];
    uint16_t chr_a[8], chr_b[4]; /* 10-bit bank numbers ($5130 bits 0-1 as they were) */
    uint16_t frame_timer;        /* CPU cycles to the next 240 Hz clock */
    uint8_t prg_mode, chr_mode, protect[2], exram_mode, nt_ctl, fill_tile, fill_attr;
    uint8_t prg[5];              /* $5113-$5117 */
    uint8_t chr_upper, last_b;   /* $5130; the last CHR register written was of set B */
    uint8_t split_ctl, split_scroll, split_bank;
    uint8_t irq_compare, irq_enabled, irq_pending, in_frame, line;
    uint8_t mul_a, mul_b;
    uint8_t pcm, audio_enable;
    uint8_t tile_ext;            /* this tile's ExRAM byte (extended attributes) */
    uint8_t tile_split;          /* this tile comes from the split, with fine Y split_fine */
    uint8_t split_fine;
} mmc5_t;
BOARD_STATE_FITS(mmc5_t);

#define FRAME_PERIOD 7457 /* CPU cycles of the 240 Hz clock */

/* ---- banking ---- */
static void mmc5_update_prg(nes_t *n, mmc5_t *m) {
    const uint8_t *r = &m->prg[1]; /* $5114-$5117; bit 7 (ROM/RAM) is ignored: ROM is read */
    switch (m->prg_mode & 3) {
    case 0: cart_map_prg32(n, (r[3] & 0x7F) >> 2); break;
    case 1: cart_map_prg16(n, 0, (r[1] & 0x7F) >> 1); cart_map_prg16(n, 1, (r[3] & 0x7F) >> 1); break;
    case 2:
        cart_map_prg16(n, 0, (r[1] & 0x7F) >> 1);
        cart_map_prg8(n, 2, r[2] & 0x7F);
        cart_map_prg8(n, 3, r[3] & 0x7F);
        break;
    default:
        for (int i = 0; i < 4; i++) cart_map_prg8(n, i, r[i] & 0x7F);
    }
}

static void mmc5_update_wram(nes_t *n, mmc5_t *m) {
    int writable = (m->protect[0] & 3) == 2 && (m->protect[1] & 3) == 1;
    board_map_wram(n, 1, writable, m->prg[0] & 7);
}

/* The 1 KiB CHR bank in slot 0-7 of set A (b = 0) or B (b = 1), per the CHR mode. */
static uint32_t mmc5_chr_bank(const mmc5_t *m, int b, int slot) {
    switch (m->chr_mode & 3) {
    case 0: return (uint32_t)(b ? m->chr_b[3] : m->chr_a[7]) * 8 + (uint32_t)slot;
    case 1: return (uint32_t)(b ? m->chr_b[3] : m->chr_a[(slot & 4) | 3]) * 4 + (uint32_t)(slot & 3);
    case 2: return (uint32_t)(b ? m->chr_b[(slot & 2) | 1] : m->chr_a[slot | 1]) * 2 + (uint32_t)(slot & 1);
    default: return b ? m->chr_b[slot & 3] : m->chr_a[slot];
    }
}

static inline uint32_t mmc5_chr_off(const nes_t *n, uint32_t bank1k) {
    return (bank1k * 0x400u) % n->cart.chr_size;
}

static void mmc5_update_chr(nes_t *n, mmc5_t *m) {
    for (int i = 0; i < 8; i++) n->cart.chr_map[i] = mmc5_chr_off(n, mmc5_chr_bank(m, m->last_b, i));
}

static void mmc5_update_nt(nes_t *n, mmc5_t *m) {
    static const uint16_t SRC[4] = {0, 0x400, EXRAM, FILL_PAGE};
    for (int q = 0; q < 4; q++) n->cart.nt_map[q] = SRC[(m->nt_ctl >> (2 * q)) & 3];
}

/* ---- audio ---- */
static void mmc5_mix(nes_t *n, mmc5_t *m) {
    const apu_t *a = &n->apu;
    unsigned p = 0;
    for (int i = 0; i < 2; i++) {
        const mmc5_pulse_t *c = &m->pulse[i];
        if (c->len && apu_duty_wave[c->duty & 3][c->pos & 7]) p += apu_env_volume(&c->env);
    }
    /* the pulses as the APU's (non-linear), the PCM as loud as the DMC's range; both inverted */
    float level = -(a->pulse_mix[p] + (float)m->pcm * a->tnd_mix[127] / 255.0f);
    apu_set_expansion(n, level);
}

static void mmc5_pulse_write(mmc5_pulse_t *c, int reg, uint8_t v, int enabled) {
    switch (reg) {
    case 0:
        c->duty = v >> 6;
        c->halt = (v >> 5) & 1;
        c->env.loop = c->halt;
        c->env.constant = (v >> 4) & 1;
        c->env.volume = v & 15;
        break;
    case 2: c->period = (uint16_t)((c->period & 0x700) | v); break;
    case 3:
        c->period = (uint16_t)((c->period & 0xFF) | ((v & 7) << 8));
        if (enabled) c->len = apu_length_table[v >> 3];
        c->pos = 0;
        c->env.start = 1;
        break;
    }
}

static void mmc5_clock(nes_t *n) {
    mmc5_t *m = BOARD(mmc5_t, n);
    int changed = 0;
    for (int i = 0; i < 2; i++) {
        mmc5_pulse_t *c = &m->pulse[i];
        if (--c->timer == 0) {
            c->timer = (uint16_t)(2 * (c->period + 1));
            c->pos = (uint8_t)((c->pos + 1) & 7);
            changed |= c->len != 0;
        }
    }
    if (--m->frame_timer == 0) {
        m->frame_timer = FRAME_PERIOD;
        for (int i = 0; i < 2; i++) {
            mmc5_pulse_t *c = &m->pulse[i];
            apu_env_clock(&c->env);
            if (c->len && !c->halt) c->len--;
        }
        changed = 1;
    }
    if (changed) mmc5_mix(n, m);
}

/* ---- CPU side ---- */
static int mmc5_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    mmc5_t *m = BOARD(mmc5_t, n);
    m->prg_mode = 3;
    m->chr_mode = 3;
    memset(m->prg + 1, 0xFF, 4); /* $5117 = $FF at power-on: the last bank holds the vectors */
    for (int i = 0; i < 8; i++) m->chr_a[i] = (uint16_t)i;
    for (int i = 0; i < 4; i++) m->chr_b[i] = (uint16_t)i;
    m->frame_timer = FRAME_PERIOD;
    m->pulse[0].timer = m->pulse[1].timer = 2;
    mmc5_update_prg(n, m);
    mmc5_update_wram(n, m);
    mmc5_update_chr(n, m);
    mmc5_update_nt(n, m);
    memset(n->vram + FILL_PAGE, 0, 0x400);
    return 0;
}

static void mmc5_write(nes_t *n, uint16_t a, uint8_t v) {
    mmc5_t *m = BOARD(mmc5_t, n);
    if (a >= 0x5C00 && a < 0x6000) {
        if (m->exram_mode != 3) n->vram[EXRAM + (a & 0x3FF)] = v;
        return;
    }
    if (a >= 0x5000 && a < 0x5008) {
        mmc5_pulse_write(&m->pulse[(a >> 2) & 1], a & 3, v, (m->audio_enable >> ((a >> 2) & 1)) & 1);
        mmc5_mix(n, m);
        return;
    }
    if (a >= 0x5120 && a < 0x512C) {
        uint16_t bank = (uint16_t)(((m->chr_upper & 3) << 8) | v);
        if (a < 0x5128) m->chr_a[a - 0x5120] = bank;
        else m->chr_b[a - 0x5128] = bank;
        m->last_b = a >= 0x5128;
        mmc5_update_chr(n, m);
        return;
    }
    if (a >= 0x5113 && a < 0x5118) {
        m->prg[a - 0x5113] = v;
        if (a == 0x5113) mmc5_update_wram(n, m);
        else mmc5_update_prg(n, m);
        return;
    }
    switch (a) {
    case 0x5010: break; /* PCM mode / IRQ: read mode not emulated */
    case 0x5011:
        if (v) { m->pcm = v; mmc5_mix(n, m); }
        break;
    case 0x5015:
        m->audio_enable = v & 3;
        for (int i = 0; i < 2; i++)
            if (!(v >> i & 1)) m->pulse[i].len = 0;
        mmc5_mix(n, m);
        break;
    case 0x5100: m->prg_mode = v & 3; mmc5_update_prg(n, m); break;
    case 0x5101: m->chr_mode = v & 3; mmc5_update_chr(n, m); break;
    case 0x5102: m->protect[0] = v; mmc5_update_wram(n, m); break;
    case 0x5103: m->protect[1] = v; mmc5_update_wram(n, m); break;
    case 0x5104: m->exram_mode = v & 3; break;
    case 0x5105: m->nt_ctl = v; mmc5_update_nt(n, m); break;
    case 0x5106: m->fill_tile = v; break;
    case 0x5107: m->fill_attr = v & 3; break;
    case 0x5130: m->chr_upper = v & 3; break;
    case 0x5200: m->split_ctl = v; break;
    case 0x5201: m->split_scroll = v; break;
    case 0x5202: m->split_bank = v; break;
    case 0x5203: m->irq_compare = v; break;
    case 0x5204:
        m->irq_enabled = v >> 7;
        if (m->irq_enabled && m->irq_pending) n->irq_lines |= NES_IRQ_MAPPER;
        else n->irq_lines &= (uint8_t)~NES_IRQ_MAPPER;
        break;
    case 0x5205: m->mul_a = v; break;
    case 0x5206: m->mul_b = v; break;
    }
}

static uint8_t mmc5_read_low(nes_t *n, uint16_t a, uint8_t open_bus) {
    mmc5_t *m = BOARD(mmc5_t, n);
    if (a >= 0x5C00 && a < 0x6000) return m->exram_mode >= 2 ? n->vram[EXRAM + (a & 0x3FF)] : open_bus;
    switch (a) {
    case 0x5015: return (uint8_t)((m->pulse[0].len ? 1 : 0) | (m->pulse[1].len ? 2 : 0));
    case 0x5204: {
        const ppu_t *p = &n->ppu;
        int in_frame = m->in_frame && p->rendering && p->scanline < 240;
        uint8_t v = (uint8_t)((m->irq_pending << 7) | (in_frame << 6));
        m->irq_pending = 0;
        n->irq_lines &= (uint8_t)~NES_IRQ_MAPPER;
        return v;
    }
    case 0x5205: return (uint8_t)(m->mul_a * m->mul_b);
    case 0x5206: return (uint8_t)((m->mul_a * m->mul_b) >> 8);
    }
    return open_bus;
}

/* ---- PPU side ---- */
/* Line L starts: the counter follows the line, the compare value raises the IRQ. */
static void mmc5_new_line(nes_t *n, mmc5_t *m, int line) {
    if (line == 0) {
        m->in_frame = 1;
        m->line = 0;
        return;
    }
    if (line >= 240) {
        m->in_frame = 0;
        return;
    }
    m->line = (uint8_t)line;
    if (m->in_frame && m->line == m->irq_compare) {
        m->irq_pending = 1;
        if (m->irq_enabled) n->irq_lines |= NES_IRQ_MAPPER;
    }
}

static uint8_t mmc5_fetch(nes_t *n, uint16_t a) {
    mmc5_t *m = BOARD(mmc5_t, n);
    const ppu_t *p = &n->ppu;
    const int d = p->dot;
    const uint8_t *vram = n->vram;
    if (a >= 0x2000) {
        const int q = (a >> 10) & 3, src = (m->nt_ctl >> (2 * q)) & 3;
        const int attr = d < 337 && ((d - 1) & 7) == 2;
        if (d == 339) mmc5_new_line(n, m, p->scanline == 261 ? 0 : p->scanline + 1);
        if (d == 339 && m->tile_split) /* the fetch the third tile's number comes from */
            return vram[EXRAM + ((m->split_fine >> 3) << 5) + 2];
        if (attr) {
            if (m->tile_split) {
                int y = m->split_fine; /* ExRAM's attribute table, at the split's row */
                int t = (d >= 321 ? (d - 321) >> 3 : ((d - 1) >> 3) + 2) & 31;
                uint8_t at = vram[EXRAM + 0x3C0 + ((y >> 5) << 3) + (t >> 2)];
                return (uint8_t)(((at >> (((y >> 2) & 4) | (t & 2))) & 3) * 0x55);
            }
            if (m->exram_mode == 1) return (uint8_t)((m->tile_ext >> 6) * 0x55);
        } else if (d <= 337) {
            /* a tile's nametable fetch: decide whether it comes from the split */
            int t = d >= 321 ? (d - 321) >> 3 : ((d - 1) >> 3) + 2; /* tile 0-33 of the line */
            m->tile_split = 0;
            if ((m->split_ctl & 0x80) && m->exram_mode <= 1 && t < 34) {
                int edge = m->split_ctl & 0x1F, tt = t & 31;
                if ((m->split_ctl & 0x40) ? tt >= edge : tt < edge) {
                    int line = d >= 321 ? (p->scanline == 261 ? 0 : p->scanline + 1) : p->scanline;
                    int y = (m->split_scroll + line) % 240;
                    m->tile_split = 1;
                    m->split_fine = (uint8_t)y;
                    return vram[EXRAM + ((y >> 3) << 5) + tt];
                }
            }
            if (m->exram_mode == 1) m->tile_ext = vram[EXRAM + (a & 0x3FF)];
        }
        if (src == 3) return (a & 0x3FF) >= 0x3C0 ? (uint8_t)(m->fill_attr * 0x55) : m->fill_tile;
        if (src == 2 && m->exram_mode >= 2) return 0;
        return vram[n->cart.nt_map[q] + (a & 0x3FF)];
    }
    const uint8_t *chr = n->cart.chr;
    const int sprite = d >= 257 && d <= 320;
    if (!sprite) {
        if (m->tile_split) { /* 4 KiB bank $5202, fine Y from the split's scroll */
            uint32_t off = (uint32_t)m->split_bank * 0x1000u + (a & 0xFF8) + (m->split_fine & 7);
            return chr[off % n->cart.chr_size];
        }
        if (m->exram_mode == 1) {
            uint32_t bank4k = (uint32_t)(m->tile_ext & 0x3F) | ((uint32_t)m->chr_upper << 6);
            return chr[(bank4k * 0x1000u + (a & 0xFFF)) % n->cart.chr_size];
        }
    }
    if (p->ctrl & PPUCTRL_SPRITE_SIZE) /* 8x16 sprites: sprites from set A, the background from set B */
        return chr[mmc5_chr_off(n, mmc5_chr_bank(m, !sprite, (a >> 10) & 7)) + (a & 0x3FF)];
    return chr[n->cart.chr_map[(a >> 10) & 7] + (a & 0x3FF)];
}

static int mmc5_irq_scanline(nes_t *n) {
    const mmc5_t *m = BOARD(mmc5_t, n);
    if (!m->irq_enabled || m->irq_pending) return -1;
    return m->irq_compare >= 1 && m->irq_compare < 240 ? m->irq_compare : -1;
}

static void mmc5_state(state_t *st, nes_t *n) {
    if (st->mode != ST_LOAD) return;
    mmc5_t *m = BOARD(mmc5_t, n);
    for (int i = 0; i < 2; i++) {
        mmc5_pulse_t *c = &m->pulse[i];
        c->period &= 0x7FF;
        if (c->timer == 0 || c->timer > 2 * (c->period + 1)) c->timer = (uint16_t)(2 * (c->period + 1));
        c->duty &= 3; c->pos &= 7; c->halt &= 1;
        c->env.volume &= 15; c->env.decay &= 15; c->env.divider &= 15;
    }
    if (m->frame_timer == 0 || m->frame_timer > FRAME_PERIOD) m->frame_timer = FRAME_PERIOD;
    for (int i = 0; i < 8; i++) m->chr_a[i] &= 0x3FF;
    for (int i = 0; i < 4; i++) m->chr_b[i] &= 0x3FF;
    m->exram_mode &= 3; m->fill_attr &= 3; m->chr_upper &= 3; m->last_b &= 1;
    m->prg_mode &= 3; m->chr_mode &= 3; m->tile_split &= 1; m->audio_enable &= 3;
    /* the page tables follow from the registers */
    mmc5_update_prg(n, m);
    mmc5_update_wram(n, m);
    mmc5_update_chr(n, m);
    mmc5_update_nt(n, m);
    unsigned p = 0;
    for (int i = 0; i < 2; i++) {
        const mmc5_pulse_t *c = &m->pulse[i];
        if (c->len && apu_duty_wave[c->duty][c->pos]) p += apu_env_volume(&c->env);
    }
    n->apu.ext_level = -(n->apu.pulse_mix[p] + (float)m->pcm * n->apu.tnd_mix[127] / 255.0f);
}

const mapper_ops_t mapper_mmc5 = {5, "MMC5/ExROM", {0x2000, 0x0400, 0}, mmc5_init, NULL, mmc5_write, mmc5_read_low,
                                  NULL, mmc5_clock, mmc5_state, NULL, mmc5_fetch, mmc5_irq_scanline};
