/* console.c - the CPU bus decode, controllers, the frame loop and the public API of nes.h.
 * https://www.nesdev.org/wiki/CPU_memory_map, https://www.nesdev.org/wiki/Standard_controller */
#include <stdio.h>
#include <stdlib.h>

#include "core.h"
#include "lut64.h"

/* ---- CPU bus ---- */
static inline uint8_t pad_read(nes_t *n, int i) {
    if (n->strobe) return n->pad[i] & 1; /* strobe high: the shift register keeps reloading */
    uint8_t b = n->pad_shift[i] & 1;
    n->pad_shift[i] = (uint8_t)((n->pad_shift[i] >> 1) | 0x80); /* official pads read 1 after 8 */
    return b;
}

/* OUT0 ($4016 bit 0) reaches the pads when a get cycle (odd) ends: a write on a put cycle
 * takes effect at the end of the next cycle unless that cycle writes again, so DEC $4016
 * ($41 then $40) strobes the pads only when its first write falls on a get cycle (AccuracyCoin
 * Controller Strobing). https://www.nesdev.org/wiki/Standard_controller */
static void pad_strobe_write(nes_t *n, uint8_t s) {
    uint64_t cyc = cpu_cycles(n);
    if (!(cyc & 1)) {
        n->strobe_undo_cycle = cyc;
        n->strobe_undo[0] = n->pad_shift[0];
        n->strobe_undo[1] = n->pad_shift[1];
        n->strobe_undo[2] = n->strobe;
    } else if (n->strobe_undo_cycle && cyc == n->strobe_undo_cycle + 1) {
        n->pad_shift[0] = n->strobe_undo[0];
        n->pad_shift[1] = n->strobe_undo[1];
        n->strobe = n->strobe_undo[2];
    }
    if (s || n->strobe) { n->pad_shift[0] = n->pad[0]; n->pad_shift[1] = n->pad[1]; }
    n->strobe = s;
}

uint8_t bus_read(nes_t *n, uint16_t a) {
    uint8_t v;
    if (a >= 0x8000) {
        v = n->cart.prg[n->cart.prg_map[(a >> 13) & 3] + (a & 0x1FFF)];
    } else if (a < 0x2000) {
        v = n->ram[a & 0x7FF];
    } else if (a < 0x4000) {
        ppu_sync(n);
        v = ppu_read_reg(n, a);
    } else if (a < 0x4020) {
        switch (a) {
        case 0x4015: /* SND_CHN: internal to the 2A03, bit 5 and the external bus untouched */
            return (uint8_t)(apu_read_status(n) | (n->cpu.open_bus & 0x20));
        case 0x4016:
        case 0x4017: /* JOY1/JOY2: only D0 is driven, D5-D7 are open bus */
            v = (uint8_t)((n->cpu.open_bus & 0xE0) | pad_read(n, a & 1));
            break;
        default:
            v = n->cpu.open_bus;
        }
    } else if (a < 0x6000) {
        if (n->cart.ops->cpu_read_low) {
            ppu_sync(n);
            v = n->cart.ops->cpu_read_low(n, a, n->cpu.open_bus);
        } else {
            v = n->cpu.open_bus;
        }
    } else {
        cart_t *c = &n->cart;
        if (c->wram_map >= 0) {
            v = c->prg_ram[c->wram_map + (a & c->wram_mask)];
        } else if (c->ops->cpu_read_low) { /* no RAM mapped: the board may put ROM here (FME-7) */
            ppu_sync(n);
            v = c->ops->cpu_read_low(n, a, n->cpu.open_bus);
        } else {
            v = n->cpu.open_bus;
        }
    }
    n->cpu.open_bus = v;
    return v;
}

/* A DMA unit's read (a DMC sample byte or an OAM DMA source byte) at `a`, while the 6502 is
 * halted on a read of `cpu_addr`. The 2A03's own registers ($4015-$4017; the rest of
 * $4000-$401F are write-only) are enabled by the 6502's address bus, not the DMA's: with it
 * outside $4000-$401F they do not answer (nothing else does there: open bus); with it inside,
 * they answer at every address whose low 5 bits select them, on top of the external bus. A
 * $4015 read feeds the DMA through the internal bus and leaves the external one holding the
 * external byte; a $4016/7 read drives D0-D4, the external byte keeps D5-D7. AccuracyCoin APU
 * Register Activation, DMA Bus Conflicts; https://www.nesdev.org/wiki/DMA */
