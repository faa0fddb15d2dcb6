/* pci: enumerates the PCI bus and hands each device to the driver that claims it (include/agora/proto/pci.h). */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/pci.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include <libagora/svcdriver.h>

#include "bus.h"

#include "serve.h"

#define PCI_NAME "pci"

static struct pci_bus bus;
static uint64_t recv_slot;

static void print_device(const struct pci_device_info *i)
{
    agora_printf("pci: %02lx:%02lx.%lx %04lx:%04lx class %06lx", (unsigned long)(i->address >> 8),
                 (unsigned long)(i->address >> 3 & 31), (unsigned long)(i->address & 7),
                 (unsigned long)i->vendor, (unsigned long)i->device, (unsigned long)i->class_code);
    if (i->irq_line != PCI_NO_IRQ)
        agora_printf(" irq %lu", (unsigned long)i->irq_line);
    for (unsigned b = 0; b < PCI_BARS; b++)
        if (i->bars[b].size)
            agora_printf(" bar%u %s 0x%lx+0x%lx", b, (i->bars[b].flags & PCI_BAR_IO) ? "io" : "mem",
                         (unsigned long)i->bars[b].base, (unsigned long)i->bars[b].size);
    agora_printf("\n");
}

/* Empties the receive slot unless a handler kept it; offers a slot for the next request. */
static bool rearm(const struct pci_request *req)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    if (req->ncaps > 0 && req->keep) {
        long s = agora_slot_alloc();

        if (s < 0)
            return false;
        recv_slot = (uint64_t)s;
    } else if (req->ncaps > 0) {
        sys_cap_delete(recv_slot);
    }
    agora_ipc_accept_nothing(b);
    b->recv_cap_slots[0] = recv_slot;
    return true;
}

static void handle(struct agora_msg *m, struct pci_request *req)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS];
    uint64_t in_bytes, out_bytes = 0;
    long status;

    memset(req, 0, sizeof(*req));
    req->bus = &bus;
    req->badge = m->badge;
    req->recv_slot = recv_slot;
    req->ncaps = IPC_CAPS(m->info);
    memset(out, 0, sizeof(out));
    in_bytes = proto_unpack_any(m, b, in);
    status = pci_dispatch(&pci_server_handlers, req, IPC_LABEL(m->info), in, in_bytes, out, &out_bytes);
    if (status < 0 && req->reply_cap) {
        if (req->reply_temp)
            agora_slot_free(req->reply_cap);
        req->reply_cap = 0;
    }
    b->send_caps[0] = req->reply_cap;
    b->send_cap_rights[0] = req->reply_rights;
    proto_reply_pack(m, b, status, out, out_bytes, req->reply_cap ? 1 : 0);
}

static long serve(uint64_t ep)
{
    struct pci_request req;
    struct agora_msg m;
    long r, s;

    if ((s = agora_slot_alloc()) < 0)
        return s;
    recv_slot = (uint64_t)s;
    memset(&req, 0, sizeof(req));
    rearm(&req);
    r = sys_recv(ep, &m);
    for (;;) {
        if (r < 0)
            return r;
        handle(&m, &req);
        if (!rearm(&req))
            return -E_NOMEM;
        r = sys_reply_recv(ep, &m);
        /* The reply has its copy (or its caller got the error): ours goes. */
        if (req.reply_temp) {
            sys_cap_delete(req.reply_cap);
            agora_slot_free(req.reply_cap);
        }
    }
}

static int fail(const char *what, long err)
{
    agora_printf("pci: %s: %s: exiting\n", what, agora_error_name(err));
    return 1;
}

int main(uint64_t arg)
{
    unsigned missed;
    long r, ep;

    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    if ((r = sys_ioport_enable(CAP_DEVICE_IOPORTS)) < 0)
        return fail("no configuration ports at CAP_DEVICE_IOPORTS", r);
    bus_scan(&bus, &missed);
    for (unsigned i = 0; i < bus.count; i++)
        print_device(&bus.devs[i].info);
    agora_printf("pci: %u device(s)", bus.count);
    if (missed)
        agora_printf(", %u more not kept (table full)", missed);
    agora_printf("\n");
    if ((ep = agora_slot_alloc()) < 0 || (r = sys_endpoint_create(CAP_CHILD_POOL, (uint64_t)ep)) < 0)
        return fail("no endpoint", ep < 0 ? ep : r);
    if ((r = names_register(PCI_NAME, (uint64_t)ep)) < 0)
        return fail("cannot register with names", r);
    agora_printf("pci: serving\n");
    svcdriver_ready((uint64_t)ep);       /* when the supervisor started it; no PING (heartbeat=0) */
    return fail("receiving", serve((uint64_t)ep));
}
