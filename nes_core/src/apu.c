/* apu.c - the 2A03 APU's frame counter, $4015 status, register dispatch, power/reset, and the
 * audio output: non-linear mixer, resampling, the console's filters.
 * https://www.nesdev.org/wiki/APU, https://www.nesdev.org/wiki/APU_Frame_Counter,
 * https://www.nesdev.org/wiki/APU_Mixer
 * Cost model: per CPU cycle the APU counts the frame sequencer and the DMC timer (both are
 * visible to the CPU through IRQs and DMA); the channel timers, the mixer and the resampler run
 * only while audio output is on. */
#include <stdlib.h>

#include "apu_internal.h"

const uint8_t apu_length_table[32] = {
    10, 254, 20, 2, 40, 4, 80, 6, 160, 8, 60, 10, 14, 12, 26, 14,
    12, 16, 24, 18, 48, 20, 96, 22, 192, 24, 72, 26, 16, 28, 32, 30,
};

/* Frame sequencer steps, in CPU cycles after the sequence (re)starts (NTSC). Steps 0 and 2
 * clock the quarter-frame units, 1 and 4 the quarter- and half-frame units; in 4-step mode the
 * frame flag is set on each of the last three (29828-29830), so a $4015 read that clears it on
 * the first can see it again (blargg apu_test 3-irq_flag, 6-irq_flag_timing). The first two
 * set it even while the IRQ is inhibited; the last sets it only if not (so an inhibited
 * counter shows the flag in $4015 for two cycles without raising the IRQ: AccuracyCoin). */
static const uint32_t fc_steps[2][6] = {
    {7457, 14913, 22371, 29828, 29829, 29830},
    {7457, 14913, 22371, 29829, 37281, 37282},
};

static void apu_sync(apu_t *a);

/* ---- length counter and envelope ---- */
void apu_length_write_halt(apu_t *a, apu_length_t *l, int halt) {
    l->halt_new = (uint8_t)halt;
    a->pending |= APU_PEND_LENGTH;
}

void apu_length_load(apu_t *a, apu_length_t *l, uint8_t reg) {
    if (!l->enabled) return;
    l->reload = apu_length_table[reg >> 3];
    l->reload_prev = l->counter;
    a->pending |= APU_PEND_LENGTH;
}

static void length_apply(apu_length_t *l) {
    if (l->reload) {
        if (l->counter == l->reload_prev) l->counter = l->reload;
        l->reload = 0;
    }
    l->halt = l->halt_new;
}

void apu_env_clock(apu_env_t *e) {
    if (e->start) {
        e->start = 0;
        e->decay = 15;
        e->divider = e->volume;
    } else if (e->divider == 0) {
        e->divider = e->volume;
        if (e->decay) e->decay--;
        else if (e->loop) e->decay = 15;
    } else {
        e->divider--;
    }
}

/* ---- frame counter ---- */
static void clock_quarter(apu_t *a) {
    apu_env_clock(&a->pulse[0].env);
    apu_env_clock(&a->pulse[1].env);
    apu_env_clock(&a->noise.env);
    apu_triangle_linear_clock(&a->tri);
    a->au_dirty = 1;
}

static void clock_half(apu_t *a) {
    apu_length_clock(&a->pulse[0].len);
    apu_length_clock(&a->pulse[1].len);
    apu_length_clock(&a->tri.len);
    apu_length_clock(&a->noise.len);
    apu_pulse_sweep_clock(&a->pulse[0]);
    apu_pulse_sweep_clock(&a->pulse[1]);
}

static void fc_restart(apu_t *a) {
    a->fc_step = 0;
    a->fc_cycle = 0;
    a->fc_next = fc_steps[a->frame_mode & 1][0];
}

