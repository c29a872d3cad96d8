/* pool.c - persistent thread pool stepping many consoles per call, for the vector env.
 * Workers sleep on a condition variable between batches and take tasks one at a time from a
 * shared index, like ALE's vector env and EnvPool hand environments to a fixed set of threads.
 * Consoles share nothing (nes.h: no globals), so a batch needs no locking beyond the index. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#endif
#include "pool.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
/* Win32 primitives behind the few pthread calls used below (untested on Windows). */
#include <process.h>
#include <windows.h>
typedef CRITICAL_SECTION pool_mutex_t;
typedef CONDITION_VARIABLE pool_cond_t;
typedef HANDLE pool_thread_t;
#define mutex_init(m) (InitializeCriticalSection(m), 0)
#define mutex_destroy(m) DeleteCriticalSection(m)
#define mutex_lock(m) EnterCriticalSection(m)
#define mutex_unlock(m) LeaveCriticalSection(m)
#define cond_init(c) (InitializeConditionVariable(c), 0)
#define cond_destroy(c) ((void)0)
#define cond_wait(c, m) SleepConditionVariableCS(c, m, INFINITE)
#define cond_signal(c) WakeConditionVariable(c)
#define cond_broadcast(c) WakeAllConditionVariable(c)
#define THREAD_RET unsigned __stdcall
#define LOAD(x) (*(volatile long *)&(x))
#define STORE(x, v) InterlockedExchange((volatile long *)&(x), (long)(v))
static void yield_cpu(void)
{
    SwitchToThread();
}
static double now_us(void)
{
    LARGE_INTEGER c, f;
    QueryPerformanceCounter(&c);
    QueryPerformanceFrequency(&f);
    return (double)c.QuadPart * 1e6 / (double)f.QuadPart;
}
static int thread_start(pool_thread_t *t, unsigned(__stdcall *fn)(void *), void *arg)
{
    *t = (HANDLE)_beginthreadex(NULL, 0, fn, arg, 0, NULL);
    return *t == 0;
}
static void thread_join(pool_thread_t t)
{
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}
#else
#include <pthread.h>
#include <sched.h>
#include <time.h>
typedef pthread_mutex_t pool_mutex_t;
typedef pthread_cond_t pool_cond_t;
typedef pthread_t pool_thread_t;
#define mutex_init(m) pthread_mutex_init(m, NULL)
#define mutex_destroy(m) pthread_mutex_destroy(m)
#define mutex_lock(m) pthread_mutex_lock(m)
#define mutex_unlock(m) pthread_mutex_unlock(m)
#define cond_init(c) pthread_cond_init(c, NULL)
#define cond_destroy(c) pthread_cond_destroy(c)
#define cond_wait(c, m) pthread_cond_wait(c, m)
#define cond_signal(c) pthread_cond_signal(c)
#define cond_broadcast(c) pthread_cond_broadcast(c)
#define THREAD_RET void *
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
static void yield_cpu(void)
{
    sched_yield();
}
static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}
static int thread_start(pool_thread_t *t, void *(*fn)(void *), void *arg)
{
    return pthread_create(t, NULL, fn, arg);
}
static void thread_join(pool_thread_t t)
{
    pthread_join(t, NULL);
}
#endif

/* What one thread keeps from task to task, so that a task allocates nothing. */
typedef struct pool_local {
    uint8_t *scratch; /* a full-size picture (NES_OBS_SOURCE_BYTES), for resampling */
    uint8_t *saved;   /* the state a frame-skipped step may run again from (run_skip_step), */
    size_t saved_cap; /* grown to the largest nes_state_size it held; freed with the pool */
} pool_local_t;

typedef struct pool_worker {
    nes_pool_t *pool;
    int index; /* 1..num_threads-1; the caller works as thread 0 */
    pool_thread_t thread;
} pool_worker_t;

struct nes_pool {
    int num_threads;
    int started; /* workers running */
    pool_mutex_t lock;
    pool_cond_t work; /* a new batch, or stop */
    pool_cond_t done; /* the batch's last task finished */
    long generation; /* written under lock with STORE, read by spinners with LOAD */
    int stop;
    int spin_us; /* how long a thread polls (yielding) before it sleeps on a condition */
    /* the current batch, guarded by lock */
    const nes_pool_task_t *tasks;
    int ntasks, next;
    long finished;
    const nes_obs_plan_t *plan;
    uint8_t *scratch; /* one full-size picture per thread (NES_OBS_SOURCE_BYTES), for resampling */
    pool_local_t *locals; /* one per thread, index 0 the caller's */
    pool_worker_t *workers;
};

