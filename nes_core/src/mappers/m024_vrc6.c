/* m024_vrc6.c - mappers 24 (VRC6a) and 26 (VRC6b, CPU A0 and A1 swapped): Konami VRC6, with
 * its expansion audio. https://www.nesdev.org/wiki/VRC6, https://www.nesdev.org/wiki/VRC6_audio
 *   $8000-$8003  16 KiB PRG bank at $8000 (4 bits)
 *   $9000-$9002  pulse 1: MDDD VVVV (mode, duty, volume); period low; E... PPPP (enable, high)
 *   $9003        audio frequency control: bit 0 halt, bit 1 periods / 16, bit 2 periods / 256
 *   $A000-$A002  pulse 2
 *   $B000-$B002  saw: ..AA AAAA (accumulator rate); period low; E... PPPP
 *   $B003        PPU banking style: bits 2-3 mirroring (vertical, horizontal, one-screen 0,
 *                one-screen 1), bit 7 PRG RAM enable. Only banking style 0 (eight 1 KiB CHR
 *                banks, CIRAM nametables) is emulated, the one the three VRC6 games use.
 *   $C000-$C003  8 KiB PRG bank at $C000 (5 bits); $E000 is the last bank
 *   $D000-$E003  1 KiB CHR banks 0-7
 *   $F000-$F002  IRQ latch, control, acknowledge (vrc_irq.h)
 * Audio: the pulses step through 16 positions (output = volume where position <= duty, or
 * always in mode 1); the saw adds its rate to an 8-bit accumulator every second step and
 * clears it on the 14th; its output is the accumulator's high 5 bits. The chip mixes the three
 * linearly and with the opposite polarity of the APU; a pulse at full volume is about as loud
 * as an APU pulse at full volume. */
#include "vrc_irq.h"

typedef struct {
    uint16_t period, divider; /* 12-bit period; CPU cycles to the next step */
    uint8_t ctl, enable, step, acc;
} vrc6_voice_t;

typedef struct {
    vrc_irq_t irq;
    vrc6_voice_t voice[3]; /* pulse 1, pulse 2, saw */
    uint8_t prg16, prg8, chr[8], b003, freq_ctl;
    uint8_t out;           /* pulse 1 + pulse 2 + saw, 0-61 */
} vrc6_t;
BOARD_STATE_FITS(vrc6_t);

static void vrc6_update(nes_t *n, vrc6_t *m) {
    cart_map_prg16(n, 0, m->prg16 & 0x0F);
    cart_map_prg8(n, 2, m->prg8 & 0x1F);
    cart_map_prg8(n, 3, board_last_prg8(&n->cart));
    for (int i = 0; i < 8; i++) cart_map_chr1(n, i, m->chr[i]);
    static const int MIRROR[4] = {MIRROR_VERTICAL, MIRROR_HORIZONTAL, MIRROR_SINGLE0, MIRROR_SINGLE1};
    if (n->cart.mirroring != MIRROR_FOUR) cart_set_mirroring(n, MIRROR[(m->b003 >> 2) & 3]);
    board_map_wram(n, m->b003 & 0x80, 1, 0);
}

/* The voice's output level now. */
static int vrc6_voice_out(const vrc6_voice_t *v, int saw) {
    if (!v->enable) return 0;
    if (saw) return v->acc >> 3;
    if ((v->ctl & 0x80) || (v->step & 15) <= ((v->ctl >> 4) & 7)) return v->ctl & 15;
    return 0;
}

static void vrc6_mix(nes_t *n, vrc6_t *m) {
    int out = vrc6_voice_out(&m->voice[0], 0) + vrc6_voice_out(&m->voice[1], 0) + vrc6_voice_out(&m->voice[2], 1);
    m->out = (uint8_t)out;
    /* linear, inverted; 15 units = one APU pulse at full volume */
    apu_set_expansion(n, -(float)out * n->apu.pulse_mix[15] / 15.0f);
}

static uint16_t vrc6_reload(const vrc6_t *m, const vrc6_voice_t *v) {
    int shift = (m->freq_ctl & 4) ? 8 : (m->freq_ctl & 2) ? 4 : 0;
    return (uint16_t)((v->period >> shift) + 1);
}

