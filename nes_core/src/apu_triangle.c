/* apu_triangle.c - the triangle channel: 32-step sequencer gated by the linear counter and the
 * length counter. https://www.nesdev.org/wiki/APU_Triangle
 * Its timer runs at the CPU rate (not halved like the pulses'); with both counters at zero the
 * sequencer holds its step and the output stays at that level (no click). */
#include "apu_internal.h"

static const uint8_t tri_wave[32] = {
    15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

void apu_triangle_power(apu_triangle_t *t) {
    memset(t, 0, sizeof(*t));
    t->timer = 1;
}

uint8_t apu_triangle_output(const apu_triangle_t *t) { return tri_wave[t->pos & 31]; }

void apu_triangle_write(apu_t *a, apu_triangle_t *t, int reg, uint8_t v) {
    switch (reg) {
    case 0: /* CRRR RRRR: control (= length halt), linear reload value */
        t->control = v >> 7;
        t->linear_reload = v & 0x7F;
        apu_length_write_halt(a, &t->len, v >> 7);
        break;
    case 2:
        t->period = (uint16_t)((t->period & 0x700) | v);
        break;
    case 3:
        t->period = (uint16_t)((t->period & 0xFF) | (v & 7) << 8);
        apu_length_load(a, &t->len, v);
        t->linear_reload_flag = 1;
        break;
    }
}

/* Quarter-frame clock. */
void apu_triangle_linear_clock(apu_triangle_t *t) {
    if (t->linear_reload_flag) t->linear = t->linear_reload;
    else if (t->linear) t->linear--;
    if (!t->control) t->linear_reload_flag = 0;
}