uint8_t bus_read_dma(nes_t *n, uint16_t a, uint16_t cpu_addr) {
    if ((cpu_addr & 0xFFE0) != 0x4000)
        return (a & 0xFFE0) == 0x4000 ? n->cpu.open_bus : bus_read(n, a);
    uint16_t reg = (uint16_t)(0x4000 | (a & 0x1F));
    if (a == reg || reg < 0x4015 || reg > 0x4017) return bus_read(n, a);
    uint8_t ext = bus_read(n, a);
    if (reg == 0x4015) return (uint8_t)(apu_read_status(n) | (ext & 0x20));
    /* the halted read is of this same port: /OE stays low, the port sees one read, the CPU's */
    if (cpu_addr == reg) return ext;
    return n->cpu.open_bus = (uint8_t)((ext & 0xE0) | pad_read(n, reg & 1));
}

void bus_write(nes_t *n, uint16_t a, uint8_t v) {
    n->cpu.open_bus = v;
    if (a < 0x2000) {
        n->ram[a & 0x7FF] = v;
    } else if (a < 0x4000) {
        ppu_sync(n);
        ppu_write_reg(n, a, v);
    } else if (a < 0x4020) {
        if (a == 0x4014) { /* OAMDMA: the CPU halts at its next read cycle */
            n->cpu.oam_dma = 1;
            n->cpu.oam_dma_page = v;
            n->cpu.need_halt = 1;
        } else if (a == 0x4016) {
            pad_strobe_write(n, v & 1);
        } else if (a < 0x4018) {
            apu_write(n, a, v);
        }
    } else {
        cart_t *c = &n->cart;
        if (a >= 0x6000 && a < 0x8000 && c->wram_map >= 0 && c->wram_writable)
            c->prg_ram[c->wram_map + (a & c->wram_mask)] = v;
        if (c->ops->cpu_write) {
            ppu_sync(n); /* a bank or mirroring change must not reach dots already due */
            c->ops->cpu_write(n, a, v);
            if (c->ops->irq_clock || c->ops->irq_scanline) ppu_schedule(n); /* the IRQ may have moved */
        }
    }
}

/* ---- life cycle ---- */
static void power_on(nes_t *n) {
    /* Fixed power-on contents (real RAM is indeterminate; a fixed pattern keeps runs identical). */
    memset(n->ram, 0, sizeof(n->ram));
    memset(n->vram, 0, sizeof(n->vram));
    cart_t *c = &n->cart;
    if (c->prg_ram) memset(c->prg_ram, 0, c->prg_ram_size); /* volatile part only; NVRAM is kept */
    /* a trainer is loaded at $7000-$71FF (https://www.nesdev.org/wiki/INES#Trainer) */
    if (c->has_trainer && c->prg_ram && c->prg_ram_size + c->prg_nvram_size >= 0x1200) memcpy(c->prg_ram + 0x1000, c->trainer, 512);
    if (c->chr_is_ram) memset(c->chr, 0, c->chr_size);
    n->irq_lines = 0;
    n->pad[0] = n->pad[1] = n->pad_shift[0] = n->pad_shift[1] = n->strobe = 0;
    n->strobe_undo_cycle = 0;
    char err[8];
    if (c->ops->init) c->ops->init(n, err, sizeof(err));
    n->ppu_lockstep = 0;
    n->slow_cycle = n->cart.ops->cpu_clock != NULL;
    ppu_power(n);
    n->ppu_event = 0;
    apu_power(n);
    cpu_power(n);
    ppu_sync(n);
    if (n->timing != NES_TIMING_ACCURATE) nespy_power(n);
}