/* The frame flag, and the IRQ line it drives unless inhibited. */
static void frame_flag_set(nes_t *n, int on) {
    apu_t *a = &n->apu;
    a->frame_flag = (uint8_t)(on != 0);
    if (a->frame_flag && !a->irq_inhibit) n->irq_lines |= NES_IRQ_FRAME;
    else n->irq_lines &= (uint8_t)~NES_IRQ_FRAME;
}

static void fc_step(nes_t *n) {
    apu_t *a = &n->apu;
    unsigned s = a->fc_step;
    if (!a->frame_mode && s >= 3) frame_flag_set(n, s < 5 || !a->irq_inhibit);
    /* a clock right after a $4017 write's own clock is swallowed (and vice versa) */
    if (s != 3 && s != 5 && !a->fc_block) {
        clock_quarter(a);
        if (s == 1 || s == 4) clock_half(a);
        a->fc_block = 2;
        a->pending |= APU_PEND_FRAME;
    }
    if (++s == 6) {
        s = 0;
        a->fc_cycle = 0;
    }
    a->fc_step = (uint8_t)s;
    a->fc_next = fc_steps[a->frame_mode & 1][s];
}

/* After the cycle's sequencer step: a $4017 write counting down its 3-4 cycle delay (then the
 * sequence restarts, and the 5-step mode clocks every unit at once), and length counter
 * writes of the previous cycle. */
static void apu_pending(nes_t *n) {
    apu_t *a = &n->apu;
    if (a->pending & APU_PEND_FRAME) {
        if (a->fc_delay && --a->fc_delay == 0) {
            a->frame_mode = a->fc_new >> 7;
            fc_restart(a);
            if (a->frame_mode && !a->fc_block) {
                clock_quarter(a);
                clock_half(a);
                a->fc_block = 2;
            }
        }
        if (a->fc_block) a->fc_block--;
        if (!a->fc_delay && !a->fc_block) a->pending &= (uint8_t)~APU_PEND_FRAME;
    }
    if (a->pending & APU_PEND_LENGTH) {
        length_apply(&a->pulse[0].len);
        length_apply(&a->pulse[1].len);
        length_apply(&a->tri.len);
        length_apply(&a->noise.len);
        a->pending &= (uint8_t)~APU_PEND_LENGTH;
    }
}

/* ---- audio output ---- */
/* Non-linear mixer (https://www.nesdev.org/wiki/APU_Mixer) through its two lookup tables:
 * pulse_mix[p1 + p2] + tnd_mix[3 * triangle + 2 * noise + dmc], 0 .. ~1.0 */
static void mix_tables(apu_t *a) {
    a->pulse_mix[0] = a->tnd_mix[0] = 0.0f;
    for (int i = 1; i < 31; i++) a->pulse_mix[i] = (float)(95.52 / (8128.0 / i + 100.0));
    for (int i = 1; i < 203; i++) a->tnd_mix[i] = (float)(163.67 / (24329.0 / i + 100.0));
}

static float mix(const apu_t *a) {
    unsigned p = (unsigned)apu_pulse_output(&a->pulse[0]) + apu_pulse_output(&a->pulse[1]);
    unsigned t = 3u * apu_triangle_output(&a->tri) + 2u * apu_noise_output(&a->noise) + a->dmc.level;
    return a->pulse_mix[p] + a->tnd_mix[t] + a->ext_level;
}

/* A channel output may have changed: close the span of the old level. */
static void au_update(apu_t *a) {
    a->au_dirty = 0;
    float level = mix(a);
    if (level != a->au_level) {
        a->au_acc += a->au_level * (float)(a->au_cycle - a->au_mark);
        a->au_mark = a->au_cycle;
        a->au_level = level;
    }
}

static void au_store(apu_t *a, float x) {
    if (a->sample_count == a->sample_cap) {
        /* grows by doubling up to APU_MAX_SAMPLES (no overflow of the count or the byte size);
         * samples past it in one nes_run_frames call are dropped */
        if (a->sample_cap >= APU_MAX_SAMPLES) return;
        uint32_t cap = a->sample_cap ? a->sample_cap * 2 : 2048;
        if (cap > APU_MAX_SAMPLES) cap = APU_MAX_SAMPLES;
        float *s = realloc(a->samples, (size_t)cap * sizeof(float));
        if (!s) return; /* out of memory: the sample is dropped, emulation goes on */
        a->samples = s;
        a->sample_cap = cap;
    }
    a->samples[a->sample_count++] = x;
}

