/* state.c - sections of the save-state visitor: a 4-character tag and the section's length. */
#include "state.h"

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