nes_t *nes_create(const uint8_t *rom, size_t len, int *errcode, char *err, size_t errlen) {
    nes_t *n = calloc(1, sizeof(nes_t));
    if (!n) {
        if (errcode) *errcode = NES_ERR_NOMEM;
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int r = cart_load(n, rom, len, err, errlen);
    if (r != 0) {
        if (errcode) *errcode = r == -2 ? NES_ERR_NOMEM : NES_ERR_ROM;
        cart_free(n);
        free(n);
        return NULL;
    }
    uint8_t rgb[512 * 3];
    nes_set_palette(n, rgb, nes_palette_builtin(NES_PALETTE_NESPY, rgb));
    power_on(n);
    if (errcode) *errcode = NES_OK;
    return n;
}

void nes_destroy(nes_t *n) {
    if (!n) return;
    free(n->scratch);
    free(n->scratch_mem);
    apu_free(n);
    cart_free(n);
    free(n);
}

void nes_rom_info(const nes_t *n, nes_rom_info_t *info) {
    const cart_t *c = &n->cart;
    info->mapper = c->mapper;
    info->submapper = c->submapper;
    info->nes2 = c->nes2;
    info->board = c->ops->board;
    info->prg_rom_size = c->prg_size;
    info->chr_rom_size = c->chr_rom_size;
    info->chr_ram_size = c->chr_is_ram ? c->chr_size : 0;
    info->prg_ram_size = c->prg_ram_size;
    info->prg_nvram_size = c->prg_nvram_size;
    info->battery = c->battery;
    info->mirroring = c->mirroring;
    info->has_trainer = c->has_trainer;
    info->rom_hash = c->rom_hash;
}

void nes_reset(nes_t *n) {
    if (n->timing != NES_TIMING_ACCURATE) { nespy_reset(n); return; }
    if (n->cart.ops->reset) n->cart.ops->reset(n);
    ppu_reset(n);
    apu_reset(n);
    cpu_reset(n);
    ppu_sync(n);
    ppu_schedule(n);
}

void nes_sync(nes_t *n) { ppu_sync(n); }

void nes_set_lockstep(nes_t *n, int on) {
    ppu_sync(n);
    n->ppu_lockstep = on != 0;
    n->slow_cycle = n->ppu_lockstep || n->cart.ops->cpu_clock != NULL;
    ppu_schedule(n);
}

void nes_set_picture(nes_t *n, int on) {
    ppu_sync(n); /* the dots before the change are drawn as the setting was */
    n->no_picture = on == NES_PICTURE_NEXT ? NES_PICTURE_NEXT : on == 0;
}

int nes_picture(const nes_t *n) { return n->no_picture == NES_PICTURE_NEXT ? NES_PICTURE_NEXT : !n->no_picture; }

void nes_power_cycle(nes_t *n) { power_on(n); }

int nes_set_timing(nes_t *n, int timing) {
    if (timing != NES_TIMING_ACCURATE && timing != NES_TIMING_NESPY && timing != NES_TIMING_NESPY9) return -1;
    n->timing = (uint8_t)timing;
    power_on(n);
    return 0;
}

int nes_timing(const nes_t *n) { return n->timing; }

/* ---- running ---- */
void nes_set_buttons(nes_t *n, uint8_t pad1, uint8_t pad2) {
    n->pad[0] = pad1;
    n->pad[1] = pad2;
    if (n->strobe) { n->pad_shift[0] = pad1; n->pad_shift[1] = pad2; }
}

/* NTSC: 341 dots x 262 lines x 4 master clocks (https://www.nesdev.org/wiki/Cycle_reference_chart) */
#define MASTER_CLOCKS_PER_FRAME (341u * 262u * 4u)

void nes_set_frame_grid(nes_t *n, uint32_t cycles, int64_t phase) {
    n->grid_cycles = cycles;
    n->grid_phase = phase;
}

int nes_run_frames(nes_t *n, int frames, uint8_t pad1, uint8_t pad2) {
    nes_set_buttons(n, pad1, pad2);
    apu_begin_frame(n);
    n->watchdog = 0;
    if (n->timing != NES_TIMING_ACCURATE) { /* whole nes-py frames, never a jam */
        if (frames <= 0) return 0;
        nespy_run_cycles(n, (uint64_t)frames * (n->grid_cycles ? n->grid_cycles : 29781u));
        return frames;
    }
    if (n->grid_cycles) {
        if (frames <= 0 || n->cpu.jammed) return 0;
        /* the grid point `frames` after the last one at or before the current cycle count */
        int64_t period = n->grid_cycles, since = (int64_t)cpu_cycles(n) - n->grid_phase;
        int64_t k = (since >= 0 ? since / period : -((-since + period - 1) / period)) + frames;
        int64_t target = n->grid_phase + k * period;
        cpu_run_until(n, target > 0 ? (uint64_t)target : 0);
        return n->cpu.jammed ? 0 : frames;
    }
    int done = 0;
    for (; done < frames; done++) {
        n->ppu.frame_ready = 0;
        cpu_run_frame(n, n->cpu.master_clock + (uint64_t)NES_WATCHDOG_FRAMES * MASTER_CLOCKS_PER_FRAME);
        if (!n->ppu.frame_ready) {
            if (n->cpu.jammed) return done;
            n->watchdog = 1;
            return NES_WATCHDOG_TRIPPED;
        }
    }
    return done;
}

int nes_watchdog_tripped(const nes_t *n) { return n->watchdog; }

void nes_step_instruction(nes_t *n) {
    if (n->timing != NES_TIMING_ACCURATE) nespy_step_instruction(n);
    else cpu_step(n);
}

/* ---- video ---- */
#ifdef NES_LUT64_AVX2

/* Byte j of output vector v (16 pixels make 48 bytes) is channel (16v + j) % 3 of pixel
 * (16v + j) / 3; -128 (bit 7 set) makes the shuffle write 0 there. */
#define IL(v, c, j) ((16 * (v) + (j)) % 3 == (c) ? (16 * (v) + (j)) / 3 : -128)
#define IL16(v, c) {IL(v, c, 0), IL(v, c, 1), IL(v, c, 2), IL(v, c, 3), IL(v, c, 4), IL(v, c, 5),      \
                    IL(v, c, 6), IL(v, c, 7), IL(v, c, 8), IL(v, c, 9), IL(v, c, 10), IL(v, c, 11),     \
                    IL(v, c, 12), IL(v, c, 13), IL(v, c, 14), IL(v, c, 15)}
