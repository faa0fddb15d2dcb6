/* The guest loader: reads the file, places its segments in RAM (guest_image.h parses it), and gives the vCPU its first state. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <agora/errors.h>

#include "guest_image.h"
#include "vmm.h"

#define FILE_MAX        (16u << 20)
#define MB_INFO_GPA     0x1000ull        /* the multiboot information: page 1 (below any kernel) */
#define MB_INFO_CAP     4096u
#define MB_LOADER_MAGIC 0x2BADB002ull

#define EFER_SVME (1ull << 12)
#define EFER_LME  (1ull << 8)
#define EFER_LMA  (1ull << 10)
#define CR0_PE    0x1ull
#define CR0_ET    0x10ull
#define CR0_PG    (1ull << 31)
#define CR4_PAE   (1ull << 5)
#define PAT_RESET 0x0007040600070406ull
#define LM_TABLE_PAGES 6                 /* PML4, PDPT, 4 PDs: the first 4 GiB in 2 MiB pages */

static struct agora_vcpu_segment seg(uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
    return (struct agora_vcpu_segment){ sel, attrib, limit, base };
}

/* Flat 32-bit protected mode, paging off, interrupts off: what a multiboot loader hands over. */
static void flat32(struct agora_vcpu_state *s, uint64_t rip)
{
    memset(s, 0, sizeof(*s));
    s->rip = rip;
    s->rflags = 2;
    s->cr0 = CR0_PE | CR0_ET;
    s->efer = EFER_SVME;
    s->pat = PAT_RESET;
    s->cs = seg(0x08, 0xC9B, 0xFFFFFFFF, 0);
    s->ds = s->es = s->ss = s->fs = s->gs = seg(0x10, 0xC93, 0xFFFFFFFF, 0);
    s->tr = seg(0x18, 0x8B, 0x67, 0);
    s->ldtr = seg(0, 0x82, 0, 0);
    s->gdtr = seg(0, 0, 0, 0);
    s->idtr = seg(0, 0, 0, 0);
    s->exceptions = 1u << 0;             /* #DE: intercepted and re-injected (primitive 7, INFO counts it) */
}

static long read_whole(const char *path, uint8_t **data, size_t *size, const char **why)
{
    int fd = open(path, O_RDONLY);
    size_t cap = 64 * 1024, used = 0;
    uint8_t *buf;

    if (fd < 0)
        return *why = "cannot open it", -E_NOENT;
    if (!(buf = malloc(cap)))
        return close(fd), *why = "no memory for it", -E_NOMEM;
    for (;;) {
        ssize_t n;

        if (used == cap) {
            uint8_t *more = cap >= FILE_MAX ? NULL : realloc(buf, cap * 2);

            if (!more) {
                free(buf), close(fd);
                return *why = "too large a file", -E_FBIG;
            }
            buf = more, cap *= 2;
        }
        if ((n = read(fd, buf + used, cap - used)) < 0) {
            free(buf), close(fd);
            return *why = "cannot read it", -E_IO;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    *data = buf;
    *size = used;
    return 0;
}

/* Whether [gpa, gpa + len) overlaps a segment of the image. */
static bool overlaps(const struct guest_image *img, uint64_t gpa, uint64_t len)
{
    for (unsigned i = 0; i < img->nsegments; i++)
        if (gpa < img->seg[i].gpa + img->seg[i].memsz && img->seg[i].gpa < gpa + len)
            return true;
    return false;
}

/* Identity page tables for a 64-bit ELF at the top of RAM, and long mode. */
static long long_mode(struct vmm *v, const struct guest_image *img, struct agora_vcpu_state *s, const char **why)
{
    uint64_t base = (v->mem.bytes - LM_TABLE_PAGES * GM_PAGE) & ~(GM_PAGE - 1), t[512];
    long r;

    if (overlaps(img, base, LM_TABLE_PAGES * GM_PAGE))
        return *why = "no room for its page tables at the top of RAM", -E_NOMEM;
    memset(t, 0, sizeof(t));
    t[0] = (base + GM_PAGE) | 3;                                 /* PML4 -> PDPT */
    if ((r = gm_write(&v->mem, base, t, sizeof(t))) < 0)
        return r;
    memset(t, 0, sizeof(t));
    for (unsigned i = 0; i < 4; i++)
        t[i] = (base + (2 + i) * GM_PAGE) | 3;                   /* PDPT -> PD i */
    if ((r = gm_write(&v->mem, base + GM_PAGE, t, sizeof(t))) < 0)
        return r;
    for (unsigned d = 0; d < 4; d++) {
        for (unsigned i = 0; i < 512; i++)
            t[i] = ((uint64_t)d << 30) + ((uint64_t)i << 21) + 0x83;   /* present, writable, 2 MiB */
        if ((r = gm_write(&v->mem, base + (2 + d) * GM_PAGE, t, sizeof(t))) < 0)
            return r;
    }
    s->cr0 |= CR0_PG;
    s->cr3 = base;
    s->cr4 = CR4_PAE;
    s->efer |= EFER_LME | EFER_LMA;
    s->cs.attrib = 0xA9B;
    s->rsp = base;                                               /* a stack below the tables */
    return 0;
}

long loader_load(struct vmm *v, struct agora_vcpu_state *s, const char **why)
{
    struct guest_image img;
    uint8_t *file = NULL;
    size_t size = 0;
    long r;

    if ((r = read_whole(v->file, &file, &size, why)) < 0)
        return r;
    if ((r = guest_image_parse(file, size, v->mem.bytes, &img, why)) < 0)
        goto out;
    for (unsigned i = 0; i < img.nsegments && r >= 0; i++) {
        r = gm_write(&v->mem, img.seg[i].gpa, file + img.seg[i].offset, img.seg[i].filesz);
        if (r >= 0 && img.seg[i].memsz > img.seg[i].filesz)
            r = gm_zero(&v->mem, img.seg[i].gpa + img.seg[i].filesz, img.seg[i].memsz - img.seg[i].filesz);
    }
    if (r < 0) {
        *why = "its segments do not fit the guest's RAM";
        goto out;
    }
    flat32(s, img.entry);
    if (img.kind == GUEST_IMAGE_ELF64) {
        r = long_mode(v, &img, s, why);
    } else {
        uint8_t info[MB_INFO_CAP];
        long n = guest_multiboot_info(info, sizeof(info), MB_INFO_GPA, v->mem.bytes, v->cmdline);

        if (n < 0 || overlaps(&img, MB_INFO_GPA, (uint64_t)n)) {
            *why = "no room for the multiboot information";
            r = n < 0 ? n : -E_NOMEM;
        } else if ((r = gm_write(&v->mem, MB_INFO_GPA, info, (size_t)n)) >= 0) {
            s->rax = MB_LOADER_MAGIC;
            s->rbx = MB_INFO_GPA;
        }
    }
out:
    free(file);
    return r < 0 ? r : 0;
}
