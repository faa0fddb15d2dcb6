/* I/O permission bitmaps: each task with ports has its own, copied into the TSS on switch. */
#include "arch/x86_64/cpu/ioperm.h"
#include "arch/x86_64/cpu/gdt.h"
#include "object/task.h"
#include "agora/errors.h"
#include "lib/string.h"
#include "mm/kheap.h"

/* The task whose bitmap the TSS holds (NULL: all ports denied). */
static struct task *loaded;

int ioperm_enable(struct task *t, uint32_t first, uint32_t count)
{
    if (!t->io_bitmap) {
        t->io_bitmap = kzalloc(IO_BITMAP_BYTES);
        if (!t->io_bitmap)
            return -E_NOMEM;
        memset(t->io_bitmap, 0xFF, IO_BITMAP_BYTES);
    }
    for (uint32_t p = first; p < first + count; p++)
        t->io_bitmap[p / 8] &= (uint8_t)~(1u << (p % 8));
    if (loaded == t)
        loaded = 0;   /* force a reload */
    return 0;
}

void ioperm_release(struct task *t)
{
    kfree(t->io_bitmap);
    t->io_bitmap = 0;
    if (loaded == t)
        loaded = 0;
}

void ioperm_activate(struct task *t)
{
    static int tss_open;   /* whether the TSS bitmap allows anything */
    if (t->io_bitmap) {
        if (loaded != t) {
            memcpy(tss_io_bitmap(), t->io_bitmap, IO_BITMAP_BYTES);
            loaded = t;
            tss_open = 1;
        }
    } else if (tss_open) {
        memset(tss_io_bitmap(), 0xFF, IO_BITMAP_BYTES);
        loaded = 0;
        tss_open = 0;
    }
}
