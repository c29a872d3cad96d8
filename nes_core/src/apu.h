/* apu.h - the 2A03 APU: pulse 1/2, triangle, noise, DMC, frame counter, mixer.
 * https://www.nesdev.org/wiki/APU
 * Interface with the console (console.c):
 *   apu_power / apu_reset        at power-on and on the RESET button
 *   apu_write(nes, addr, v)      CPU writes to $4000-$4013, $4015, $4017
 *   apu_read_status(nes)         CPU read of $4015 (SND_CHN)
 *   apu_tick(nes)                once per CPU cycle, at the start of the cycle
 *   IRQ: the APU raises/clears NES_IRQ_FRAME / NES_IRQ_DMC bits in nes->irq_lines
 *   DMC DMA: the APU calls cpu_start_dmc_dma(nes); the CPU later reads the byte at
 *            apu_dmc_read_addr(nes) and hands it back with apu_dmc_fill(nes, value) */
#ifndef NES_APU_H
#define NES_APU_H
#include <stdint.h>

struct nes;
struct state;

typedef struct apu {
    uint8_t regs[0x18];  /* last values written to $4000-$4017 */
    uint8_t frame_mode;  /* $4017 bit 7 */
    uint8_t irq_inhibit; /* $4017 bit 6 */
    uint8_t status;      /* channel enables from $4015 */
    uint32_t frame_cycle;
    /* audio output */
    int audio_enabled;
    int sample_rate;
    float *samples;      /* per-frame output buffer (owned by the console) */
    uint32_t sample_count, sample_cap;
} apu_t;

void apu_power(struct nes *nes);
void apu_reset(struct nes *nes);
void apu_write(struct nes *nes, uint16_t addr, uint8_t v);
uint8_t apu_read_status(struct nes *nes);
void apu_tick(struct nes *nes);
uint16_t apu_dmc_read_addr(struct nes *nes);
void apu_dmc_fill(struct nes *nes, uint8_t v);
void apu_state(struct state *st, struct nes *nes);
void apu_set_output(struct nes *nes, int enabled, int sample_rate);
void apu_begin_frame(struct nes *nes);
void apu_free(struct nes *nes);
#endif
