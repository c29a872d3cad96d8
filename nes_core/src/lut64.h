/* lut64.h - a 64-entry byte table looked up 32 bytes at a time with AVX2, shared by the grey
 * capture (obs.c) and the RGB conversion (console.c). The table is held as four 16-byte
 * quarters, each broadcast to both 128-bit lanes; a byte shuffle looks an index up in each
 * quarter and writes 0 where the index byte has bit 7 set, which a saturating add of 0x70 sets
 * for indices outside that quarter, so the OR of the four shuffles is the table's byte.
 *
 * NES_LUT64_AVX2 is defined where the compiler can build this (x86 with GCC or clang); callers
 * check __builtin_cpu_supports("avx2") before calling code that uses it. */
#ifndef NES_LUT64_H
#define NES_LUT64_H
#include <stdint.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define NES_LUT64_AVX2 1

/* a table's four quarters: q[i] holds entries 16 i .. 16 i + 15 in both lanes */
typedef struct nes_lut64 {
    __m256i q[4];
} nes_lut64_t;

/* 32 indices turned into the four quarters' shuffle keys (one set serves several tables) */
typedef struct nes_lut64_keys {
    __m256i k[4];
} nes_lut64_keys_t;

__attribute__((target("avx2"))) static inline void nes_lut64_load(nes_lut64_t *t, const uint8_t table[64]) {
    for (int i = 0; i < 4; i++) t->q[i] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)&table[16 * i]));
}

/* idx: 32 bytes, each 0-63 */
__attribute__((target("avx2"))) static inline nes_lut64_keys_t nes_lut64_keys(__m256i idx) {
    const __m256i bias = _mm256_set1_epi8(0x70);
    nes_lut64_keys_t k;
    k.k[0] = _mm256_adds_epu8(idx, bias);
    k.k[1] = _mm256_adds_epu8(_mm256_sub_epi8(idx, _mm256_set1_epi8(16)), bias);
    k.k[2] = _mm256_adds_epu8(_mm256_sub_epi8(idx, _mm256_set1_epi8(32)), bias);
    k.k[3] = _mm256_adds_epu8(_mm256_sub_epi8(idx, _mm256_set1_epi8(48)), bias);
    return k;
}

/* table[idx] for the 32 indices the keys were made from */
__attribute__((target("avx2"))) static inline __m256i nes_lut64_get(const nes_lut64_t *t, const nes_lut64_keys_t *k) {
    return _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(t->q[0], k->k[0]), _mm256_shuffle_epi8(t->q[1], k->k[1])),
                           _mm256_or_si256(_mm256_shuffle_epi8(t->q[2], k->k[2]), _mm256_shuffle_epi8(t->q[3], k->k[3])));
}
#endif

#endif
