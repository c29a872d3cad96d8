/* state.c - the save-state format: the blob's header (magic, version, ROM hash, length,
 * checksum), the order of the units' sections, and every check a blob passes before it is
 * loaded. Each unit owns only the visitor of its own section (cpu_state, ppu_state ...). */
#include <stdio.h>
#include <stdlib.h>

#include "core.h"
#include "state.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void st_begin(state_t *st, const char tag[4]) {
    if (st->err) return;
    if (st->mode != ST_MEASURE && st->pos + 8 > st->cap) { st->err = 1; st->msg = "state data ends early"; return; }
    if ((st->mode == ST_LOAD || st->mode == ST_VERIFY) && memcmp(st->buf + st->pos, tag, 4) != 0) {
        st->err = 1; st->msg = "unexpected section"; return;
    }
    if (st->mode == ST_SAVE) memcpy(st->buf + st->pos, tag, 4);
    if (st->mode == ST_MEASURE && st->layout.nsec < 16) memcpy(st->layout.sec_tag[st->layout.nsec], tag, 4);
    st->sec_start = st->pos + 4;
    st->pos += 8; /* tag + length, the length written by st_end */
}

void st_end(state_t *st) {
    if (st->err) return;
    uint32_t len = (uint32_t)(st->pos - st->sec_start - 4);
    if (st->mode == ST_SAVE) {
        memcpy(st->buf + st->sec_start, &len, 4);
    } else if (st->mode == ST_LOAD || st->mode == ST_VERIFY) {
        uint32_t stored;
        memcpy(&stored, st->buf + st->sec_start, 4);
        if (stored != len) { st->err = 1; st->msg = "section length mismatch"; }
    } else if (st->layout.nsec < 16) {
        st->layout.sec_len[st->layout.nsec++] = len;
    }
}

/* ---- save states ----
 * Blob: "NESENVST", format version (u32), ROM hash (u64), payload length (u64), payload
 * checksum (u64), then the tagged sections; the screen section last and only when asked for.
 * Loading checks all of it before touching state. */
#define STATE_MAGIC "NESENVST"
#define STATE_VERSION 7u
#define STATE_HEADER 36

static void all_state(state_t *st, nes_t *n, int screen) {
    console_state(st, n);
    cpu_state(st, n);
    ppu_state(st, n);
    apu_state(st, n);
    cart_state(st, n);
    nespy_state(st, n);
    if (screen) ppu_screen_state(st, n);
}

/* Fletcher-style sums over the 32-byte blocks of the payload, as four 64-bit lanes: a is the
 * sum of the blocks, b the sum of the running a's (block k of N weighs N - k), so the sum is
 * position-sensitive; the tail bytes and the lanes are then hashed. The vector loops keep
 * several block streams at once (stream r takes blocks r, r + S, ...: a = sum of the a_r,
 * b = S * sum of the b_r - sum of r * a_r), which breaks the add chain and gives the same sum
 * as one stream: ~0.006 ns a byte with AVX2, ~0.012 with SSE2. */