/* ---- the work of one task ---- */
static void run_rules(const nes_pool_task_t *t)
{
    const uint8_t *ram = nes_ram(t->nes);
    int flags = 0;
    double reward = 0.0;
    if (t->rules_op == NES_POOL_RULES_STEP)
        reward = nes_rules_step(t->rules, t->rules_state, ram, &flags);
    else if (t->rules_op == NES_POOL_RULES_RESET)
        nes_rules_reset(t->rules, t->rules_state, ram);
    if (t->info != NULL) /* read before the skip rules write RAM and run frames */
        nes_rules_info(t->rules, t->rules_state, ram, t->info, t->info_stride);
    if (t->rules_op == NES_POOL_RULES_STEP
        && nes_rules_skip_run(t->rules, t->rules_state, t->nes, flags & NES_POOL_TERMINATED) == -1)
        flags |= NES_POOL_SKIP_LIMIT;
    if (t->reward != NULL)
        *t->reward = reward;
    if (t->flags != NULL)
        *t->flags = (uint8_t)flags;
}

/* The frames of a frame-skipped step (run_skip_step), drawing from frame `first_drawn` on.
 * Sets *flags and *total; returns the frames run. *whole: the pictures the step shows (the
 * last, and the captured one) were drawn whole. */
static int skip_frames(const nes_pool_task_t *t, const nes_obs_plan_t *plan, int first_drawn,
                       uint8_t last[2], int *flags, double *total, int *whole)
{
    nes_t *nes = t->nes;
    const int k = t->frameskip;
    const int rules = t->rules != NULL && t->rules_op == NES_POOL_RULES_STEP;
    int f = 0;
    *whole = 1;
    nes_set_picture(nes, first_drawn <= 0);
    while (f < k) {
        const uint8_t keep = t->sticky != NULL ? t->sticky[f] : 0;
        if (!(keep & 1))
            last[0] = t->pad1;
        if (!(keep & 2))
            last[1] = t->pad2;
        if (f == first_drawn) {
            nes_set_picture(nes, 1);
        } else if (f == first_drawn - 1) {
            /* frames that end inside the picture (a frame grid) leave the picture of frame
             * first_drawn begun in this one: draw from its first line. Frames drift against
             * the PPU by a dot or two, so where this one starts says where the next will. */
            int sl, dot;
            nes_ppu_position(nes, &sl, &dot);
            if (sl < 240 || (sl == 261 && dot >= 300))
                nes_set_picture(nes, NES_PICTURE_NEXT);
        }
        const int ran = nes_run_frames(nes, 1, last[0], last[1]);
        f++;
        if (ran == NES_WATCHDOG_TRIPPED)
            break;
        if (rules) {
            const uint8_t *ram = nes_ram(nes);
            *flags = 0;
            const double r = nes_rules_step(t->rules, t->rules_state, ram, flags);
            *total += r < t->reward_low ? t->reward_low : (r > t->reward_high ? t->reward_high : r);
            const int terminated = *flags & NES_POOL_TERMINATED;
            if (t->info != NULL && (terminated || f == k)) /* before the skip rules write RAM */
                nes_rules_info(t->rules, t->rules_state, ram, t->info, t->info_stride);
            if (nes_rules_skip_run(t->rules, t->rules_state, nes, terminated) == -1)
                *flags |= NES_POOL_SKIP_LIMIT;
            if (*flags & (NES_POOL_TERMINATED | NES_POOL_SKIP_LIMIT))
                break;
        }
        if (f == k - 1 && t->capture != NULL) { /* the frame before the last, for pooling */
            nes_sync(nes);
            *whole &= nes_screen_valid(nes);
            nes_obs_capture(nes, plan->type, t->capture);
        }
    }
    nes_sync(nes);
    *whole &= nes_screen_valid(nes);
    nes_set_picture(nes, 1);
    return f;
}

/* The thread's buffer for a state of `len` bytes (grown when a console needs more), or NULL
 * when out of memory. */
static uint8_t *saved_buffer(pool_local_t *local, size_t len)
{
    if (len > local->saved_cap) {
        free(local->saved); /* nothing in it to keep: no realloc copy */
        local->saved = (uint8_t *)malloc(len);
        local->saved_cap = local->saved != NULL ? len : 0;
    }
    return local->saved;
}

/* A frame-skipped step (nes_pool_task_t.frameskip): the one implementation of ALE's frame
 * skipping behind both envs. Returns the full-size picture to pool the observation with, or
 * NULL. Frames before the last `draw` do not draw the picture; when a picture the step shows
 * was not drawn whole (a step that ends early shows its last frame, which may be one of
 * them) the step runs again from a save state taken at its start (the console with its
 * picture, the rules' counters), drawing every frame: the emulator and the rules are
 * deterministic, so the second run is the first with the pictures. */