/* The cycle in which a sample boundary falls: average the mixer output over the sample's span
 * (a box filter: the fraction of this cycle before the boundary counts), then the console's
 * first-order high-pass 90 Hz, high-pass 440 Hz and low-pass 14 kHz. */
static void au_emit(apu_t *a) {
    uint32_t c = a->au_cycle;
    uint64_t p0 = a->au_phase + (uint64_t)(a->au_count - 1) * a->au_inc; /* phase before c */
    float f_old = (float)(APU_PHASE_ONE - p0) / (float)a->au_inc;
    float acc = a->au_acc + a->au_level * ((float)(c - a->au_mark) + f_old);
    a->au_acc = a->au_level * (1.0f - f_old);
    a->au_mark = c + 1;
    a->au_phase = (uint32_t)(p0 + a->au_inc - APU_PHASE_ONE);
    a->au_count = a->au_left = (APU_PHASE_ONE - a->au_phase + a->au_inc - 1) / a->au_inc;

    float x = acc * a->au_scale;
    float y1 = a->hp90_a * (a->hp90_y + x - a->hp90_x);
    a->hp90_x = x;
    a->hp90_y = y1;
    float y2 = a->hp440_a * (a->hp440_y + y1 - a->hp440_x);
    a->hp440_x = y1;
    a->hp440_y = y2;
    a->lp14k_y += a->lp14k_a * (y2 - a->lp14k_y);
    float y = a->lp14k_y;
    au_store(a, y > 1.0f ? 1.0f : y < -1.0f ? -1.0f : y);
}

static inline void audio_tick(nes_t *n) {
    apu_t *a = &n->apu;
    a->au_cycle++;
    if (--a->pulse[0].timer == 0) apu_pulse_timer(a, &a->pulse[0]);
    if (--a->pulse[1].timer == 0) apu_pulse_timer(a, &a->pulse[1]);
    if (--a->tri.timer == 0) apu_triangle_timer(a, &a->tri);
    if (--a->noise.timer == 0) apu_noise_timer(a, &a->noise);
    if (a->au_dirty) au_update(a);
    if (--a->au_left == 0) au_emit(a);
}

/* Start the resampler at a boundary just before the next cycle; the filters start settled
 * at the present level (no click). */
static void au_restart(apu_t *a) {
    a->au_level = mix(a);
    a->au_dirty = 0;
    a->au_acc = 0.0f;
    a->au_mark = a->au_cycle + 1;
    a->au_phase = 0;
    a->au_count = a->au_left = (APU_PHASE_ONE + a->au_inc - 1) / a->au_inc;
    a->hp90_x = a->au_level;
    a->hp90_y = a->hp440_x = a->hp440_y = a->lp14k_y = 0.0f;
}

static float rc_coef(double cutoff, double rate, int lowpass) {
    double rc = 1.0 / (2.0 * 3.14159265358979323846 * cutoff), dt = 1.0 / rate;
    return (float)(lowpass ? dt / (rc + dt) : rc / (rc + dt));
}

