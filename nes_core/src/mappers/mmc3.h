/* mmc3.h - the MMC3 core shared by mapper 4 (m004_mmc3.c) and mapper 118 (m118_txsrom.c). */
#ifndef NES_MAPPERS_MMC3_H
#define NES_MAPPERS_MMC3_H
#include "board.h"

typedef struct {
    uint32_t a12_low_since; /* M2 cycle (master clock / 12, low 32 bits) at which A12 fell */
    uint32_t a12_last_high; /* master clock (low 32 bits) of the last report with A12 high */
    uint8_t a12_high;       /* A12 as last reported by the PPU */
    uint8_t select;         /* $8000: register number, PRG mode, CHR inversion */
    uint8_t r[8];           /* R0-R5 CHR banks, R6-R7 PRG banks */
    uint8_t mirror;         /* $A000 */
    uint8_t ram_ctl;        /* $A001 */
    uint8_t latch, counter, reload, enabled; /* scanline IRQ: $C000, counter, $C001 flag, $E001 */
    uint8_t alt_irq;        /* old-revision IRQ behaviour (NES 2.0 submapper 4) */
} mmc3_t;

int mmc3_init(nes_t *n, char *err, unsigned errlen);
void mmc3_write(nes_t *n, uint16_t a, uint8_t v);
void mmc3_ppu_addr(nes_t *n, uint16_t a);
uint64_t mmc3_irq_clock(nes_t *n); /* the irq_clock hook: the IRQ predicted from PPU A12 */
#endif