static const int8_t RGB_INTERLEAVE[3][3][16] = { /* [channel][output vector] */
    {IL16(0, 0), IL16(1, 0), IL16(2, 0)}, {IL16(0, 1), IL16(1, 1), IL16(2, 1)}, {IL16(0, 2), IL16(1, 2), IL16(2, 2)}};

/* nes_render_rgb with AVX2, 32 pixels a step: each channel of a 6-bit index is looked up in the
 * line's 64 colours, one lut64 table per channel, then the three channels are interleaved into
 * RGB. The same bytes as the scalar loop. */
__attribute__((target("avx2"))) static void render_rgb_avx2(const nes_t *n, uint8_t *out) {
    const uint8_t *fb = n->ppu.fb;
    nes_lut64_t tab[3];
    __m256i il[3][3];
    for (int c = 0; c < 3; c++)
        for (int v = 0; v < 3; v++)
            il[c][v] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)RGB_INTERLEAVE[c][v]));
    int emph = -1;
    for (int y = 0; y < NES_HEIGHT; y++) {
        if (n->ppu.emph[y] != emph) { /* the line's 64 colours, one table per channel */
            emph = n->ppu.emph[y];
            const uint32_t *pal = &n->rgb32[emph << 6];
            uint8_t ch[3][64];
            for (int i = 0; i < 64; i++) {
                ch[0][i] = (uint8_t)pal[i];
                ch[1][i] = (uint8_t)(pal[i] >> 8);
                ch[2][i] = (uint8_t)(pal[i] >> 16);
            }
            for (int c = 0; c < 3; c++) nes_lut64_load(&tab[c], ch[c]);
        }
        const uint8_t *row = fb + y * NES_WIDTH;
        for (int x = 0; x < NES_WIDTH; x += 32, out += 96) {
            /* fb holds indices 0-63 (palette RAM keeps 6 bits) */
            const nes_lut64_keys_t k = nes_lut64_keys(_mm256_loadu_si256((const __m256i *)(row + x)));
            __m256i chan[3];
            for (int c = 0; c < 3; c++) chan[c] = nes_lut64_get(&tab[c], &k);
            for (int v = 0; v < 3; v++) { /* lane 0: pixels x..x+15, lane 1: x+16..x+31 */
                const __m256i o = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(chan[0], il[0][v]),
                                                                  _mm256_shuffle_epi8(chan[1], il[1][v])),
                                                  _mm256_shuffle_epi8(chan[2], il[2][v]));
                _mm_storeu_si128((__m128i *)(out + 16 * v), _mm256_castsi256_si128(o));
                _mm_storeu_si128((__m128i *)(out + 48 + 16 * v), _mm256_extracti128_si256(o, 1));
            }
        }
    }
}
#endif

