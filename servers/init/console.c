/*
 * init's console thread: honours the kernel command line's halt_after=SECONDS and, when no
 * serial driver was booted (drivers/serial owns COM1's input then), polls COM1 for a key
 * (q halts the machine, t prints the uptime).
 */
#include "console.h"

#include <agora/boot.h>
#include <agora/errors.h>
#include <agora/ipc.h>
#include <agora/objects.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_DATA_READY 0x01
#define POLL_US 50000

/* Where the console thread's stack and IPC buffer live in init's address space. */
#define CONSOLE_AREA 0x0000000010000000ull
#define CONSOLE_STACK_PAGES 4

static uint64_t halt_after_s;
static bool poll_keys;

static inline uint8_t port_in(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* The value of word "key=N" in the command line, or 0. */
static uint64_t cmdline_number(const char *cmdline, size_t size, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen + 1 < size && cmdline[i]; i++) {
        if ((i == 0 || cmdline[i - 1] == ' ') && strncmp(cmdline + i, key, klen) == 0 &&
            cmdline[i + klen] == '=') {
            uint64_t v = 0;
            for (size_t j = i + klen + 1; j < size && cmdline[j] >= '0' && cmdline[j] <= '9'; j++)
                v = v * 10 + (uint64_t)(cmdline[j] - '0');
            return v;
        }
    }
    return 0;
}

static noreturn void halt(const char *why)
{
    agora_printf("init: %s: halting\n", why);
    agora_flush();
    sys_machine_halt(CAP_INIT_MACHINE, 0);
    for (;;)
        sys_yield();
}

static noreturn void console_main(void)
{
    for (;;) {
        uint64_t up_s = (uint64_t)sys_clock() / 1000000;
        if (halt_after_s && up_s >= halt_after_s)
            halt("halt_after reached");
        while (poll_keys && (port_in(COM1_LSR) & LSR_DATA_READY)) {
            char c = (char)port_in(COM1);
            if (c == 'q' || c == 'Q')
                halt("q typed");
            if (c == 't' || c == 'T')
                agora_printf("init: uptime %lu.%03lu s\n", (unsigned long)up_s,
                             (unsigned long)((uint64_t)sys_clock() / 1000 % 1000));
        }
        sys_sleep(POLL_US);
    }
}

static void console_entry(uint64_t arg)
{
    /*
     * No agora_set_ipc_buffer here: that pointer is the whole program's, and the main
     * thread's IPC goes through its own buffer. This thread makes no IPC.
     */
    (void)arg;
    console_main();
}

int console_start(const struct agora_boot_info *boot, bool keys)
{
    long ports = agora_slot_alloc(), mem = agora_slot_alloc(), thread = agora_slot_alloc();
    long r;
    if (ports < 0 || mem < 0 || thread < 0)
        return -E_NOMEM;
    halt_after_s = cmdline_number(boot->cmdline, sizeof boot->cmdline, "halt_after");
    poll_keys = keys;
    if (!poll_keys)
        agora_slot_free((uint64_t)ports);
    if (!poll_keys && !halt_after_s) {
        agora_slot_free((uint64_t)mem);
        agora_slot_free((uint64_t)thread);
        agora_printf("init: console: COM1 is the serial driver's\n");
        return 0;
    }
    if (poll_keys && ((r = sys_ioport_create(CAP_INIT_IOPORTS, COM1, 8, (uint64_t)ports)) < 0 ||
                      (r = sys_ioport_enable((uint64_t)ports)) < 0))
        return (int)r;
    /* One page of IPC buffer, then the stack. */
    uint64_t pages = 1 + CONSOLE_STACK_PAGES;
    if ((r = sys_memory_create(CAP_INIT_POOL, pages, (uint64_t)mem)) < 0 ||
        (r = sys_map(CAP_SELF_TASK, (uint64_t)mem, 0, CONSOLE_AREA, pages, RIGHT_READ | RIGHT_WRITE)) < 0 ||
        (r = sys_thread_create(CAP_SELF_TASK, CAP_INIT_POOL, (uint64_t)thread)) < 0 ||
        (r = sys_thread_setup((uint64_t)thread, CONSOLE_AREA, CAP_NULL, AGORA_SPAWN_CONSOLE_PRIORITY)) < 0 ||
        (r = sys_thread_start((uint64_t)thread, (uint64_t)console_entry,
                              CONSOLE_AREA + pages * 4096 - 8, 0)) < 0)
        return (int)r;
    if (poll_keys)
        agora_printf("init: console: type q to halt, t for the uptime%s\n",
                     halt_after_s ? " (halt_after set)" : "");
    else
        agora_printf("init: console: COM1 is the serial driver's; halt_after set\n");
    return 0;
}
