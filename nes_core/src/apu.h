/* apu.h - the 2A03 APU: pulse 1/2, triangle, noise, DMC, frame counter, mixer.
 * https://www.nesdev.org/wiki/APU
 * Interface with the console (console.c):
 *   apu_power / apu_reset        at power-on and on the RESET button
 *   apu_write(nes, addr, v)      CPU writes to $4000-$4013, $4015, $4017
 *   apu_read_status(nes)         CPU read of $4015 (SND_CHN)
 *   apu_tick(nes)                once per CPU cycle, at the start of the cycle
 *   IRQ: the APU raises/clears NES_IRQ_FRAME / NES_IRQ_DMC bits in nes->irq_lines
 *   DMC DMA: the APU calls cpu_start_dmc_dma(nes); the CPU later reads the byte at
 *            apu_dmc_read_addr(nes) and hands it back with apu_dmc_fill(nes, value)
 * The units live in apu.c (frame counter, status, mixer, output) and apu_pulse.c,
 * apu_triangle.c, apu_noise.c, apu_dmc.c; apu_internal.h joins them. */
#ifndef NES_APU_H
#define NES_APU_H
#include <stdint.h>

struct nes;
struct state;

/* Length counter (https://www.nesdev.org/wiki/APU_Length_Counter). A write to the halt bit or
 * to the length register takes effect on the cycle after the write, after that cycle's frame
 * counter clock: a reload that coincides with a length clock is dropped when the counter was
 * non-zero (blargg_apu_2005 10.len_halt_timing, 11.len_reload_timing). */
typedef struct apu_length {
    uint8_t counter;
    uint8_t enabled;     /* $4015 bit */
    uint8_t halt;        /* in effect */
    uint8_t halt_new;    /* written, applied on the next cycle */
    uint8_t reload;      /* value to load on the next cycle, 0 = none */
    uint8_t reload_prev; /* counter value when the reload was written */
} apu_length_t;

/* Envelope (https://www.nesdev.org/wiki/APU_Envelope) */
typedef struct apu_env {
    uint8_t start, divider, decay;
    uint8_t constant, volume, loop; /* $4000/$4004/$400C: --LC VVVV */
} apu_env_t;

typedef struct apu_pulse {
    apu_length_t len;
    apu_env_t env;
    uint8_t duty, pos;          /* duty 0-3, sequencer step 0-7 */
    uint16_t period;            /* 11-bit timer period t: one step every 2(t+1) CPU cycles */
    uint16_t timer;             /* CPU cycles to the next sequencer step (audio only) */
    uint8_t sweep_enabled, sweep_period, sweep_negate, sweep_shift, sweep_reload, sweep_divider;
    uint8_t ones_complement;    /* pulse 1 negates with ones' complement */
} apu_pulse_t;

typedef struct apu_triangle {
    apu_length_t len;
    uint8_t linear, linear_reload, linear_reload_flag, control;
    uint8_t pos;                /* 0-31 */
    uint16_t period;            /* one step every t+1 CPU cycles */
    uint16_t timer;
} apu_triangle_t;

typedef struct apu_noise {
    apu_length_t len;
    apu_env_t env;
    uint8_t mode, period_index;
    uint16_t lfsr;              /* 15-bit, 1 at power-on */
    uint16_t timer;
} apu_noise_t;

typedef struct apu_dmc {
    uint8_t irq_enabled, loop, rate_index;
    uint8_t level;              /* 7-bit output */
    uint16_t sample_addr, sample_len;  /* $4012/$4013 decoded */
    uint16_t addr, bytes_left;  /* current fetch */
    uint8_t buffer, buffer_full;
    uint8_t shift, bits_left, silence;
    uint16_t timer;             /* CPU cycles to the next output clock (always runs) */
    uint8_t start_delay;        /* cycles until the DMA of a sample started by $4015 */
    uint8_t disable_delay;      /* cycles until a $4015 disable stops the sample (and its DMA) */
} apu_dmc_t;

/* Most samples one nes_run_frames call keeps: 2**25 (12.7 minutes at 44.1 kHz, 128 MiB). */
#define APU_MAX_SAMPLES (1u << 25)