static const uint8_t *run_skip_step(const nes_pool_task_t *t, const nes_obs_plan_t *plan, pool_local_t *local)
{
    nes_t *nes = t->nes;
    const int k = t->frameskip, draw = t->draw < 0 ? k : t->draw;
    const int first_drawn = k - draw;
    uint8_t last[2] = {t->last_pads[0], t->last_pads[1]};
    double total = 0.0;
    int flags = 0, whole = 1;
    const int replay = first_drawn > 0 && draw > 0; /* frames not drawn, a picture wanted */
    uint8_t *saved = NULL;
    size_t saved_len = 0;
    nes_rules_state_t rules_before;
    memset(&rules_before, 0, sizeof(rules_before));
    if (replay) {
        /* with the picture: the run again starts from the same fb, whole (a picture begun
         * before the step, as a frame grid leaves it, is whole only with its first part) */
        saved_len = nes_state_size(nes, NES_STATE_SCREEN);
        saved = saved_buffer(local, saved_len);
        if (saved != NULL && nes_state_save(nes, saved, saved_len, NES_STATE_SCREEN) != NES_OK)
            saved = NULL;
        if (t->rules != NULL)
            rules_before = *t->rules_state;
    }
    int f = skip_frames(t, plan, first_drawn, last, &flags, &total, &whole);
    char err[8];
    if (replay && !whole && saved != NULL && nes_state_load(nes, saved, saved_len, err, sizeof(err)) == NES_OK) {
        if (t->rules != NULL)
            *t->rules_state = rules_before;
        last[0] = t->last_pads[0];
        last[1] = t->last_pads[1];
        total = 0.0;
        flags = 0;
        f = skip_frames(t, plan, 0, last, &flags, &total, &whole);
    } /* else (out of memory): the picture stays stale, and the caller's check says so */
    t->last_pads[0] = last[0];
    t->last_pads[1] = last[1];
    if (t->reward != NULL)
        *t->reward = total;
    if (t->flags != NULL)
        *t->flags = (uint8_t)flags;
    if (t->frames_run != NULL)
        *t->frames_run = f;
    return f == k && k > 1 ? t->capture : NULL;
}

static void run_task(const nes_pool_task_t *t, const nes_obs_plan_t *plan, pool_local_t *local)
{
    nes_t *nes = t->nes;
    uint8_t *scratch = local->scratch;
    if (t->frameskip > 0 && t->frames > 0) {
        const uint8_t *pool_with = run_skip_step(t, plan, local);
        if (t->obs != NULL) {
            nes_sync(nes);
            nes_obs_write(nes, plan, plan->type == NES_OBS_TILES ? NULL : pool_with, t->obs, scratch);
        }
        if (t->ram != NULL)
            memcpy(t->ram, nes_ram(nes), NES_RAM_SIZE);
        return;
    }
    if (t->frames > 0)
        nes_run_frames(nes, t->frames, t->pad1, t->pad2);
    if (t->rules != NULL && t->rules_op != 0)
        run_rules(t);
    if (t->capture != NULL || t->obs != NULL)
        nes_sync(nes);
    if (t->capture != NULL)
        nes_obs_capture(nes, plan->type, t->capture);
    if (t->obs != NULL)
        nes_obs_write(nes, plan, t->pool_with, t->obs, scratch);
    if (t->ram != NULL)
        memcpy(t->ram, nes_ram(nes), NES_RAM_SIZE);
}

/* Take tasks until none is left; called and returns with pool->lock held. */
static void drain(nes_pool_t *pool, int thread_index)
{
    pool_local_t *local = &pool->locals[thread_index];
    while (pool->next < pool->ntasks) {
        const nes_pool_task_t *t = &pool->tasks[pool->next++];
        const nes_obs_plan_t *plan = pool->plan;
        mutex_unlock(&pool->lock);
        run_task(t, plan, local);
        mutex_lock(&pool->lock);
        STORE(pool->finished, pool->finished + 1);
        if (pool->finished == pool->ntasks)
            cond_signal(&pool->done);
    }
}

/* Poll `*value` until it differs from `old` or spin_us pass, yielding the CPU between polls.
 * A thread that sleeps on a condition variable between frames pays the wake-up latency of an
 * idle CPU every batch (on virtual machines it can exceed a frame's time); polling a little
 * while keeps it ready for the next batch, and sched_yield gives the CPU to any other runnable
 * thread meanwhile. Returns nonzero when the value changed. */
static int poll_change(const long *value, long old, int spin_us)
{
    if (spin_us <= 0)
        return LOAD(*value) != old;
    const double end = now_us() + spin_us;
    for (;;) {
        if (LOAD(*value) != old)
            return 1;
        if (now_us() >= end)
            return 0;
        yield_cpu();
    }
}