void apu_set_output(nes_t *n, int enabled, int rate) {
    apu_t *a = &n->apu;
    if (a->wait) apu_sync(a); /* the skipped cycles count under the old setting */
    if (rate <= 0) rate = APU_RATE_DEFAULT;
    if (rate < APU_RATE_MIN) rate = APU_RATE_MIN;
    if (rate > APU_RATE_MAX) rate = APU_RATE_MAX;
    int changed = rate != a->sample_rate || (enabled != 0) != (a->audio_enabled != 0) || !a->au_inc;
    a->sample_rate = rate;
    a->audio_enabled = enabled != 0;
    a->au_inc = (uint32_t)rate * APU_PHASE_MUL;
    a->au_scale = (float)a->au_inc / (float)APU_PHASE_ONE;
    a->hp90_a = rc_coef(90.0, rate, 0);
    a->hp440_a = rc_coef(440.0, rate, 0);
    a->lp14k_a = rc_coef(14000.0, rate, 1);
    if (changed) au_restart(a);
    if (a->wait) a->wait = a->wait_len = 1;
}

void apu_set_expansion(nes_t *n, float level) {
    apu_t *a = &n->apu;
    if (level == a->ext_level) return;
    if (!a->audio_enabled) { a->ext_level = level; return; }
    apu_sync(a); /* the cycles skipped so far count at the old level */
    a->ext_level = level;
    au_update(a);
}

void apu_begin_frame(nes_t *n) { n->apu.sample_count = 0; }

void apu_free(nes_t *n) {
    free(n->apu.samples);
    n->apu.samples = NULL;
    n->apu.sample_cap = n->apu.sample_count = 0;
}

/* ---- the per-cycle tick ---- */
/* Cycles until the next thing only a per-cycle step can do: a frame sequencer step, a DMC
 * output clock, a channel timer or a sample boundary when audio is on, or every cycle while a
 * delayed write is in flight. */
static void apu_schedule(apu_t *a) {
    uint32_t w = 1;
    if (!a->pending && !a->dmc.start_delay && !a->dmc.disable_delay) {
        w = a->fc_next - a->fc_cycle;
        if (a->dmc.timer < w) w = a->dmc.timer;
        if (a->audio_enabled) {
            if (a->pulse[0].timer < w) w = a->pulse[0].timer;
            if (a->pulse[1].timer < w) w = a->pulse[1].timer;
            if (a->tri.timer < w) w = a->tri.timer;
            if (a->noise.timer < w) w = a->noise.timer;
            if (a->au_left < w) w = a->au_left;
        }
    }
    a->wait = a->wait_len = w;
}

/* k cycles in which no counter reaches its event */
static void apu_advance(apu_t *a, uint32_t k) {
    a->fc_cycle += k;
    a->dmc.timer = (uint16_t)(a->dmc.timer - k);
    if (a->audio_enabled) {
        a->au_cycle += k;
        a->au_left -= k;
        a->pulse[0].timer = (uint16_t)(a->pulse[0].timer - k);
        a->pulse[1].timer = (uint16_t)(a->pulse[1].timer - k);
        a->tri.timer = (uint16_t)(a->tri.timer - k);
        a->noise.timer = (uint16_t)(a->noise.timer - k);
    }
}

/* Bring the skipped counters up to date (before a register access, a save or a setting). */
static void apu_sync(apu_t *a) {
    uint32_t done = a->wait_len - a->wait;
    if (done) apu_advance(a, done);
    a->wait_len = a->wait;
}

/* Run the next cycle step by step from now on (after a write changed what is in flight). */
void apu_wake(apu_t *a) {
    apu_sync(a);
    a->wait = a->wait_len = 1;
}

void apu_tick_slow(nes_t *n) {
    apu_t *a = &n->apu;
    if (a->wait_len > 1) apu_advance(a, a->wait_len - 1);
    if (a->dmc.disable_delay && --a->dmc.disable_delay == 0) apu_dmc_stop(n);
    if (a->dmc.start_delay && --a->dmc.start_delay == 0) apu_dmc_request(n);
    /* a $4015 read's clear lands on the next get cycle (odd cpu_cycles, as for $4017 writes),
     * before that cycle's step: a flag the step sets again stays set */
    if ((a->pending & APU_PEND_FLAG_CLEAR) && (cpu_cycles(n) & 1)) {
        a->pending &= (uint8_t)~APU_PEND_FLAG_CLEAR;
        frame_flag_set(n, 0);
    }
    if (++a->fc_cycle >= a->fc_next) fc_step(n);
    if (a->pending) apu_pending(n);
    if (--a->dmc.timer == 0) {
        a->dmc.timer = apu_dmc_rates[a->dmc.rate_index & 15];
        apu_dmc_clock(n);
    }
    if (a->audio_enabled) audio_tick(n);
    apu_schedule(a);
}

