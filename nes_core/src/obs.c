/* obs.c - observations of a console's picture: capture, pooling, area resampling. */
#include "obs.h"
#include "lut64.h"

#include <string.h>

/* Weights of output pixel o: the overlap of each source pixel with [o * in, (o + 1) * in) in
 * units of 1 / out source pixels (so the interval ends are integers). */
static void axis_init(nes_obs_axis_t *a, int in, int out) {
    a->in = in;
    a->out = out;
    int pos = 0;
    for (int o = 0; o < out; o++) {
        int lo = o * in, hi = (o + 1) * in;
        int first = lo / out, last = (hi + out - 1) / out; /* source pixels [first, last) */
        a->first[o] = (uint16_t)first;
        a->count[o] = (uint16_t)(last - first);
        a->at[o] = (uint16_t)pos;
        for (int i = first; i < last; i++) {
            int from = i * out > lo ? i * out : lo, to = (i + 1) * out < hi ? (i + 1) * out : hi;
            a->w[pos++] = (uint16_t)(to - from);
        }
    }
}

int nes_obs_plan_init(nes_obs_plan_t *p, int type, int height, int width) {
    if (type == NES_OBS_TILES) {
        if (height != NES_TILES_ROWS || width != NES_TILES_COLS) return -1;
        memset(p, 0, sizeof(*p));
        p->type = type;
        p->height = height;
        p->width = width;
        p->channels = NES_TILES_CHANNELS;
        return 0;
    }
    if ((type != NES_OBS_RGB && type != NES_OBS_GRAYSCALE) || height < 1 || height > NES_HEIGHT ||
        width < 1 || width > NES_WIDTH)
        return -1;
    p->type = type;
    p->height = height;
    p->width = width;
    p->channels = type == NES_OBS_RGB ? 3 : 1;
    p->native = height == NES_HEIGHT && width == NES_WIDTH;
    axis_init(&p->y, NES_HEIGHT, height);
    axis_init(&p->x, NES_WIDTH, width);
    return 0;
}

size_t nes_obs_plan_bytes(const nes_obs_plan_t *p) {
    return (size_t)p->height * (size_t)p->width * (size_t)p->channels;
}

#ifdef NES_LUT64_AVX2
/* The grey capture with AVX2, 32 pixels a step: each line's 64 luma values as one lut64 table.
 * The same bytes as the scalar loop. */
__attribute__((target("avx2"))) static void capture_gray_avx2(const uint8_t luma[8][64], const uint8_t *fb,
                                                              const uint8_t *emph, uint8_t *src) {
    const __m256i six = _mm256_set1_epi8(63);
    nes_lut64_t tab;
    int cur = -1;
    for (int y = 0; y < NES_HEIGHT; y++) {
        const int e = emph[y] & 7;
        if (e != cur) {
            cur = e;
            nes_lut64_load(&tab, luma[e]);
        }
        const uint8_t *row = fb + (size_t)y * NES_WIDTH;
        uint8_t *o = src + (size_t)y * NES_WIDTH;
        for (int x = 0; x < NES_WIDTH; x += 32) {
            const nes_lut64_keys_t k = nes_lut64_keys(_mm256_and_si256(_mm256_loadu_si256((const __m256i *)(row + x)), six));
            _mm256_storeu_si256((__m256i *)(o + x), nes_lut64_get(&tab, &k));
        }
    }
}
#endif

void nes_obs_capture(const nes_t *nes, int type, uint8_t *src) {
    if (type == NES_OBS_RGB) {
        nes_render_rgb(nes, src);
        return;
    }
    const uint8_t *fb = nes_framebuffer(nes), *emph = nes_emphasis(nes), *pal = nes_palette_rgb(nes);
    uint8_t luma[8][64];
    for (int i = 0; i < 512; i++) {
        const uint8_t *c = pal + 3 * i;
        luma[i >> 6][i & 63] = (uint8_t)((77u * c[0] + 150u * c[1] + 29u * c[2] + 128u) >> 8);
    }
#ifdef NES_LUT64_AVX2
    if (__builtin_cpu_supports("avx2")) {
        capture_gray_avx2((const uint8_t(*)[64])luma, fb, emph, src);
        return;
    }
#endif
    /* one table lookup a pixel, eight pixels per 8-byte load and store */
    for (int y = 0; y < NES_HEIGHT; y++) {
        const uint8_t *l = luma[emph[y] & 7], *row = fb + (size_t)y * NES_WIDTH;
        uint8_t *o = src + (size_t)y * NES_WIDTH;
        for (int x = 0; x < NES_WIDTH; x += 8) {
            uint64_t q, px = 0;
            memcpy(&q, row + x, 8);
            for (int i = 0; i < 8; i++) px |= (uint64_t)l[(q >> (8 * i)) & 63] << (8 * i);
            memcpy(o + x, &px, 8);
        }
    }
}

