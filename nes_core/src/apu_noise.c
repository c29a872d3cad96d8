/* apu_noise.c - the noise channel: 15-bit LFSR (long mode taps bits 0^1, short mode 0^6),
 * envelope, length counter. https://www.nesdev.org/wiki/APU_Noise */
#include "apu_internal.h"

/* NTSC timer periods in CPU cycles */
const uint16_t apu_noise_periods[16] = {
    4, 8, 16, 32, 64, 96, 128, 160, 202, 254, 380, 508, 762, 1016, 2034, 4068,
};

void apu_noise_power(apu_noise_t *n) {
    memset(n, 0, sizeof(*n));
    n->lfsr = 1;
    n->timer = apu_noise_periods[0];
}

uint8_t apu_noise_output(const apu_noise_t *n) {
    if (!n->len.counter || (n->lfsr & 1)) return 0;
    return apu_env_volume(&n->env);
}

void apu_noise_write(apu_t *a, apu_noise_t *n, int reg, uint8_t v) {
    switch (reg) {
    case 0: /* --LC VVVV */
        n->env.loop = (v >> 5) & 1;
        n->env.constant = (v >> 4) & 1;
        n->env.volume = v & 15;
        apu_length_write_halt(a, &n->len, (v >> 5) & 1);
        break;
    case 2: /* M--- PPPP */
        n->mode = v >> 7;
        n->period_index = v & 15;
        break;
    case 3: /* LLLL L--- */
        apu_length_load(a, &n->len, v);
        n->env.start = 1;
        break;
    }
    a->au_dirty = 1;
}
