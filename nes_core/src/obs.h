/* obs.h - observations of a console's picture for agents: RGB or grayscale at any size up to the
 * native 240 x 256 (area averaging, as OpenCV's INTER_AREA), the maximum of two pictures (ALE's
 * frame pooling), or the tile view (nes_tiles). The one implementation behind
 * nes_core.NES.observe, the envs and the pool. Uses only the public API of nes.h. */
#ifndef NES_OBS_H
#define NES_OBS_H
#include <stddef.h>
#include <stdint.h>

#include "nes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NES_OBS_TILES: nes_tiles' 30 x 32 x 4 grid (nes.h); no resampling, no pooling. */
enum { NES_OBS_RGB = 0, NES_OBS_GRAYSCALE = 1, NES_OBS_TILES = 2 };

/* Full-size picture in a type's channels: 240 * 256 * 3 bytes for RGB, 240 * 256 for grayscale. */
#define NES_OBS_SOURCE_BYTES (NES_HEIGHT * NES_WIDTH * 3)

/* Area resampling along one axis, in -> out pixels: output o covers source interval
 * [o * in / out, (o + 1) * in / out), each source pixel weighted by its overlap with it,
 * measured in 1/out pixels: integer weights that sum to `in` for every output, so a resampled
 * value is an exact fraction and is rounded exactly. */
typedef struct nes_obs_axis {
    int in, out;
    uint16_t first[NES_WIDTH];   /* first source pixel of output o */
    uint16_t count[NES_WIDTH];   /* source pixels of output o */
    uint16_t at[NES_WIDTH];      /* where o's weights start in w */
    uint16_t w[2 * NES_WIDTH];   /* weights (at most in + out - 1 of them) */
} nes_obs_axis_t;

typedef struct nes_obs_plan {
    int type;            /* NES_OBS_RGB, NES_OBS_GRAYSCALE or NES_OBS_TILES */
    int height, width;   /* output size (tiles: 30 x 32 cells) */
    int channels;        /* 3, 1, or 4 for tiles */
    int native;          /* 240 x 256: no resampling */
    nes_obs_axis_t y, x;
} nes_obs_plan_t;

/* Fill a plan; returns 0, or -1 when type is unknown or the size is outside 1..240 x 1..256
 * (tiles: other than 30 x 32). */
int nes_obs_plan_init(nes_obs_plan_t *plan, int type, int height, int width);
/* Bytes of one observation: height * width * channels. */
size_t nes_obs_plan_bytes(const nes_obs_plan_t *plan);

/* The console's last picture at full size in the plan's channels (RGB through the console's
 * palette; grayscale as the luma (77 R + 150 G + 29 B + 128) >> 8 of that RGB, ITU-R BT.601
 * weights in 1/256ths). Callers sync the PPU first (nes_sync). */
void nes_obs_capture(const nes_t *nes, int type, uint8_t *src);
/* a[i] = max(a[i], b[i]) for n bytes: ALE's pooling of the last two frames of a step. */
void nes_obs_max(uint8_t *a, const uint8_t *b, size_t n);
/* Resample a full-size source (nes_obs_capture) into out (nes_obs_plan_bytes bytes): each value
 * the exact area-weighted mean, rounded half up (power-of-two scales: the rounded box mean). */
void nes_obs_resample(const nes_obs_plan_t *plan, const uint8_t *src, uint8_t *out);

/* The observation of the console's last picture, max-pooled with `prev` (a full-size source of
 * the picture before, or NULL). scratch: NES_OBS_SOURCE_BYTES bytes, unused when the plan is
 * native and prev is NULL. Tiles: nes_tiles, prev and scratch unused (callers refuse pooling
 * tiles). */
void nes_obs_write(const nes_t *nes, const nes_obs_plan_t *plan, const uint8_t *prev, uint8_t *out,
                   uint8_t *scratch);

#ifdef __cplusplus
}
#endif
#endif