static int vrc6_init(nes_t *n, char *err, unsigned errlen) {
    board_power(n);
    vrc6_t *m = BOARD(vrc6_t, n);
    for (int i = 0; i < 8; i++) m->chr[i] = (uint8_t)i;
    m->prg8 = (uint8_t)(board_last_prg8(&n->cart) - 1);
    m->b003 = n->cart.mirroring == MIRROR_HORIZONTAL ? 0x04 : 0x00;
    m->irq.prescaler = VRC_PRESCALER;
    for (int i = 0; i < 3; i++) m->voice[i].divider = 1;
    vrc6_update(n, m);
    return 0;
}

static void vrc6_voice_write(nes_t *n, vrc6_t *m, vrc6_voice_t *v, int r, uint8_t val, int saw) {
    if (r == 0) {
        v->ctl = val;
    } else if (r == 1) {
        v->period = (uint16_t)((v->period & 0xF00) | val);
    } else {
        v->period = (uint16_t)((v->period & 0x0FF) | ((val & 0x0F) << 8));
        v->enable = val >> 7;
        if (!v->enable) { /* disabled: the pulse restarts its duty cycle, the saw its ramp */
            v->step = saw ? 0 : 15;
            v->acc = 0;
        }
    }
    (void)n; (void)m;
}

static void vrc6_write(nes_t *n, uint16_t a, uint8_t v) {
    if (a < 0x8000) return;
    vrc6_t *m = BOARD(vrc6_t, n);
    int r = a & 3;
    if (n->cart.mapper == 26) r = ((r & 1) << 1) | (r >> 1);
    switch (a & 0xF000) {
    case 0x8000: m->prg16 = v; break;
    case 0x9000:
    case 0xA000:
        if (r == 3) {
            if ((a & 0xF000) == 0x9000) m->freq_ctl = v & 7;
        } else {
            vrc6_voice_write(n, m, &m->voice[(a >> 12) - 9], r, v, 0);
        }
        vrc6_mix(n, m);
        return;
    case 0xB000:
        if (r == 3) {
            m->b003 = v;
            break;
        }
        if (r == 0) v &= 0x3F;
        vrc6_voice_write(n, m, &m->voice[2], r, v, 1);
        vrc6_mix(n, m);
        return;
    case 0xC000: m->prg8 = v; break;
    case 0xD000: m->chr[r] = v; break;
    case 0xE000: m->chr[4 + r] = v; break;
    case 0xF000:
        if (r == 0) m->irq.latch = v;
        else if (r == 1) vrc_irq_control(n, &m->irq, v);
        else if (r == 2) vrc_irq_ack(n, &m->irq);
        return;
    }
    vrc6_update(n, m);
}

static void vrc6_clock(nes_t *n) {
    vrc6_t *m = BOARD(vrc6_t, n);
    vrc_irq_clock(n, &m->irq);
    if (m->freq_ctl & 1) return; /* halted */
    int changed = 0;
    for (int i = 0; i < 3; i++) {
        vrc6_voice_t *v = &m->voice[i];
        if (!v->enable || --v->divider) continue;
        v->divider = vrc6_reload(m, v);
        if (i < 2) {
            v->step = (uint8_t)((v->step - 1) & 15);
        } else if (++v->step == 14) {
            v->step = 0;
            v->acc = 0;
        } else if (!(v->step & 1)) {
            v->acc = (uint8_t)(v->acc + (v->ctl & 0x3F));
        }
        changed = 1;
    }
    if (changed) vrc6_mix(n, m);
}

static void vrc6_state(state_t *st, nes_t *n) {
    if (st->mode != ST_LOAD) return;
    vrc6_t *m = BOARD(vrc6_t, n);
    vrc_irq_clamp(&m->irq);
    for (int i = 0; i < 3; i++) {
        vrc6_voice_t *v = &m->voice[i];
        v->period &= 0xFFF;
        v->enable &= 1;
        v->step &= 15;
        if (i == 2 && v->step >= 14) v->step = 0;
        if (v->divider == 0 || v->divider > 0x1000) v->divider = 1;
    }
    m->freq_ctl &= 7;
    int out = vrc6_voice_out(&m->voice[0], 0) + vrc6_voice_out(&m->voice[1], 0) + vrc6_voice_out(&m->voice[2], 1);
    m->out = (uint8_t)out;
    n->apu.ext_level = -(float)out * n->apu.pulse_mix[15] / 15.0f;
}

#define VRC6_OPS(name, num)                                                                              \
    const mapper_ops_t name = {num, "VRC6", {0x2000, 0x0400, 0}, vrc6_init, NULL, vrc6_write, NULL, NULL, \
                               vrc6_clock, vrc6_state, NULL}
VRC6_OPS(mapper_vrc6_24, 24);
VRC6_OPS(mapper_vrc6_26, 26);
