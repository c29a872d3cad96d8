/* apu_pulse.c - the two pulse channels: duty sequencer, envelope, sweep, length counter.
 * https://www.nesdev.org/wiki/APU_Pulse, https://www.nesdev.org/wiki/APU_Sweep
 * The sweep's target period is computed all the time and mutes the channel when it overflows
 * $7FF, even with the sweep disabled; pulse 1 negates with ones' complement (t - c - 1),
 * pulse 2 with two's complement (t - c). */
#include "apu_internal.h"

/* Output waveforms in the order the sequencer plays them after a $4003/$4007 write. */
const uint8_t apu_duty_wave[4][8] = {
    {0, 1, 0, 0, 0, 0, 0, 0}, /* 12.5 % */
    {0, 1, 1, 0, 0, 0, 0, 0}, /* 25 % */
    {0, 1, 1, 1, 1, 0, 0, 0}, /* 50 % */
    {1, 0, 0, 1, 1, 1, 1, 1}, /* 25 % negated */
};

void apu_pulse_power(apu_pulse_t *p, int ones_complement) {
    memset(p, 0, sizeof(*p));
    p->ones_complement = (uint8_t)ones_complement;
    p->timer = 2;
}

static int target_period(const apu_pulse_t *p) {
    int change = p->period >> p->sweep_shift;
    if (p->sweep_negate) return p->period - change - p->ones_complement;
    return p->period + change;
}

int apu_pulse_muted(const apu_pulse_t *p) {
    return p->period < 8 || target_period(p) > 0x7FF;
}

uint8_t apu_pulse_output(const apu_pulse_t *p) {
    if (!p->len.counter || !apu_duty_wave[p->duty & 3][p->pos & 7] || apu_pulse_muted(p)) return 0;
    return apu_env_volume(&p->env);
}

void apu_pulse_write(apu_t *a, apu_pulse_t *p, int reg, uint8_t v) {
    switch (reg) {
    case 0: /* DDLC VVVV */
        p->duty = v >> 6;
        p->env.loop = (v >> 5) & 1;
        p->env.constant = (v >> 4) & 1;
        p->env.volume = v & 15;
        apu_length_write_halt(a, &p->len, (v >> 5) & 1);
        break;
    case 1: /* EPPP NSSS */
        p->sweep_enabled = v >> 7;
        p->sweep_period = (v >> 4) & 7;
        p->sweep_negate = (v >> 3) & 1;
        p->sweep_shift = v & 7;
        p->sweep_reload = 1;
        break;
    case 2:
        p->period = (uint16_t)((p->period & 0x700) | v);
        break;
    case 3: /* LLLL LHHH: the sequencer restarts, so does the envelope */
        p->period = (uint16_t)((p->period & 0xFF) | (v & 7) << 8);
        apu_length_load(a, &p->len, v);
        p->pos = 0;
        p->env.start = 1;
        break;
    }
    a->au_dirty = 1;
}

/* Half-frame clock. */
void apu_pulse_sweep_clock(apu_pulse_t *p) {
    if (p->sweep_divider == 0 && p->sweep_enabled && p->sweep_shift && !apu_pulse_muted(p)) {
        int t = target_period(p);
        if (t >= 0) p->period = (uint16_t)t;
    }
    if (p->sweep_divider == 0 || p->sweep_reload) {
        p->sweep_divider = p->sweep_period;
        p->sweep_reload = 0;
    } else {
        p->sweep_divider--;
    }
}