typedef struct apu {
    uint8_t regs[0x18];  /* last values written to $4000-$4017 */
    apu_pulse_t pulse[2];
    apu_triangle_t tri;
    apu_noise_t noise;
    apu_dmc_t dmc;
    /* frame counter (https://www.nesdev.org/wiki/APU_Frame_Counter) */
    uint8_t frame_mode;  /* $4017 bit 7: 0 = 4-step, 1 = 5-step */
    uint8_t irq_inhibit; /* $4017 bit 6 */
    uint8_t fc_step;     /* index into the step table, 0-5 */
    uint8_t frame_flag;  /* the frame interrupt flag ($4015 bit 6); it drives NES_IRQ_FRAME
                          * only while irq_inhibit is clear */
    uint32_t fc_cycle;   /* CPU cycles since the sequence (re)started */
    uint32_t fc_next;    /* fc_cycle of the next step (derived from mode and step) */
    uint8_t fc_new;      /* $4017 value waiting for its write delay */
    uint8_t fc_delay;    /* cycles until fc_new takes effect, 0 = none */
    uint8_t fc_block;    /* cycles in which a $4017 write may not clock the units */
    uint8_t pending;     /* APU_PEND_* bits: per-cycle work beyond the timers */
    /* Between events apu_tick only counts down `wait`; the cycles it skipped are applied to
     * the frame sequencer, the DMC timer (and, with audio on, the channel timers and the
     * resampler) when it expires or before a register access (apu_sync). */
    uint32_t wait, wait_len;
    /* audio pipeline: box-filter resampling of the mixer output, then the console's filters */
    uint32_t au_cycle;   /* CPU cycles counted while audio is on */
    uint32_t au_mark;    /* au_cycle from which `au_level` holds in the current sample */
    uint32_t au_phase;   /* resampler phase at the last sample boundary, < APU_PHASE_ONE */
    uint32_t au_count;   /* cycles from the last boundary's cycle to the next one */
    uint32_t au_left;    /* cycles until the next sample boundary */
    uint8_t au_dirty;    /* a channel output may have changed */
    float au_level;      /* mixer output now, 0..~1 */
    float au_acc;        /* integral of the mixer output since the last boundary (level*cycles) */
    float hp90_x, hp90_y, hp440_x, hp440_y, lp14k_y;  /* filter memories */
    /* output settings (not part of save states) */
    int audio_enabled;
    int sample_rate;
    uint32_t au_inc;     /* sample_rate * 132: phase added per CPU cycle */
    float au_scale;      /* 1 / samples' length in CPU cycles */
    float hp90_a, hp440_a, lp14k_a;
    float pulse_mix[31], tnd_mix[203];  /* mixer lookup tables, filled at power-on */
    /* Expansion audio of the cartridge (VRC6, MMC5), added to the mix: set by the board
     * through apu_set_expansion; the board recomputes it from its registers when a state
     * loads, so it is not saved here. */
    float ext_level;
    float *samples;      /* per-call output buffer (owned by the console) */
    uint32_t sample_count, sample_cap;
} apu_t;

void apu_power(struct nes *nes);
void apu_reset(struct nes *nes);
void apu_write(struct nes *nes, uint16_t addr, uint8_t v);
uint8_t apu_read_status(struct nes *nes);
void apu_tick(struct nes *nes);
void apu_tick_slow(struct nes *nes); /* apu_tick's work when its countdown runs out */
/* apu_tick runs 1.79 million times per emulated second: its fast path (count down to the next
 * APU event) is expanded in place. `(apu_tick)(n)` still calls the function. */
#define apu_tick(n) do { if (--(n)->apu.wait == 0) apu_tick_slow(n); } while (0)
uint16_t apu_dmc_read_addr(struct nes *nes);
void apu_dmc_fill(struct nes *nes, uint8_t v);
void apu_state(struct state *st, struct nes *nes);
void apu_set_output(struct nes *nes, int enabled, int sample_rate);
void apu_begin_frame(struct nes *nes);
void apu_free(struct nes *nes);
/* The board's expansion audio output changed to `level` (mixer units: an APU pulse at full
 * volume is pulse_mix[15]); the span of the old level is closed at the current cycle. */
void apu_set_expansion(struct nes *nes, float level);
#endif