void (apu_tick)(nes_t *n) {
    if (--n->apu.wait == 0) apu_tick_slow(n);
}

/* ---- registers ---- */
void apu_write(nes_t *n, uint16_t addr, uint8_t v) {
    apu_t *a = &n->apu;
    apu_wake(a);
    a->regs[addr - 0x4000] = v;
    if (addr < 0x4008) {
        apu_pulse_write(a, &a->pulse[(addr >> 2) & 1], addr & 3, v);
    } else if (addr < 0x400C) {
        apu_triangle_write(a, &a->tri, addr & 3, v);
        a->au_dirty = 1;
    } else if (addr < 0x4010) {
        apu_noise_write(a, &a->noise, addr & 3, v);
    } else if (addr < 0x4014) {
        apu_dmc_write(n, addr & 3, v);
    } else if (addr == 0x4015) {
        /* SND_CHN: enables; clears the DMC IRQ flag (before a sample restart could raise it) */
        n->irq_lines &= (uint8_t)~NES_IRQ_DMC;
        apu_length_t *l[4] = {&a->pulse[0].len, &a->pulse[1].len, &a->tri.len, &a->noise.len};
        for (int i = 0; i < 4; i++) {
            l[i]->enabled = (v >> i) & 1;
            if (!l[i]->enabled) l[i]->counter = 0;
        }
        apu_dmc_enable(n, (v >> 4) & 1);
        a->au_dirty = 1;
    } else if (addr == 0x4017) {
        /* The new mode takes effect 3 CPU cycles after a write on an even cycle, 4 after a
         * write on an odd one (apu_test 4-jitter); the IRQ inhibit at once. */
        a->fc_new = v;
        a->fc_delay = (cpu_cycles(n) & 1) ? 4 : 3;
        a->pending |= APU_PEND_FRAME;
        a->irq_inhibit = (v >> 6) & 1;
        frame_flag_set(n, a->frame_flag && !a->irq_inhibit);
    }
}

/* $4015 read: length counters > 0, DMC bytes left, frame and DMC IRQ flags (console.c adds
 * open-bus bit 5). The frame flag is cleared at the next get cycle, not at once: a read on a
 * get cycle followed by another (the two reads of SLO $4015,X) sees it twice (AccuracyCoin
 * Frame Counter IRQ, codes 6 and 7). */
uint8_t apu_read_status(nes_t *n) {
    apu_t *a = &n->apu;
    uint8_t s = (uint8_t)((a->pulse[0].len.counter ? 0x01 : 0) | (a->pulse[1].len.counter ? 0x02 : 0)
                          | (a->tri.len.counter ? 0x04 : 0) | (a->noise.len.counter ? 0x08 : 0)
                          | (a->dmc.bytes_left ? 0x10 : 0) | (a->frame_flag ? 0x40 : 0)
                          | ((n->irq_lines & NES_IRQ_DMC) ? 0x80 : 0));
    apu_wake(a);
    a->pending |= APU_PEND_FLAG_CLEAR;
    return s;
}

/* ---- power and reset ---- */
/* As if $4017 were written (with `v`) just before the CPU's 8-cycle reset sequence, which
 * puts the write 9-12 cycles before the first instruction (apu_reset 4017_timing). */
static void fc_power_write(apu_t *a, uint8_t v) {
    a->irq_inhibit = 0;
    a->frame_flag = 0;
    a->pending &= (uint8_t)~APU_PEND_FLAG_CLEAR;
    a->fc_new = v;
    a->fc_delay = 3;
    a->fc_block = 0;
    a->pending |= APU_PEND_FRAME;
    fc_restart(a);
}

