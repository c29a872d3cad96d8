/* registry.c - the boards this core emulates, one row each: {iNES number, board, ops}.
 * https://www.nesdev.org/wiki/Mapper */
#include <stdio.h>
#include <string.h>

#include "../mapper.h"

extern const mapper_ops_t mapper_nrom, mapper_mmc5, mapper_mmc1, mapper_uxrom, mapper_cnrom, mapper_mmc3, mapper_axrom,
    mapper_mmc2, mapper_mmc4, mapper_color_dreams, mapper_action53, mapper_bnrom_nina, mapper_gxrom,
    mapper_fme7, mapper_camerica, mapper_irem_78, mapper_txsrom, mapper_unrom180, mapper_namco108,
    mapper_vrc4_21, mapper_vrc2_22, mapper_vrc24_23, mapper_vrc24_25, mapper_vrc6_24, mapper_vrc6_26;

static const mapper_ops_t *const MAPPERS[] = {
    &mapper_nrom, &mapper_mmc1, &mapper_uxrom, &mapper_cnrom, &mapper_mmc3, &mapper_mmc5, &mapper_axrom,
    &mapper_mmc2, &mapper_mmc4, &mapper_color_dreams,
    &mapper_vrc4_21, &mapper_vrc2_22, &mapper_vrc24_23, &mapper_vrc24_25, &mapper_vrc6_24, &mapper_vrc6_26,
    &mapper_action53, &mapper_bnrom_nina, &mapper_gxrom,
    &mapper_fme7, &mapper_camerica, &mapper_irem_78, &mapper_txsrom, &mapper_unrom180, &mapper_namco108,
};

/* Names of common boards, so an unsupported cartridge is named in the error message. */
static const struct { int number; const char *board; } KNOWN[] = {
    {0, "NROM"}, {1, "MMC1/SxROM"}, {2, "UxROM"}, {3, "CNROM"}, {4, "MMC3/TxROM"}, {5, "MMC5/ExROM"},
    {7, "AxROM"}, {9, "MMC2/PxROM"}, {10, "MMC4/FxROM"}, {11, "Color Dreams"}, {13, "CPROM"},
    {19, "Namco 163"}, {21, "VRC4"}, {22, "VRC2"}, {23, "VRC2/VRC4"}, {24, "VRC6"}, {25, "VRC4"}, {26, "VRC6"},
    {28, "Action 53"}, {30, "UNROM 512"}, {34, "BNROM/NINA-001"}, {64, "RAMBO-1"}, {66, "GxROM"},
    {69, "FME-7/Sunsoft 5B"}, {71, "Camerica/Codemasters"}, {78, "Irem 74HC161"}, {85, "VRC7"},
    {118, "TxSROM"}, {119, "TQROM"}, {180, "UNROM (Crazy Climber)"}, {206, "DxROM/Namco 108"},
};

const mapper_ops_t *mapper_find(int number) {
    for (size_t i = 0; i < sizeof(MAPPERS) / sizeof(MAPPERS[0]); i++)
        if (MAPPERS[i]->number == number) return MAPPERS[i];
    return NULL;
}

const char *mapper_board_name(int number) {
    for (size_t i = 0; i < sizeof(KNOWN) / sizeof(KNOWN[0]); i++)
        if (KNOWN[i].number == number) return KNOWN[i].board;
    return "unknown board";
}

/* "0 NROM, 1 MMC1, ...": each board's name up to its first '/' or " (", and the numbers of
 * consecutive rows of one board joined ("21/22/23/25 VRC2 and VRC4"), so the whole list fits
 * the caller's buffer (cart.c gives 256 bytes). */
int mapper_supported_list(char *out, unsigned len) {
    size_t pos = 0;
    const size_t count = sizeof(MAPPERS) / sizeof(MAPPERS[0]);
    out[0] = 0;
    for (size_t i = 0; i < count; i++) {
        const char *b = MAPPERS[i]->board;
        int last = i + 1 == count || strcmp(MAPPERS[i + 1]->board, b) != 0;
        int first = i == 0 || strcmp(MAPPERS[i - 1]->board, b) != 0;
        int blen = (int)strcspn(b, "/(");
        while (blen > 0 && b[blen - 1] == ' ') blen--;
        int w = last ? snprintf(out + pos, len - pos, "%s%d %.*s", first && i ? ", " : first ? "" : "/",
                                MAPPERS[i]->number, blen, b)
                     : snprintf(out + pos, len - pos, "%s%d", first && i ? ", " : first ? "" : "/", MAPPERS[i]->number);
        if (w < 0 || (size_t)w >= len - pos) break;
        pos += (size_t)w;
    }
    return (int)pos;
}
