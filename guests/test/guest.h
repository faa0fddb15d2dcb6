/* The test guest's shared pieces: port I/O, hypercalls, the console, traps. */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <agora/errors.h>
#include <agora/hypercall.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;

    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* VMMCALL (include/agora/hypercall.h): the result, a negated Agora error below 0. */
static inline int32_t hypercall(uint32_t fn, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    uint32_t r;

    __asm__ volatile("vmmcall" : "=a"(r) : "a"(fn), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
    return (int32_t)r;
}
static inline int32_t hc_info(uint32_t field) { return hypercall(HC_INFO, field, 0, 0, 0); }

/* console.c: the 16550 at 0x3f8. */
void con_init(void);
void con_puts(const char *s);
void con_putu(uint32_t v);
void con_putx(uint32_t v);
/* "primitive N name: ok" or "primitive N name: FAIL why" (why may be followed by a number). */
void report(int n, const char *name, const char *why, uint32_t detail);

/* The registers trap_common (boot.S) saves: pusha's order, then the stub's words, then the CPU's. */
struct trap_frame {
    uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss;             /* only from ring 3 */
};

/* cpu.c: GDT with user segments and a TSS, the IDT, handlers per vector. */
typedef void trap_handler_t(struct trap_frame *f);
void cpu_init(void);
void cpu_set_handler(unsigned vector, trap_handler_t *h);
void trap(struct trap_frame *f);

/* boot.S */
void enter_user(uint32_t eip, uint32_t esp);
_Noreturn void leave_user(void);

static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

/* The guest's tests, one file each (they return the failures they reported). */
int test_user_mode(void);
int test_resources(void);
int test_paging(void);
int test_timer(void);
int test_event(void);
int cmdline_has(uint32_t multiboot_info, const char *word);
int echo_line(void);

#define PAGE 4096u

#endif