void nes_obs_max(uint8_t *a, const uint8_t *b, size_t n) {
    for (size_t i = 0; i < n; i++) a[i] = a[i] > b[i] ? a[i] : b[i];
}

/* The column pass of one grey row with every output's weights padded to K taps (zeros past
 * its count), so the tap loop has a constant length: one output a few multiply-adds. */
#define DENSE_TAPS_MAX 6
static inline void columns_dense(const uint32_t *row, const uint16_t *first, const uint16_t *w,
                                 int width, const int K, uint8_t *o) {
    const uint32_t div = (uint32_t)NES_HEIGHT * NES_WIDTH, half = div / 2;
    for (int ox = 0; ox < width; ox++) {
        const uint32_t *r = row + first[ox];
        const uint16_t *wx = w + ox * K;
        uint32_t v = half;
        for (int t = 0; t < K; t++) v += wx[t] * r[t];
        o[ox] = (uint8_t)(v / div);
    }
}

/* Rows first (each output row: the weighted sum of its source rows, at most 255 * 240 per
 * value), then columns (at most 255 * 240 * 256 < 2^24): exact integers, divided once by
 * 240 * 256 with rounding half up. */
void nes_obs_resample(const nes_obs_plan_t *p, const uint8_t *src, uint8_t *out) {
    const int ch = p->channels, sw = NES_WIDTH * ch;
    const uint32_t div = (uint32_t)NES_HEIGHT * NES_WIDTH, half = div / 2;
    if (p->native) {
        memcpy(out, src, (size_t)NES_HEIGHT * sw);
        return;
    }
    /* zeros past the last pixel: the padded taps of columns_dense read up to K - 1 of them */
    uint32_t row[NES_WIDTH * 3 + DENSE_TAPS_MAX] = {0};
    int K = 0;
    for (int ox = 0; ox < p->width; ox++)
        if (p->x.count[ox] > K) K = p->x.count[ox];
    uint16_t dense[NES_WIDTH * DENSE_TAPS_MAX];
    if (ch == 1 && K <= DENSE_TAPS_MAX) {
        for (int ox = 0; ox < p->width; ox++)
            for (int t = 0; t < K; t++)
                dense[ox * K + t] = t < p->x.count[ox] ? p->x.w[p->x.at[ox] + t] : 0;
    } else {
        K = 0;
    }
    for (int oy = 0; oy < p->height; oy++) {
        const uint16_t *wy = p->y.w + p->y.at[oy];
        const uint8_t *s0 = src + (size_t)p->y.first[oy] * sw;
        for (int i = 0; i < sw; i++) row[i] = (uint32_t)wy[0] * s0[i];
        for (int t = 1; t < p->y.count[oy]; t++) {
            const uint8_t *s = s0 + (size_t)t * sw;
            const uint32_t w = wy[t];
            for (int i = 0; i < sw; i++) row[i] += w * s[i];
        }
        uint8_t *o = out + (size_t)oy * p->width * ch;
        switch (K) { /* constant tap counts: the compiler unrolls each */
        case 2: columns_dense(row, p->x.first, dense, p->width, 2, o); continue;
        case 3: columns_dense(row, p->x.first, dense, p->width, 3, o); continue;
        case 4: columns_dense(row, p->x.first, dense, p->width, 4, o); continue;
        case 5: columns_dense(row, p->x.first, dense, p->width, 5, o); continue;
        case 6: columns_dense(row, p->x.first, dense, p->width, 6, o); continue;
        default: break;
        }
        for (int ox = 0; ox < p->width; ox++) {
            const uint16_t *wx = p->x.w + p->x.at[ox];
            const uint32_t *r = row + (size_t)p->x.first[ox] * ch;
            for (int c = 0; c < ch; c++) {
                uint32_t v = half;
                for (int t = 0; t < p->x.count[ox]; t++) v += wx[t] * r[t * ch + c];
                o[ox * ch + c] = (uint8_t)(v / div);
            }
        }
    }
}

/* ---- fast paths for the same power-of-two scale on both axes (2, 4, 8, 16): box means, the
 * values nes_obs_resample gives for them ---- */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* 0 unless 240 / height == 256 / width == 2^s, s in 1..4 */
static int box_shift(const nes_obs_plan_t *p) {
    for (int s = 1; s <= 4; s++)
        if (p->height == (NES_HEIGHT >> s) && p->width == (NES_WIDTH >> s)) return s;
    return 0;
}

