/* `vm run`'s console: the terminal in raw mode, typed bytes to the guest's UART; Ctrl-] q stops the guest, Ctrl-] d detaches it. */
#include <poll.h>
#include <stdio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "vm.h"

#define ESCAPE 0x1d                      /* Ctrl-] */

static struct termios saved;
static int raw;

static void terminal_raw(void)
{
    struct termios t;

    if (tcgetattr(0, &saved) < 0)
        return;
    t = saved;
    t.c_lflag &= ~(ICANON | ECHO | ISIG);
    t.c_iflag &= ~ICRNL;
    t.c_cc[VMIN] = 1;
    raw = tcsetattr(0, TCSANOW, &t) == 0;
}

static void terminal_restore(void)
{
    if (raw)
        tcsetattr(0, TCSANOW, &saved);
    raw = 0;
}

/* Hands bytes to the guest, waiting while its receive FIFO is full (at most a second). */
static void send_input(uint64_t ep, const uint8_t *b, unsigned n)
{
    for (int tries = 0; n > 0 && tries < 100;) {
        unsigned chunk = n > VMM_INPUT_MAX ? VMM_INPUT_MAX : n, taken = 0;

        if (vm_input(ep, b, chunk, &taken) < 0)
            return;
        b += taken, n -= taken;
        if (taken < chunk)
            usleep(10000), tries++;
    }
}

int vm_console(pid_t pid, uint64_t ep)
{
    int escaped = 0, status = 0;

    terminal_raw();
    for (;;) {
        struct pollfd p = { .fd = 0, .events = POLLIN };
        uint8_t in[VMM_INPUT_MAX], out[VMM_INPUT_MAX];
        unsigned n = 0;
        ssize_t got;

        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        if (poll(&p, 1, 100) <= 0 || !(p.revents & POLLIN))
            continue;
        if ((got = read(0, in, sizeof(in))) <= 0)
            continue;
        for (ssize_t i = 0; i < got; i++) {
            if (escaped) {
                escaped = 0;
                if (in[i] == 'q') {
                    vm_stop_ep(ep);
                } else if (in[i] == 'd' && vm_detach(ep) == 0) {
                    terminal_restore();
                    return -1;
                } else {
                    out[n++] = in[i];   /* Ctrl-] Ctrl-] (or anything else): the byte itself */
                }
            } else if (in[i] == ESCAPE) {
                escaped = 1;
            } else {
                out[n++] = in[i];
            }
        }
        if (n)
            send_input(ep, out, n);
    }
    terminal_restore();
    return WIFEXITED(status) ? WEXITSTATUS(status) : VMM_STATUS_FAILED;
}