void apu_power(nes_t *n) {
    apu_t *a = &n->apu;
    float *s = a->samples;
    uint32_t cap = a->sample_cap;
    int en = a->audio_enabled, rate = a->sample_rate;
    memset(a, 0, sizeof(*a));
    a->samples = s;
    a->sample_cap = cap;
    apu_pulse_power(&a->pulse[0], 1);
    apu_pulse_power(&a->pulse[1], 0);
    apu_triangle_power(&a->tri);
    apu_noise_power(&a->noise);
    apu_dmc_power(&a->dmc);
    mix_tables(a);
    n->irq_lines &= (uint8_t)~(NES_IRQ_FRAME | NES_IRQ_DMC);
    fc_power_write(a, 0x00);
    apu_set_output(n, en, rate);
    au_restart(a);
    a->wait = a->wait_len = 1;
}

/* RESET: $4015 = 0 (all channels off, DMC IRQ flag cleared), the frame IRQ flag cleared, the
 * length counters un-halted except the triangle's, the triangle's phase back to 0, the DMC
 * output reduced to its low bit, and $4017 rewritten with its mode (IRQ inhibit cleared).
 * https://www.nesdev.org/wiki/CPU_power_up_state, blargg apu_reset. */
void apu_reset(nes_t *n) {
    apu_t *a = &n->apu;
    apu_length_t *l[4] = {&a->pulse[0].len, &a->pulse[1].len, &a->tri.len, &a->noise.len};
    for (int i = 0; i < 4; i++) {
        l[i]->enabled = 0;
        l[i]->counter = 0;
        l[i]->reload = 0;
        if (i != 2) l[i]->halt = l[i]->halt_new = 0;
    }
    a->pulse[0].env.loop = a->pulse[1].env.loop = a->noise.env.loop = 0;
    a->tri.pos = 0;
    apu_dmc_reset(&a->dmc);
    n->irq_lines &= (uint8_t)~(NES_IRQ_FRAME | NES_IRQ_DMC);
    apu_sync(a);
    fc_power_write(a, (uint8_t)(a->frame_mode << 7));
    a->au_dirty = 1;
    a->wait = a->wait_len = 1;
}

/* ---- save states ---- */
static uint16_t at_least_1(uint16_t v) { return v ? v : 1; }
static float finite_or_0(float v) { return (v == v && v < 1e30f && v > -1e30f) ? v : 0.0f; }

