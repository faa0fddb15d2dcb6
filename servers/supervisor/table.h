/* The service table: its text format (boot table and /etc/services) parsed into entries. Pure code (tests/unit/test_svc.c). */
#ifndef SUPERVISOR_TABLE_H
#define SUPERVISOR_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_TABLE_MAX    16
#define SVC_TABLE_NAME   24          /* bytes with the NUL (proto/svc.h SVC_NAME_MAX) */
#define SVC_TABLE_IMAGE  64

/*
 * One line: NAME OPTION...; '#' starts a comment; blank lines are skipped. Options:
 *   ports=FIRST+COUNT   an I/O-port range (hex with 0x, or decimal), COUNT 1..65536
 *   irq=N               an ISA/IO-APIC IRQ line, 0..223
 *   bus                 the PCI bus driver's extra capabilities (servers/init: pci)
 *   heartbeat=MS        ping period in ms (0: none; default SVC_TABLE_HEARTBEAT_MS)
 *   arg=N               the driver's rdi at its entry (default 0)
 *   image=PATH          its ELF: a boot module's name, or a path (default: NAME)
 */
struct svc_entry {
    char name[SVC_TABLE_NAME];
    char image[SVC_TABLE_IMAGE];
    uint32_t first_port, nports;     /* nports 0: none */
    int irq;                         /* -1: none */
    bool bus;
    uint32_t heartbeat_ms;
    uint64_t arg;
};

#define SVC_TABLE_HEARTBEAT_MS 1000

/*
 * Parses len bytes of text into out (at most max entries). Returns the count, or a negated
 * error with *bad_line set to the 1-based line at fault: -E_INVAL (unknown option, bad
 * number, missing name), -E_RANGE (a value out of range, a name or image too long, too
 * many entries), -E_EXIST (a name twice). Nothing is returned partially.
 */
long svc_table_parse(const char *text, size_t len, struct svc_entry *out, unsigned max, unsigned *bad_line);

#endif
