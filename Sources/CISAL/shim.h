#include <isa-l/igzip_lib.h>
#include <isa-l/crc.h>
#include <stddef.h>

/* The size of the buffer each ISA-L level works in (its macros are expressions, which Swift does not import). */
static inline size_t relswap_isal_level_buffer_size(int level) {
    switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return 0;
    }
}