void apu_state(state_t *st, nes_t *n) {
    apu_t *a = &n->apu;
    apu_sync(a);
    st_begin(st, "APU1");
    ST_ARRAY(st, a->regs);
    for (int i = 0; i < 2; i++) {
        apu_pulse_t *p = &a->pulse[i];
        ST_RUN(st, apu_pulse_t, p, len.counter, len.enabled, len.halt, len.halt_new, len.reload,
               len.reload_prev, env.start, env.divider, env.decay, env.constant, env.volume, env.loop,
               duty, pos, period, timer, sweep_enabled, sweep_period, sweep_negate, sweep_shift,
               sweep_reload, sweep_divider, ones_complement);
    }
    apu_triangle_t *t = &a->tri;
    ST_RUN(st, apu_triangle_t, t, len.counter, len.enabled, len.halt, len.halt_new, len.reload,
           len.reload_prev, linear, linear_reload, linear_reload_flag, control, pos);
    ST_RUN(st, apu_triangle_t, t, period, timer);
    apu_noise_t *z = &a->noise;
    ST_RUN(st, apu_noise_t, z, len.counter, len.enabled, len.halt, len.halt_new, len.reload,
           len.reload_prev, env.start, env.divider, env.decay, env.constant, env.volume, env.loop,
           mode, period_index, lfsr, timer);
    apu_dmc_t *d = &a->dmc;
    ST_RUN(st, apu_dmc_t, d, irq_enabled, loop, rate_index, level, sample_addr, sample_len, addr,
           bytes_left, buffer, buffer_full, shift, bits_left, silence);
    ST_RUN(st, apu_dmc_t, d, timer, start_delay, disable_delay);
    ST_RUN(st, apu_t, a, frame_mode, irq_inhibit, fc_step);
    ST_RUN(st, apu_t, a, fc_cycle, fc_next, fc_new, fc_delay, fc_block, pending);
    ST_FIELD(st, a->frame_flag);
    ST_RUN(st, apu_t, a, au_cycle, au_mark, au_phase, au_count, au_left, au_dirty);
    ST_RUN(st, apu_t, a, au_level, au_acc, hp90_x, hp90_y, hp440_x, hp440_y, lp14k_y);
    st_end(st);
    if (st->mode != ST_LOAD || st->err) return;
    /* Clamp what indexes tables or drives countdowns, so a crafted blob cannot misbehave;
     * a blob this build saved loads unchanged (save -> load -> save is byte-identical). */
    for (int i = 0; i < 2; i++) {
        apu_pulse_t *p = &a->pulse[i];
        p->duty &= 3; p->pos &= 7; p->period &= 0x7FF; p->sweep_period &= 7; p->sweep_shift &= 7;
        p->sweep_divider &= 7; p->ones_complement = (uint8_t)(i == 0);
        p->env.volume &= 15; p->env.decay &= 15; p->env.divider &= 15;
        p->timer = at_least_1(p->timer);
    }
    t->pos &= 31; t->period &= 0x7FF; t->linear &= 0x7F; t->linear_reload &= 0x7F;
    t->timer = at_least_1(t->timer);
    z->period_index &= 15; z->lfsr &= 0x7FFF; z->env.volume &= 15; z->env.decay &= 15; z->env.divider &= 15;
    z->timer = at_least_1(z->timer);
    d->rate_index &= 15; d->level &= 0x7F; d->timer = at_least_1(d->timer);
    if (d->bits_left == 0 || d->bits_left > 8) d->bits_left = 8;
    if (d->start_delay > 3) d->start_delay = 3;
    if (d->disable_delay > 3) d->disable_delay = 3;
    a->frame_mode &= 1;
    if (a->fc_step > 5) a->fc_step = 0;
    a->fc_next = fc_steps[a->frame_mode][a->fc_step];
    if (a->fc_cycle >= a->fc_next) a->fc_cycle = a->fc_next - 1;
    if (a->fc_delay > 4) a->fc_delay = 4;
    if (a->fc_block > 2) a->fc_block = 2;
    /* the resampler's countdown must fit this instance's sample rate */
    if (a->au_phase >= APU_PHASE_ONE) a->au_phase = 0;
    if (a->au_inc) {
        a->au_count = (APU_PHASE_ONE - a->au_phase + a->au_inc - 1) / a->au_inc;
        if (a->au_left == 0 || a->au_left > a->au_count) a->au_left = a->au_count;
    }
    /* the level's span since the last change lies within the current sample */
    if ((uint32_t)(a->au_cycle + 1 - a->au_mark) > a->au_count + 1) a->au_mark = a->au_cycle;
    a->au_level = finite_or_0(a->au_level); a->au_acc = finite_or_0(a->au_acc);
    a->hp90_x = finite_or_0(a->hp90_x); a->hp90_y = finite_or_0(a->hp90_y);
    a->hp440_x = finite_or_0(a->hp440_x); a->hp440_y = finite_or_0(a->hp440_y);
    a->lp14k_y = finite_or_0(a->lp14k_y);
    a->pending &= APU_PEND_FRAME | APU_PEND_LENGTH | APU_PEND_FLAG_CLEAR;
    a->frame_flag &= 1;
    frame_flag_set(n, a->frame_flag); /* the IRQ line follows from the flag */
    a->wait = a->wait_len = 1;
}