static THREAD_RET worker_main(void *arg)
{
    pool_worker_t *w = (pool_worker_t *)arg;
    nes_pool_t *pool = w->pool;
    mutex_lock(&pool->lock);
    long seen = pool->generation;
    for (;;) {
        if (!pool->stop && pool->generation == seen) {
            const int spin = pool->spin_us;
            mutex_unlock(&pool->lock);
            poll_change(&pool->generation, seen, spin);
            mutex_lock(&pool->lock);
        }
        while (!pool->stop && pool->generation == seen)
            cond_wait(&pool->work, &pool->lock);
        if (pool->stop)
            break;
        seen = pool->generation;
        drain(pool, w->index);
    }
    mutex_unlock(&pool->lock);
    return 0;
}

/* ---- pool lifetime ---- */
/* Free the pool's memory (its threads, lock and conditions are gone or were never made). */
static void pool_free(nes_pool_t *pool)
{
    if (pool->locals != NULL)
        for (int i = 0; i < pool->num_threads; i++)
            free(pool->locals[i].saved);
    free(pool->locals);
    free(pool->scratch);
    free(pool->workers);
    free(pool);
}

nes_pool_t *nes_pool_create(int num_threads)
{
    if (num_threads < 1)
        num_threads = 1;
    nes_pool_t *pool = (nes_pool_t *)calloc(1, sizeof(*pool));
    if (pool == NULL)
        return NULL;
    pool->num_threads = num_threads;
    pool->spin_us = NES_POOL_DEFAULT_SPIN_US;
    pool->scratch = (uint8_t *)malloc((size_t)num_threads * NES_OBS_SOURCE_BYTES);
    pool->locals = (pool_local_t *)calloc((size_t)num_threads, sizeof(pool_local_t));
    pool->workers = (pool_worker_t *)calloc((size_t)num_threads, sizeof(pool_worker_t));
    if (pool->scratch == NULL || pool->locals == NULL || pool->workers == NULL) {
        pool_free(pool);
        return NULL;
    }
    for (int i = 0; i < num_threads; i++)
        pool->locals[i].scratch = pool->scratch + (size_t)i * NES_OBS_SOURCE_BYTES;
    if (mutex_init(&pool->lock) != 0) {
        pool_free(pool);
        return NULL;
    }
    if (cond_init(&pool->work) != 0 || cond_init(&pool->done) != 0) {
        /* pthread_cond_init does not fail on Linux; keep the cleanup honest anyway */
        mutex_destroy(&pool->lock);
        pool_free(pool);
        return NULL;
    }
    for (int i = 1; i < num_threads; i++) {
        pool_worker_t *w = &pool->workers[i];
        w->pool = pool;
        w->index = i;
        if (thread_start(&w->thread, worker_main, w) != 0) {
            nes_pool_destroy(pool);
            return NULL;
        }
        pool->started++;
    }
    return pool;
}

void nes_pool_destroy(nes_pool_t *pool)
{
    if (pool == NULL)
        return;
    mutex_lock(&pool->lock);
    pool->stop = 1;
    cond_broadcast(&pool->work);
    mutex_unlock(&pool->lock);
    for (int i = 1; i <= pool->started; i++)
        thread_join(pool->workers[i].thread);
    cond_destroy(&pool->work);
    cond_destroy(&pool->done);
    mutex_destroy(&pool->lock);
    pool_free(pool);
}

int nes_pool_threads(const nes_pool_t *pool)
{
    return pool->num_threads;
}

void nes_pool_set_spin(nes_pool_t *pool, int spin_us)
{
    mutex_lock(&pool->lock);
    pool->spin_us = spin_us < 0 ? 0 : spin_us;
    mutex_unlock(&pool->lock);
}

int nes_pool_spin(const nes_pool_t *pool)
{
    return pool->spin_us;
}

int nes_pool_run(nes_pool_t *pool, const nes_pool_task_t *tasks, int n, const nes_obs_plan_t *plan)
{
    if (n <= 0)
        return NES_OK;
    if (pool->num_threads == 1 || n == 1) {
        for (int i = 0; i < n; i++)
            run_task(&tasks[i], plan, &pool->locals[0]);
        return NES_OK;
    }
    mutex_lock(&pool->lock);
    pool->tasks = tasks;
    pool->ntasks = n;
    pool->next = 0;
    pool->finished = 0;
    pool->plan = plan;
    STORE(pool->generation, pool->generation + 1);
    cond_broadcast(&pool->work);
    drain(pool, 0);
    if (pool->finished < pool->ntasks) { /* a worker still runs its last task */
        const int spin = pool->spin_us;
        long f = pool->finished;
        mutex_unlock(&pool->lock);
        while (f < n && poll_change(&pool->finished, f, spin))
            f = LOAD(pool->finished);
        mutex_lock(&pool->lock);
    }
    while (pool->finished < pool->ntasks)
        cond_wait(&pool->done, &pool->lock);
    /* a worker that wakes late finds next == ntasks and goes back to sleep */
    pool->tasks = NULL;
    pool->ntasks = 0;
    pool->next = 0;
    mutex_unlock(&pool->lock);
    return NES_OK;
}