void nes_render_rgb(const nes_t *n, uint8_t *out) {
    /* callers sync first (nes_sync) when they stepped by instructions */
#ifdef NES_LUT64_AVX2
    if (__builtin_cpu_supports("avx2")) {
        render_rgb_avx2(n, out);
        return;
    }
#endif
    const uint8_t *fb = n->ppu.fb;
    for (int y = 0; y < NES_HEIGHT; y++) {
        /* fb holds 6-bit indices (palette RAM keeps 6 bits) and emph 3 bits: no masking */
        const uint32_t *pal = &n->rgb32[n->ppu.emph[y] << 6];
        const uint8_t *row = fb + y * NES_WIDTH;
        /* eight pixels (24 bytes) as three 8-byte stores */
        for (int x = 0; x < NES_WIDTH; x += 8, out += 24) {
            uint64_t q, c[8];
            memcpy(&q, row + x, 8);
            for (int i = 0; i < 8; i++) c[i] = pal[(q >> (8 * i)) & 0xFF];
            uint64_t w0 = c[0] | c[1] << 24 | c[2] << 48;
            uint64_t w1 = c[2] >> 16 | c[3] << 8 | c[4] << 32 | c[5] << 56;
            uint64_t w2 = c[5] >> 8 | c[6] << 16 | c[7] << 40;
            memcpy(out, &w0, 8);
            memcpy(out + 8, &w1, 8);
            memcpy(out + 16, &w2, 8);
        }
    }
}

const uint8_t *nes_framebuffer(const nes_t *n) { return n->ppu.fb; }
const uint8_t *nes_emphasis(const nes_t *n) { return n->ppu.emph; }
const uint8_t *nes_palette_rgb(const nes_t *n) { return &n->rgb_palette[0][0]; }
/* ---- memory access without side effects ---- */
uint8_t *nes_ram(nes_t *n) { return n->ram; }

uint8_t nes_peek(nes_t *n, uint16_t a) {
    cart_t *c = &n->cart;
    if (a < 0x2000) return n->ram[a & 0x7FF];
    if (a >= 0x8000) return c->prg[c->prg_map[(a >> 13) & 3] + (a & 0x1FFF)];
    if (a >= 0x6000) return c->wram_map >= 0 ? c->prg_ram[c->wram_map + (a & c->wram_mask)] : 0;
    return 0; /* registers are not read without their side effects */
}

void nes_poke(nes_t *n, uint16_t a, uint8_t v) {
    cart_t *c = &n->cart;
    if (a < 0x2000) n->ram[a & 0x7FF] = v;
    else if (a >= 0x6000 && a < 0x8000 && c->wram_map >= 0) c->prg_ram[c->wram_map + (a & c->wram_mask)] = v;
}

uint8_t nes_ppu_peek(nes_t *n, uint16_t a) {
    if (n->timing != NES_TIMING_ACCURATE) return nespy_ppu_peek(n, a);
    ppu_sync(n); /* MMC2/MMC4 switch CHR banks as the PPU fetches */
    return ppu_peek_mem(n, a);
}

void nes_ppu_position(nes_t *n, int *scanline, int *dot) {
    ppu_sync(n);
    *scanline = n->ppu.scanline;
    *dot = n->ppu.dot;
    if (n->timing != NES_TIMING_ACCURATE) nespy_position(n, scanline, dot);
}

uint64_t nes_frame_count(const nes_t *n) { return n->ppu.frames; }
int nes_jammed(const nes_t *n) { return n->cpu.jammed; }

void nes_get_regs(const nes_t *n, nes_regs_t *r) {
    r->pc = n->cpu.pc; r->a = n->cpu.a; r->x = n->cpu.x; r->y = n->cpu.y;
    r->p = n->timing != NES_TIMING_ACCURATE ? nespy_p_to_6502(n->np.p) : n->cpu.p;
    r->sp = n->cpu.s; r->cycles = cpu_cycles(n);
}

void nes_set_regs(nes_t *n, const nes_regs_t *r) {
    n->cpu.pc = r->pc; n->cpu.a = r->a; n->cpu.x = r->x; n->cpu.y = r->y;
    n->cpu.p = (uint8_t)((r->p & ~FLAG_B) | FLAG_U); n->cpu.s = r->sp; n->cpu.cycle_offset += r->cycles - cpu_cycles(n);
    if (n->timing != NES_TIMING_ACCURATE) n->np.p = nespy_p_to_6502(r->p);
}