/* Box mean of a 240 x 256 grey picture by 2^s, rounded half up (sums fit 16 bits: at most
 * 16 * 16 * 255 + 128). */
static ALWAYS_INLINE void box_gray(const uint8_t *g, uint8_t *out, const int s) {
    const int k = 1 << s, ow = NES_WIDTH >> s, oh = NES_HEIGHT >> s;
    const uint16_t half = (uint16_t)(1u << (2 * s - 1));
    uint16_t acc[NES_WIDTH];
    for (int oy = 0; oy < oh; oy++) {
        for (int x = 0; x < ow; x++) acc[x] = half;
        for (int dy = 0; dy < k; dy++) {
            const uint8_t *row = g + (size_t)((oy << s) + dy) * NES_WIDTH;
            for (int x = 0; x < ow; x++) {
                uint16_t t = 0;
                for (int dx = 0; dx < k; dx++) t = (uint16_t)(t + row[(x << s) + dx]);
                acc[x] = (uint16_t)(acc[x] + t);
            }
        }
        uint8_t *o = out + (size_t)oy * ow;
        for (int x = 0; x < ow; x++) o[x] = (uint8_t)(acc[x] >> (2 * s));
    }
}

/* Box-mean RGB straight from the palette indices: each of the 512 colours packed as three
 * 21-bit lanes of a 64-bit word (R | G << 21 | B << 42), so one addition a pixel sums all three
 * channels (at most 16 * 16 * 255 per lane). */
static ALWAYS_INLINE void box_rgb(const nes_t *nes, uint8_t *out, const int s) {
    const int k = 1 << s, ow = NES_WIDTH >> s, oh = NES_HEIGHT >> s;
    const uint64_t lane = (1u << 21) - 1, half = 1u << (2 * s - 1);
    const uint8_t *fb = nes_framebuffer(nes), *emph = nes_emphasis(nes), *pal = nes_palette_rgb(nes);
    uint64_t lut[8][64];
    for (int i = 0; i < 512; i++) {
        const uint8_t *c = pal + 3 * i;
        lut[i >> 6][i & 63] = (uint64_t)c[0] | (uint64_t)c[1] << 21 | (uint64_t)c[2] << 42;
    }
    for (int oy = 0; oy < oh; oy++) {
        uint8_t *o = out + (size_t)oy * ow * 3;
        for (int ox = 0; ox < ow; ox++) {
            uint64_t sum = 0;
            for (int dy = 0; dy < k; dy++) {
                const int y = (oy << s) + dy;
                const uint64_t *l = lut[emph[y] & 7];
                const uint8_t *row = fb + (size_t)y * NES_WIDTH + (ox << s);
                for (int dx = 0; dx < k; dx++) sum += l[row[dx] & 63];
            }
            o[3 * ox] = (uint8_t)(((sum & lane) + half) >> (2 * s));
            o[3 * ox + 1] = (uint8_t)((((sum >> 21) & lane) + half) >> (2 * s));
            o[3 * ox + 2] = (uint8_t)(((sum >> 42) + half) >> (2 * s));
        }
    }
}

static void box_write(const nes_t *nes, const nes_obs_plan_t *p, int s, uint8_t *out, uint8_t *scratch) {
    if (p->type == NES_OBS_RGB) {
        switch (s) {
        case 1: box_rgb(nes, out, 1); break;
        case 2: box_rgb(nes, out, 2); break;
        case 3: box_rgb(nes, out, 3); break;
        default: box_rgb(nes, out, 4); break;
        }
        return;
    }
    nes_obs_capture(nes, NES_OBS_GRAYSCALE, scratch);
    switch (s) {
    case 1: box_gray(scratch, out, 1); break;
    case 2: box_gray(scratch, out, 2); break;
    case 3: box_gray(scratch, out, 3); break;
    default: box_gray(scratch, out, 4); break;
    }
}

void nes_obs_write(const nes_t *nes, const nes_obs_plan_t *p, const uint8_t *prev, uint8_t *out,
                   uint8_t *scratch) {
    if (p->type == NES_OBS_TILES) {
        nes_tiles(nes, out);
        return;
    }
    if (p->native && prev == NULL) {
        nes_obs_capture(nes, p->type, out);
        return;
    }
    int s = prev == NULL ? box_shift(p) : 0;
    if (s) {
        box_write(nes, p, s, out, scratch);
        return;
    }
    nes_obs_capture(nes, p->type, scratch);
    if (prev != NULL) nes_obs_max(scratch, prev, (size_t)NES_HEIGHT * NES_WIDTH * p->channels);
    nes_obs_resample(p, scratch, out);
}
