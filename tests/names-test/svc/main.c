/* names-test-svc: registers "echo" with the name server and answers names-test until told to exit. */
#include <agora/errors.h>
#include <agora/proto/init.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/sys.h>

#include "../svc.h"

int main(uint64_t arg)
{
    struct agora_msg m;
    long ep, r;

    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    if ((ep = agora_slot_alloc()) < 0 || (r = sys_endpoint_create(CAP_CHILD_POOL, (uint64_t)ep)) < 0) {
        agora_printf("names-test-svc: no endpoint: FAIL\n");
        return 1;
    }
    r = names_register(SVC_NAME, (uint64_t)ep);
    agora_printf("names-test-svc: register %s: %s\n", SVC_NAME, r == 0 ? "ok" : agora_error_name(r));
    if (r < 0)
        return 1;
    r = sys_recv((uint64_t)ep, &m);
    while (r >= 0) {
        uint32_t label = IPC_LABEL(m.info);
        uint64_t x = m.mr[0], badge = m.badge;

        m.info = IPC_INFO(label == SVC_LABEL_ECHO || label == SVC_LABEL_EXIT ? 0 : (uint32_t)-E_NOSYS, 2, 0, 0);
        m.mr[0] = x + 1;
        m.mr[1] = badge;
        if (label == SVC_LABEL_EXIT) {
            sys_reply(&m);
            agora_printf("names-test-svc: exiting\n");
            return 0;
        }
        r = sys_reply_recv((uint64_t)ep, &m);
    }
    agora_printf("names-test-svc: receive failed: %s\n", agora_error_name(r));
    return 1;
}