int nes_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a == 0x4014) return -1;
    bus_write(n, a, v);
    return NES_OK;
}

void nes_ppu_poke(nes_t *n, uint16_t a, uint8_t v) {
    if (n->timing != NES_TIMING_ACCURATE) { nespy_ppu_poke(n, a, v); return; }
    ppu_sync(n);
    ppu_poke_mem(n, a, v);
}

void nes_get_ppu_regs(nes_t *n, nes_ppu_regs_t *r) {
    ppu_sync(n);
    const ppu_t *p = &n->ppu;
    r->ctrl = p->ctrl; r->mask = p->mask; r->status = p->status; r->oamaddr = p->oamaddr;
    r->v = p->v; r->t = p->t; r->x = p->x; r->w = p->w;
    r->read_buffer = p->read_buffer; r->io_latch = p->io_latch;
    if (n->timing != NES_TIMING_ACCURATE) {
        const nespy_t *q = &n->np;
        r->ctrl = q->ctrl; r->mask = q->mask; r->status = (uint8_t)(q->spr0_hit << 6 | q->vblank << 7);
        r->oamaddr = q->oamaddr; r->v = q->v; r->t = q->t; r->x = q->fine_x; r->w = q->w;
        r->read_buffer = q->buffer; r->io_latch = 0;
    }
}

void nes_set_ppu_regs(nes_t *n, const nes_ppu_regs_t *r) {
    ppu_sync(n);
    ppu_t *p = &n->ppu;
    /* PPUSTATUS first: with vblank set, enabling NMI in PPUCTRL raises it as on hardware */
    p->status = (uint8_t)((p->status & 0x1F) | (r->status & 0xE0));
    ppu_write_reg(n, 0x2001, r->mask);
    ppu_write_reg(n, 0x2000, r->ctrl);
    p->oamaddr = r->oamaddr;
    p->v = r->v & 0x7FFF;
    p->t = r->t & 0x7FFF;
    p->x = r->x & 7;
    p->w = r->w & 1;
    p->read_buffer = r->read_buffer;
    p->io_latch = r->io_latch;
    ppu_schedule(n);
}

uint8_t *nes_oam(nes_t *n) { return n->ppu.oam; }

uint8_t *nes_vram(nes_t *n, size_t *size) {
    ppu_sync(n);
    *size = sizeof(n->vram);
    return n->vram;
}

uint8_t *nes_prg_ram(nes_t *n, size_t *size) {
    *size = n->cart.prg_ram_size + n->cart.prg_nvram_size;
    return n->cart.prg_ram;
}

void nes_set_audio(nes_t *n, int enabled, int sample_rate) { apu_set_output(n, enabled, sample_rate); }

const float *nes_audio(const nes_t *n, size_t *count) {
    *count = n->apu.sample_count;
    return n->apu.samples;
}

/* ---- save state: the console's own section (RAM, VRAM, IRQ lines, controllers); the blob's
 * format (header, section order, checks) lives in state.c */
void console_state(state_t *st, nes_t *n) {
    st_begin(st, "MAIN");
    ST_ARRAY(st, n->ram);
    ST_ARRAY(st, n->vram);
    ST_RUN(st, nes_t, n, irq_lines, pad, pad_shift, strobe);
    st_end(st);
    if (st->mode == ST_LOAD) {
        n->irq_lines &= NES_IRQ_FRAME | NES_IRQ_DMC | NES_IRQ_MAPPER;
        n->strobe &= 1;
        n->strobe_undo_cycle = 0;
    }
}

int nes_screen_valid(const nes_t *n) {
    return !n->ppu.undrawn_lines && nes_line_scroll_valid(n);
}

int nes_line_scroll_valid(const nes_t *n) {
    const ppu_t *p = &n->ppu;
    if (p->screen == SCREEN_MIDFRAME) { /* loaded at (stale_line, stale_dot) of lines 0-239 */
        uint32_t since = p->frames - p->stale_frames;
        int line = p->scanline, dot = p->dot;
        if (n->timing != NES_TIMING_ACCURATE) nespy_position(n, &line, &dot);
        return since >= 2 || (since == 1 && line < 241 &&
                              (line > p->stale_line || (line == p->stale_line && dot > p->stale_dot)));
    }
    return p->screen == SCREEN_VALID;
}

uint64_t nes_cpu_cycles(const nes_t *n) { return cpu_cycles(n); }