static uint64_t checksum_finish(const uint8_t *p, size_t i, size_t len, const uint64_t s[8]) {
    uint64_t h = len * 0x9E3779B97F4A7C15ULL;
    for (; i < len; i++) h = (h ^ p[i]) * 0x100000001B3ULL;
    for (int k = 0; k < 8; k++) { h = (h ^ s[k]) * 0xFF51AFD7ED558CCDULL; h ^= h >> 32; }
    return h;
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CHECKSUM_AVX2 1
/* four streams of 32-byte blocks */
__attribute__((target("avx2"))) static uint64_t checksum_avx2(const uint8_t *p, size_t len) {
    uint64_t s[8];
    size_t i = 0;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (; i + 128 <= len; i += 128) {
        a0 = _mm256_add_epi64(a0, _mm256_loadu_si256((const __m256i *)(p + i)));
        a1 = _mm256_add_epi64(a1, _mm256_loadu_si256((const __m256i *)(p + i + 32)));
        a2 = _mm256_add_epi64(a2, _mm256_loadu_si256((const __m256i *)(p + i + 64)));
        a3 = _mm256_add_epi64(a3, _mm256_loadu_si256((const __m256i *)(p + i + 96)));
        b0 = _mm256_add_epi64(b0, a0); b1 = _mm256_add_epi64(b1, a1);
        b2 = _mm256_add_epi64(b2, a2); b3 = _mm256_add_epi64(b3, a3);
    }
    __m256i a = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
    __m256i b = _mm256_slli_epi64(_mm256_add_epi64(_mm256_add_epi64(b0, b1), _mm256_add_epi64(b2, b3)), 2);
    __m256i ra = _mm256_add_epi64(_mm256_add_epi64(a1, _mm256_slli_epi64(a2, 1)),
                                  _mm256_add_epi64(_mm256_slli_epi64(a3, 1), a3)); /* a1 + 2 a2 + 3 a3 */
    b = _mm256_sub_epi64(b, ra);
    for (; i + 32 <= len; i += 32) {
        a = _mm256_add_epi64(a, _mm256_loadu_si256((const __m256i *)(p + i)));
        b = _mm256_add_epi64(b, a);
    }
    _mm256_storeu_si256((__m256i *)s, a);
    _mm256_storeu_si256((__m256i *)(s + 4), b);
    return checksum_finish(p, i, len, s);
}
#endif

static uint64_t checksum(const uint8_t *p, size_t len) {
#ifdef CHECKSUM_AVX2
    if (__builtin_cpu_supports("avx2")) return checksum_avx2(p, len);
#endif
    uint64_t s[8];
    size_t i = 0;
#ifdef __SSE2__
    /* two streams of 32-byte blocks, each block two 16-byte halves */
    __m128i z = _mm_setzero_si128(), ae0 = z, ae1 = z, ao0 = z, ao1 = z, be0 = z, be1 = z, bo0 = z, bo1 = z;
    for (; i + 64 <= len; i += 64) {
        ae0 = _mm_add_epi64(ae0, _mm_loadu_si128((const __m128i *)(p + i)));
        ae1 = _mm_add_epi64(ae1, _mm_loadu_si128((const __m128i *)(p + i + 16)));
        ao0 = _mm_add_epi64(ao0, _mm_loadu_si128((const __m128i *)(p + i + 32)));
        ao1 = _mm_add_epi64(ao1, _mm_loadu_si128((const __m128i *)(p + i + 48)));
        be0 = _mm_add_epi64(be0, ae0); be1 = _mm_add_epi64(be1, ae1);
        bo0 = _mm_add_epi64(bo0, ao0); bo1 = _mm_add_epi64(bo1, ao1);
    }
    __m128i a0 = _mm_add_epi64(ae0, ao0), a1 = _mm_add_epi64(ae1, ao1);
    __m128i b0 = _mm_sub_epi64(_mm_slli_epi64(_mm_add_epi64(be0, bo0), 1), ao0);
    __m128i b1 = _mm_sub_epi64(_mm_slli_epi64(_mm_add_epi64(be1, bo1), 1), ao1);
    for (; i + 32 <= len; i += 32) {
        a0 = _mm_add_epi64(a0, _mm_loadu_si128((const __m128i *)(p + i)));
        a1 = _mm_add_epi64(a1, _mm_loadu_si128((const __m128i *)(p + i + 16)));
        b0 = _mm_add_epi64(b0, a0);
        b1 = _mm_add_epi64(b1, a1);
    }
    _mm_storeu_si128((__m128i *)s, a0); _mm_storeu_si128((__m128i *)(s + 2), a1);
    _mm_storeu_si128((__m128i *)(s + 4), b0); _mm_storeu_si128((__m128i *)(s + 6), b1);
#else
    memset(s, 0, sizeof(s));
    for (; i + 32 <= len; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        for (int k = 0; k < 4; k++) { s[k] += w[k]; s[4 + k] += s[k]; }
    }
#endif
    return checksum_finish(p, i, len, s);
}

/* The layout this build writes for this console, measured once (it depends on the board). */
static const state_layout_t *state_layout(nes_t *n, int screen) {
    if (!n->state_layout_ready[screen]) {
        state_t st = {.mode = ST_MEASURE};
        all_state(&st, n, screen);
        st.layout.payload = st.pos;
        n->state_layout[screen] = st.layout;
        n->state_layout_ready[screen] = 1;
    }
    return &n->state_layout[screen];
}

/* Checks a payload in the scratch console, so that a bad one is refused before this console
 * changes. The units' loaders clamp every field that indexes a table, selects a bank or drives
 * a countdown, and a state this build saved loads unchanged; so a valid payload is a fixed
 * point of load + save, and a field that changes is out of range. Memory contents, where any
 * value is valid, are skipped (ST_BULK). The checks that span units (the clocks) are made
 * here. The scratch runs with audio off: the resampler's settings are the console's. */
static int state_check(nes_t *n, const uint8_t *payload, const state_layout_t *layout, int screen,
                       char *err, size_t errlen) {
    cart_t *c = &n->cart;
    size_t ram_total = (size_t)c->prg_ram_size + c->prg_nvram_size;
    size_t chr_ram = c->chr_is_ram ? c->chr_size : 0;
    if (!n->scratch) {
        n->scratch = calloc(1, sizeof(nes_t));
        n->scratch_mem = malloc(ram_total + chr_ram + 1);
        if (!n->scratch || !n->scratch_mem) {
            free(n->scratch); free(n->scratch_mem);
            n->scratch = NULL; n->scratch_mem = NULL;
            snprintf(err, errlen, "out of memory");
            return NES_ERR_NOMEM;
        }
    }
    nes_t *s = n->scratch;
    /* what the loaders read besides the blob: the cartridge and the APU's configuration */
    memcpy(&s->cart, c, sizeof(cart_t));
    s->cart.prg_ram = ram_total ? n->scratch_mem : NULL;
    if (c->chr_is_ram) s->cart.chr = n->scratch_mem + ram_total;
    memcpy(&s->apu, &n->apu, sizeof(apu_t));
    s->apu.samples = NULL;
    s->apu.sample_cap = s->apu.sample_count = 0;
    s->apu.audio_enabled = 0;
    /* nothing pending, so the walk never runs the scratch APU; au_inc stays the console's,
     * since the loader fits the resampler's countdown to it (a zero skipped that clamp) */
    s->apu.wait_len = s->apu.wait;
    s->ppu_lockstep = n->ppu_lockstep;

    state_t st = {.mode = ST_LOAD, .buf = (uint8_t *)payload, .cap = layout->payload, .check = 1};
    all_state(&st, s, screen);
    if (st.err) {
        snprintf(err, errlen, "save state could not be loaded: %s", st.msg ? st.msg : "error");
        return NES_ERR_STATE;
    }
    /* The PPU is caught up with the CPU when a state is saved (nes_state_save syncs it). A
     * PPU clock ahead of the CPU, or far behind it, would stall or flood the next step. */
    uint64_t target = s->cpu.master_clock - PPU_OFFSET;
    if (s->cpu.master_clock < PPU_OFFSET || s->ppu.clock > target || s->ppu.clock + 4 <= target) {
        snprintf(err, errlen, "save state is inconsistent: the PPU clock (%llu) is not within one dot "
                 "of the CPU's master clock (%llu)", (unsigned long long)s->ppu.clock,
                 (unsigned long long)s->cpu.master_clock);
        return NES_ERR_STATE;
    }
    st = (state_t){.mode = ST_VERIFY, .buf = (uint8_t *)payload, .cap = layout->payload, .check = 1};
    all_state(&st, s, screen);
    if (st.err) {
        size_t sec_start = 0;
        int sec = 0;
        for (; sec < layout->nsec - 1; sec++) {
            if (st.err_pos < sec_start + 8 + layout->sec_len[sec]) break;
            sec_start += 8 + layout->sec_len[sec];
        }
        snprintf(err, errlen, "save state has a value out of range in section %.4s (byte %zu of the "
                 "section); it was not written by this build", layout->sec_tag[sec],
                 st.err_pos > sec_start + 8 ? st.err_pos - sec_start - 8 : 0);
        return NES_ERR_STATE;
    }
    return NES_OK;
}

size_t nes_state_size(nes_t *n, unsigned flags) {
    return STATE_HEADER + state_layout(n, (flags & NES_STATE_SCREEN) != 0)->payload;
}

int nes_state_save(nes_t *n, uint8_t *buf, size_t len, unsigned flags) {
    int screen = (flags & NES_STATE_SCREEN) != 0;
    size_t payload = state_layout(n, screen)->payload;
    if (len < STATE_HEADER + payload) return NES_ERR_STATE;
    ppu_sync(n); /* the PPU caught up to the CPU: one canonical state */
    state_t st = {.mode = ST_SAVE, .buf = buf + STATE_HEADER, .cap = payload};
    all_state(&st, n, screen);
    if (st.err || st.pos != payload) return NES_ERR_STATE;
    uint32_t ver = STATE_VERSION;
    uint64_t plen = payload, sum = checksum(buf + STATE_HEADER, payload);
    memcpy(buf, STATE_MAGIC, 8);
    memcpy(buf + 8, &ver, 4);
    memcpy(buf + 12, &n->cart.rom_hash, 8);
    memcpy(buf + 20, &plen, 8);
    memcpy(buf + 28, &sum, 8);
    return NES_OK;
}

int nes_state_load(nes_t *n, const uint8_t *buf, size_t len, char *err, size_t errlen) {
    if (len < STATE_HEADER || memcmp(buf, STATE_MAGIC, 8) != 0) {
        snprintf(err, errlen, "not a nesenv save state (%zu bytes, no NESENVST header)", len);
        return NES_ERR_STATE;
    }
    uint32_t ver;
    uint64_t hash, plen, sum;
    memcpy(&ver, buf + 8, 4);
    memcpy(&hash, buf + 12, 8);
    memcpy(&plen, buf + 20, 8);
    memcpy(&sum, buf + 28, 8);
    if (ver != STATE_VERSION) {
        snprintf(err, errlen, "save state format version %u, this build reads version %u", ver, STATE_VERSION);
        return NES_ERR_STATE;
    }
    if (hash != n->cart.rom_hash) {
        snprintf(err, errlen, "save state belongs to another ROM (hash %016llx, this ROM %016llx)",
                 (unsigned long long)hash, (unsigned long long)n->cart.rom_hash);
        return NES_ERR_STATE;
    }
    /* the payload length tells whether the screen section is there */
    const state_layout_t *bare = state_layout(n, 0), *full = state_layout(n, 1);
    const state_layout_t *layout = plen == full->payload ? full : bare;
    if (plen != layout->payload || len != STATE_HEADER + plen) {
        snprintf(err, errlen, "save state has the wrong size (%zu bytes, expected %zu or %zu)", len,
                 STATE_HEADER + bare->payload, STATE_HEADER + full->payload);
        return NES_ERR_STATE;
    }
    if (checksum(buf + STATE_HEADER, plen) != sum) {
        snprintf(err, errlen, "save state is corrupted (checksum mismatch)");
        return NES_ERR_STATE;
    }
    /* the section layout must be the one this build writes, before anything is loaded */
    size_t pos = STATE_HEADER;
    for (int i = 0; i < layout->nsec; i++) {
        uint32_t slen;
        memcpy(&slen, buf + pos + 4, 4);
        if (memcmp(buf + pos, layout->sec_tag[i], 4) != 0 || slen != layout->sec_len[i]) {
            snprintf(err, errlen, "save state is corrupted (section %d is not %.4s)", i, layout->sec_tag[i]);
            return NES_ERR_STATE;
        }
        pos += 8 + slen;
    }
    int r = state_check(n, buf + STATE_HEADER, layout, layout == full, err, errlen);
    if (r != NES_OK) return r;
    if (n->scratch->timing != n->timing) {
        static const char *const names[] = {"accurate", "nes-py", "nes-py-9"};
        snprintf(err, errlen, "save state was made with %s timing, this console runs %s timing",
                 names[n->scratch->timing], names[n->timing]);
        return NES_ERR_STATE;
    }
    state_t st = {.mode = ST_LOAD, .buf = (uint8_t *)buf + STATE_HEADER, .cap = plen};
    all_state(&st, n, layout == full);
    if (st.err) { /* unreachable after the checks above; reported rather than hidden */
        snprintf(err, errlen, "save state could not be loaded: %s", st.msg ? st.msg : "error");
        return NES_ERR_STATE;
    }
    ppu_schedule(n);
    return NES_OK;
}
