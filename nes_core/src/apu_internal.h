/* apu_internal.h - what the APU's files share: tables, per-channel entry points. Not for
 * other units (they use apu.h). */
#ifndef NES_APU_INTERNAL_H
#define NES_APU_INTERNAL_H
#include "core.h"

/* apu_t.pending bits: work that apu_tick does only while something is in flight */
#define APU_PEND_LENGTH 0x01  /* a length reload or halt write waits for the next cycle */
#define APU_PEND_FRAME 0x02   /* a $4017 write waits out its delay, or fc_block runs */
#define APU_PEND_FLAG_CLEAR 0x04 /* a $4015 read clears the frame flag at the next get cycle */

/* NTSC CPU clock = 236.25 MHz / 132: a sample falls due each time the phase, advanced by
 * sample_rate * 132 per CPU cycle, passes APU_PHASE_ONE. Exact, so it never drifts. */
#define APU_PHASE_ONE 236250000u
#define APU_PHASE_MUL 132u
#define APU_RATE_MIN 8000
#define APU_RATE_MAX 192000
#define APU_RATE_DEFAULT 44100

extern const uint8_t apu_length_table[32];

/* length counter and envelope (apu.c) */
void apu_length_write_halt(apu_t *a, apu_length_t *l, int halt);
void apu_length_load(apu_t *a, apu_length_t *l, uint8_t reg);
void apu_env_clock(apu_env_t *e);
static inline void apu_length_clock(apu_length_t *l) {
    if (l->counter && !l->halt) l->counter--;
}
static inline uint8_t apu_env_volume(const apu_env_t *e) { return e->constant ? e->volume : e->decay; }

/* pulse (apu_pulse.c) */
extern const uint8_t apu_duty_wave[4][8];
void apu_pulse_power(apu_pulse_t *p, int ones_complement);
void apu_pulse_write(apu_t *a, apu_pulse_t *p, int reg, uint8_t v);
void apu_pulse_sweep_clock(apu_pulse_t *p);
int apu_pulse_muted(const apu_pulse_t *p);
uint8_t apu_pulse_output(const apu_pulse_t *p);
static inline void apu_pulse_timer(apu_t *a, apu_pulse_t *p) {
    if (p->period < 8) {
        /* muted whatever the step: take the 8 steps at once (the phase comes back the same),
         * so a silent pulse left at period 0 costs an event per 16 cycles, not per 2 */
        p->timer = (uint16_t)((p->period + 1) * 16);
        return;
    }
    const uint8_t *w = apu_duty_wave[p->duty & 3];
    uint8_t before = w[p->pos & 7];
    p->timer = (uint16_t)((p->period + 1) * 2);
    p->pos = (p->pos + 1) & 7;
    if (w[p->pos] != before) a->au_dirty = 1;
}

/* triangle (apu_triangle.c) */
void apu_triangle_power(apu_triangle_t *t);
void apu_triangle_write(apu_t *a, apu_triangle_t *t, int reg, uint8_t v);
void apu_triangle_linear_clock(apu_triangle_t *t);
uint8_t apu_triangle_output(const apu_triangle_t *t);
static inline void apu_triangle_timer(apu_t *a, apu_triangle_t *t) {
    /* the sequencer only moves while both counters are non-zero */
    if (t->len.counter && t->linear) {
        t->timer = (uint16_t)(t->period + 1);
        t->pos = (t->pos + 1) & 31;
        a->au_dirty = 1;
    } else {
        /* halted: nothing to hear, check back in 8 periods (a start is at most that late,
         * well under a millisecond for the short periods where this matters) */
        t->timer = (uint16_t)((t->period + 1) * (t->period < 64 ? 8 : 1));
    }
}

/* noise (apu_noise.c) */
extern const uint16_t apu_noise_periods[16];
void apu_noise_power(apu_noise_t *n);
void apu_noise_write(apu_t *a, apu_noise_t *n, int reg, uint8_t v);
uint8_t apu_noise_output(const apu_noise_t *n);
static inline void apu_noise_timer(apu_t *a, apu_noise_t *n) {
    /* silenced by its length counter, the LFSR steps 8 times slower: its phase is not
     * observable, and an idle noise channel at period 4 would otherwise cost an event per
     * 4 cycles */
    n->timer = (uint16_t)(apu_noise_periods[n->period_index & 15] << (n->len.counter ? 0 : 3));
    uint16_t fb = (uint16_t)((n->lfsr ^ (n->lfsr >> (n->mode ? 6 : 1))) & 1);
    uint16_t next = (uint16_t)((n->lfsr >> 1) | (fb << 14));
    if ((next ^ n->lfsr) & 1) a->au_dirty = 1;
    n->lfsr = next;
}

/* DMC (apu_dmc.c) */
extern const uint16_t apu_dmc_rates[16];
void apu_dmc_power(apu_dmc_t *d);
void apu_dmc_reset(apu_dmc_t *d);
void apu_dmc_write(struct nes *n, int reg, uint8_t v);
void apu_dmc_enable(struct nes *n, int on);
void apu_dmc_clock(struct nes *n);
void apu_dmc_request(struct nes *n);
void apu_dmc_stop(struct nes *n);
void apu_wake(apu_t *a);
#endif
