/* Binary search in the symbol table that tools/gen-ksyms.sh generates from the first link. */
#include "lib/symbols.h"

typedef struct ksym {
    uint64_t addr;
    uint64_t name;     /* offset into ksym_names */
} ksym_t;

extern const ksym_t ksym_table[];
extern const uint64_t ksym_count;
extern const char ksym_names[];
extern char kernel_text_start[], kernel_text_end[];

const char *symbol_lookup(uint64_t addr, uint64_t *offset)
{
    if (addr < (uint64_t)kernel_text_start || addr >= (uint64_t)kernel_text_end || ksym_count == 0)
        return 0;
    uint64_t lo = 0, hi = ksym_count;   /* find the last entry with ksym_table[i].addr <= addr */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ksym_table[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (ksym_table[lo].addr > addr)
        return 0;
    *offset = addr - ksym_table[lo].addr;
    return &ksym_names[ksym_table[lo].name];
}
