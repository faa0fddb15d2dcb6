/* The kernel command line for the modules init hands it to (libagora/cmdline.h). */
#include <libagora/cmdline.h>

#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/sys.h>

#include "lib/cmdline.h"

const char *agora_cmdline(void)
{
    static int mapped;              /* 0 not yet, 1 mapped, -1 no page */

    if (mapped == 0)
        mapped = sys_map(CAP_SELF_TASK, CAP_CMDLINE, 0, AGORA_CMDLINE_VADDR, 1, RIGHT_READ) < 0 ? -1 : 1;
    return mapped > 0 ? (const char *)AGORA_CMDLINE_VADDR : "";
}

bool agora_cmdline_get(const char *key, char *val, size_t size)
{
    return cmdline_get(agora_cmdline(), key, val, size) && val[0];
}
