/* vrc_irq.h - the IRQ counter Konami's VRC4, VRC6 and VRC7 share, clocked by M2 (CPU cycles).
 * https://www.nesdev.org/wiki/VRC_IRQ
 *   control (.... .MEA): M = cycle mode (1) / scanline mode (0), E = enable, A = E after an
 *     acknowledge. A write acknowledges the IRQ; with E set it reloads the counter from the
 *     latch and resets the prescaler.
 *   acknowledge: acknowledges the IRQ and copies A into E.
 * While enabled, the 8-bit counter counts up once per CPU cycle (cycle mode) or once per
 * 113 2/3 cycles (scanline mode: a prescaler that starts at 341 and loses 3 per cycle); from
 * $FF it reloads from the latch and pulls /IRQ low. */
#ifndef NES_MAPPERS_VRC_IRQ_H
#define NES_MAPPERS_VRC_IRQ_H
#include "board.h"

#define VRC_PRESCALER 341

typedef struct {
    int16_t prescaler;
    uint8_t latch, counter, control;
} vrc_irq_t;

static inline void vrc_irq_control(nes_t *n, vrc_irq_t *q, uint8_t v) {
    n->irq_lines &= (uint8_t)~NES_IRQ_MAPPER;
    q->control = v & 7;
    if (v & 2) {
        q->counter = q->latch;
        q->prescaler = VRC_PRESCALER;
    }
}

static inline void vrc_irq_ack(nes_t *n, vrc_irq_t *q) {
    n->irq_lines &= (uint8_t)~NES_IRQ_MAPPER;
    q->control = (uint8_t)((q->control & ~2) | ((q->control & 1) << 1));
}

static inline void vrc_irq_clock(nes_t *n, vrc_irq_t *q) {
    if (!(q->control & 2)) return;
    if (!(q->control & 4)) {
        q->prescaler -= 3;
        if (q->prescaler > 0) return;
        q->prescaler += VRC_PRESCALER;
    }
    if (q->counter == 0xFF) {
        q->counter = q->latch;
        n->irq_lines |= NES_IRQ_MAPPER;
    } else {
        q->counter++;
    }
}

/* A loaded state's prescaler must stay a countdown within one period. */
static inline void vrc_irq_clamp(vrc_irq_t *q) {
    if (q->prescaler <= 0 || q->prescaler > VRC_PRESCALER) q->prescaler = VRC_PRESCALER;
    q->control &= 7;
}
#endif
