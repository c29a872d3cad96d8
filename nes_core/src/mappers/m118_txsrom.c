/* m118_txsrom.c - mapper 118, TxSROM (TKSROM, TLSROM): an MMC3 whose CHR A17 output drives
 * CIRAM A10, so bit 7 of the CHR bank registers picks each nametable's CIRAM page and $A000
 * does nothing. The MMC3 core (m004_mmc3.c) does the work, keyed on the mapper number.
 * https://www.nesdev.org/wiki/INES_Mapper_118 */
#include "mmc3.h"

const mapper_ops_t mapper_txsrom = {118, "TxSROM (MMC3)", {0x2000, 0x0400, 0}, mmc3_init, NULL, mmc3_write, NULL, mmc3_ppu_addr, NULL, NULL,
                                    mmc3_irq_clock};
