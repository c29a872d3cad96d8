/* apu_dmc.c - the delta modulation channel: sample fetches by DMA, 1-bit delta output, IRQ,
 * loop. https://www.nesdev.org/wiki/APU_DMC, https://www.nesdev.org/wiki/DMA
 * The output unit is clocked every `rate` CPU cycles whether or not a sample plays. When it
 * empties the sample buffer into its shift register, it requests a DMA; the CPU halts, reads
 * the byte at apu_dmc_read_addr and hands it to apu_dmc_fill (1-4 stolen cycles, cpu.c).
 * A sample started by a $4015 write fetches its first byte 2 or 3 cycles later, by the
 * parity of the write cycle (the APU's get/put cycles; apu_test 7-dmc_basics). */
#include "apu_internal.h"

/* NTSC rates in CPU cycles per output clock */
const uint16_t apu_dmc_rates[16] = {
    428, 380, 340, 320, 286, 254, 226, 214, 190, 160, 142, 128, 106, 84, 72, 54,
};

void apu_dmc_power(apu_dmc_t *d) {
    memset(d, 0, sizeof(*d));
    d->sample_addr = 0xC000;
    d->sample_len = 1;
    d->bits_left = 8;
    d->silence = 1;
    d->timer = apu_dmc_rates[0];
}

/* RESET acts as a write of $00 to $4015; the output level keeps only its low bit. */
void apu_dmc_reset(apu_dmc_t *d) {
    d->bytes_left = 0;
    d->start_delay = d->disable_delay = 0;
    d->level &= 1;
}

void apu_dmc_request(nes_t *n) {
    apu_dmc_t *d = &n->apu.dmc;
    if (!d->buffer_full && d->bytes_left) cpu_start_dmc_dma(n);
}

static void start_sample(apu_dmc_t *d) {
    d->addr = d->sample_addr;
    d->bytes_left = d->sample_len;
}

void apu_dmc_write(nes_t *n, int reg, uint8_t v) {
    apu_dmc_t *d = &n->apu.dmc;
    switch (reg) {
    case 0: /* IL-- RRRR */
        d->irq_enabled = v >> 7;
        d->loop = (v >> 6) & 1;
        d->rate_index = v & 15;
        if (!d->irq_enabled) n->irq_lines &= (uint8_t)~NES_IRQ_DMC;
        break;
    case 1: /* -DDD DDDD: direct load of the output level */
        d->level = v & 0x7F;
        n->apu.au_dirty = 1;
        break;
    case 2: /* sample address = $C000 + A * 64 */
        d->sample_addr = (uint16_t)(0xC000 | v << 6);
        break;
    case 3: /* sample length = L * 16 + 1 bytes */
        d->sample_len = (uint16_t)(v << 4 | 1);
        break;
    }
}

/* $4015 bit 4 (the DMC IRQ flag was cleared by the caller) */
void apu_dmc_enable(nes_t *n, int on) {
    apu_dmc_t *d = &n->apu.dmc;
    if (!on) {
        /* the sample stops 2 or 3 cycles later, by the write cycle's parity (apu_dmc_stop) */
        if (!d->disable_delay) d->disable_delay = (cpu_cycles(n) & 1) ? 3 : 2;
        d->start_delay = 0;
    } else if (!d->bytes_left) {
        start_sample(d);
        d->start_delay = (cpu_cycles(n) & 1) ? 3 : 2;
    }
}

/* The output unit's clock, every `rate` CPU cycles. */
void apu_dmc_clock(nes_t *n) {
    apu_dmc_t *d = &n->apu.dmc;
    if (!d->silence) {
        if (d->shift & 1) {
            if (d->level <= 125) d->level += 2;
        } else if (d->level >= 2) {
            d->level -= 2;
        }
        d->shift >>= 1;
        n->apu.au_dirty = 1;
    }
    if (--d->bits_left == 0) {
        d->bits_left = 8;
        if (!d->buffer_full) {
            d->silence = 1;
        } else {
            d->silence = 0;
            d->shift = d->buffer;
            d->buffer_full = 0;
            /* a sample just started by $4015 fetches when its own delay runs out */
            if (!d->start_delay) apu_dmc_request(n);
        }
    }
}

/* A $4015 disable takes effect: no bytes left, and a pending fetch is dropped or aborted. */
void apu_dmc_stop(nes_t *n) {
    n->apu.dmc.bytes_left = 0;
    cpu_stop_dmc_dma(n);
}

uint16_t apu_dmc_read_addr(nes_t *n) { return n->apu.dmc.addr; }

void apu_dmc_fill(nes_t *n, uint8_t v) {
    apu_dmc_t *d = &n->apu.dmc;
    if (d->bytes_left) { /* else the sample was stopped while the DMA ran */
        d->buffer = v;
        d->buffer_full = 1;
        d->addr = (uint16_t)(d->addr == 0xFFFF ? 0x8000 : d->addr + 1);
        if (--d->bytes_left == 0) {
            if (d->loop) start_sample(d);  /* a looping sample never raises the IRQ */
            else if (d->irq_enabled) n->irq_lines |= NES_IRQ_DMC;
        }
    }
    /* A 1-byte sample that does not loop, fetched 1-2 cycles before the output unit's bit
     * counter runs out: the sample restarts and its next fetch, requested at that output
     * clock, is stopped 3 cycles after this one, so it costs one halted cycle (none if the
     * CPU writes then). The RP2A03G's behaviour without the later CPUs' sample duplication
     * (AccuracyCoin Implicit DMA Abort; Mesen2 models it the same way). */
    if (d->sample_len == 1 && !d->loop && d->bits_left == 1) {
        apu_wake(&n->apu); /* the timer up to date, and the delay counted cycle by cycle */
        if (d->timer <= 2) {
            d->shift = d->buffer;
            d->buffer_full = 1;
            start_sample(d);
            d->disable_delay = 3;
        }
    }
}
