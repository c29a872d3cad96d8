/* pool.h - a persistent thread pool that runs many consoles at once (the engine of the vector env).
 * Not part of the console: it only calls the public API of nes.h, one console per task, and each
 * console is touched by one thread per batch. No globals: any number of pools may coexist. */
#ifndef NES_POOL_H
#define NES_POOL_H
#include <stddef.h>
#include <stdint.h>

#include "nes.h"
#include "obs.h"
#include "rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nes_pool nes_pool_t;

/* One console's work in a batch, done in this order: run `frames` frames with the pads held
 * (none when frames is 0), evaluate the game's rules (below), write the full-size picture to `capture` (skipped when NULL), write
 * the observation of the last completed frame to `obs`, max-pooled with `pool_with` when it is
 * not NULL (skipped when obs is NULL), copy the
 * 2048 bytes of CPU RAM to `ram` (skipped when NULL). */
typedef struct nes_pool_task {
    nes_t *nes;
    int frames;
    uint8_t pad1, pad2;
    uint8_t *obs;
    uint8_t *ram;
    uint8_t *capture;           /* NULL, or where the full-size picture goes (nes_obs_capture) */
    const uint8_t *pool_with;   /* NULL, or a full-size picture to max-pool obs with */
    /* A game's rules (rules.h), evaluated after the frames, before the picture and RAM are
     * written: rules_op STEP (frames ran: reward, flags, info, then the skip rules run their
     * frames unless terminated), RESET (counters from RAM, info) or INFO (info only); 0: none.
     * flags: NES_POOL_TERMINATED | NES_POOL_TRUNCATED | NES_POOL_SKIP_LIMIT. */
    const nes_rules_t *rules;
    nes_rules_state_t *rules_state;
    int rules_op;
    double *reward;
    uint8_t *flags;
    int64_t *info;              /* info value k goes to info[k * info_stride] */
    ptrdiff_t info_stride;
    /* A frame-skipped step (ALE's frameskip), when frameskip > 0 and frames > 0 (frames is then
     * only "run"): up to `frameskip` frames of one frame each, frame f with pad1 / pad2, or
     * with the pad of the frame before (last_pads[0] / [1]) where sticky[f] has bit 0 / bit 1
     * set (sticky actions; sticky NULL: none); last_pads gets each frame's pads. After every
     * frame the rules (rules_op STEP) give its reward, clipped to [reward_low, reward_high]
     * and summed into *reward, and run their skip rules; the step ends after a frame that
     * terminates (or a skip rule's limit); info is that of the step's last frame, flags those
     * of its last frame. The picture after the frame before the last goes to `capture`, and
     * obs is pooled with it (pool_with is unused) when all frames ran. Only the last `draw`
     * frames, and the frames their skip rules run, draw the picture (nes_set_picture; from
     * the first line of their picture when frames end inside it; the console draws again
     * afterwards); draw < 0: all. A step whose shown picture was not drawn whole (one that
     * ends early) runs again from a state taken at its start, drawing every frame.
     * *frames_run: frames of the step run. */
    int frameskip;
    const uint8_t *sticky;
    uint8_t *last_pads;
    double reward_low, reward_high;
    int draw;
    int *frames_run;
} nes_pool_task_t;

enum { NES_POOL_RULES_STEP = 1, NES_POOL_RULES_RESET = 2, NES_POOL_RULES_INFO = 3 };
enum { NES_POOL_TERMINATED = 1, NES_POOL_TRUNCATED = 2, NES_POOL_SKIP_LIMIT = 4 };

/* A pool of `num_threads` threads counting the caller: num_threads - 1 workers are started
 * and sleep between batches; 1 runs every task in the caller. NULL when out of memory or a
 * thread cannot be started (num_threads < 1 counts as 1). Each thread keeps its buffers from
 * task to task (a full-size picture; the state a frame-skipped step may run again from, made
 * on first use and grown to the largest nes_state_size it held), so tasks allocate nothing. */
nes_pool_t *nes_pool_create(int num_threads);
/* Stop and join the workers, free the pool. Must not run concurrently with nes_pool_run. */
void nes_pool_destroy(nes_pool_t *pool);
int nes_pool_threads(const nes_pool_t *pool);

/* Between batches and while the caller waits for the last task, threads poll for up to spin_us
 * microseconds (yielding the CPU to other runnable threads) before sleeping on a condition
 * variable: waking a sleeping thread can cost more than a frame on virtual machines. 0 sleeps at
 * once (least CPU when steps are far apart). Default NES_POOL_DEFAULT_SPIN_US. */
#define NES_POOL_DEFAULT_SPIN_US 2000
void nes_pool_set_spin(nes_pool_t *pool, int spin_us);
int nes_pool_spin(const nes_pool_t *pool);

/* Do `n` tasks on the pool's threads (the caller works too) and return when all are done.
 * Tasks are handed out one at a time, so consoles that run longer do not hold others back.
 * Every task must name a different console, and buffers must not overlap. One batch at a time
 * per pool: the call is not reentrant (separate pools are independent). Observations are
 * written as `plan` says (obs.h). Returns NES_OK. */
int nes_pool_run(nes_pool_t *pool, const nes_pool_task_t *tasks, int n, const nes_obs_plan_t *plan);

#ifdef __cplusplus
}
#endif
#endif
