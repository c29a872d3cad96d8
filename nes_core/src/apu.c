/* apu.c - placeholder APU: register file and $4015 reads of zero, no sound, no IRQs.
 * The full 2A03 APU replaces this file (issue: APU). */
#include <stdlib.h>

#include "core.h"

void apu_power(nes_t *n) {
    float *s = n->apu.samples;
    uint32_t cap = n->apu.sample_cap;
    int en = n->apu.audio_enabled, rate = n->apu.sample_rate;
    memset(&n->apu, 0, sizeof(n->apu));
    n->apu.samples = s; n->apu.sample_cap = cap; n->apu.audio_enabled = en; n->apu.sample_rate = rate;
}
void apu_reset(nes_t *n) { n->apu.status = 0; n->irq_lines &= ~(NES_IRQ_FRAME | NES_IRQ_DMC); }
void apu_write(nes_t *n, uint16_t a, uint8_t v) {
    n->apu.regs[a - 0x4000] = v;
    if (a == 0x4015) n->apu.status = v & 0x1F;
    if (a == 0x4017) { n->apu.frame_mode = v >> 7; n->apu.irq_inhibit = (v >> 6) & 1; }
}
uint8_t apu_read_status(nes_t *n) { (void)n; return 0; }
void apu_tick(nes_t *n) { (void)n; }
uint16_t apu_dmc_read_addr(nes_t *n) { (void)n; return 0xC000; }
void apu_dmc_fill(nes_t *n, uint8_t v) { (void)n; (void)v; }
void apu_state(state_t *st, nes_t *n) {
    st_begin(st, "APU0");
    ST_ARRAY(st, n->apu.regs);
    ST_FIELD(st, n->apu.frame_mode);
    ST_FIELD(st, n->apu.irq_inhibit);
    ST_FIELD(st, n->apu.status);
    st_end(st);
}
void apu_set_output(nes_t *n, int enabled, int rate) { n->apu.audio_enabled = enabled; n->apu.sample_rate = rate; }
void apu_begin_frame(nes_t *n) { n->apu.sample_count = 0; }
void apu_free(nes_t *n) { free(n->apu.samples); n->apu.samples = NULL; }
