/* The guest's console: its serial output, a line at a time, to vmm-server's stdout (the terminal) or, once detached, to /tmp/vm-ID.log. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <agora/errors.h>
#include <agora/proto/vmm.h>

#include "vmm.h"

static char line[256];
static size_t used;
static int out_fd = 1;

void console_flush(struct vmm *v)
{
    size_t done = 0;

    while (done < used) {
        ssize_t n = write(out_fd, line + done, used - done);

        if (n <= 0)
            break;                      /* the terminal went away: the guest runs on, unheard */
        done += (size_t)n;
    }
    used = 0;
}

void console_put(struct vmm *v, uint8_t byte)
{
    line[used++] = (char)byte;
    if (byte == '\n' || used == sizeof(line))
        console_flush(v);
}

long console_detach(struct vmm *v)
{
    char path[64];
    int fd;

    if (v->detached)
        return -E_STATE;
    console_flush(v);
    snprintf(path, sizeof(path), VMM_LOG_FORMAT, (long)v->id);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0)
        return -E_NOENT;
    out_fd = fd;
    v->detached = true;
    return 0;
}
