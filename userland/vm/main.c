/*
 * vm: runs guests, each in a vmm-server process of its own (vmm-server/README.md).
 *   vm run FILE [-m MEM] [-c CMDLINE]
 *                            in the foreground, its console on this terminal (Ctrl-] q stops
 *                            it, Ctrl-] d detaches it to the background); exits with the
 *                            guest's status
 *   vm start FILE [-m MEM] [-c CMDLINE]
 *                            in the background, its console in /tmp/vm-ID.log
 * (-m: the guest's RAM, 8M if not given; -c: its multiboot command line)
 *   vm list                  ID PID MEM STATE FILE of every running guest
 *   vm stop ID               ends guest ID
 * ID is the guest's vmm-server pid.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm.h"

static int usage(void)
{
    fprintf(stderr, "usage: vm run|start FILE [-m MEM] [-c CMDLINE] | vm list | vm stop ID\n");
    return 2;
}

/* The child: the console to a log (background) or the terminal, then the VMM. */
static _Noreturn void exec_vmm(const char *file, const char *mem, const char *cmdline, int background)
{
    char *argv[10];
    int n = 0;

    argv[n++] = "vmm-server";
    argv[n++] = (char *)file;
    if (mem) {
        argv[n++] = "-m";
        argv[n++] = (char *)mem;
    }
    if (cmdline) {
        argv[n++] = "-c";
        argv[n++] = (char *)cmdline;
    }
    if (background) {
        char log[64];
        int fd;

        setsid();                       /* no signals from the terminal */
        snprintf(log, sizeof(log), VMM_LOG_FORMAT, (long)getpid());
        if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if ((fd = open("/dev/null", O_RDONLY)) >= 0)
            dup2(fd, 0), close(fd);
        argv[n++] = "-d";
    }
    argv[n] = NULL;
    execv(VMM_PATH, argv);
    perror("vm: " VMM_PATH);
    _exit(VMM_STATUS_USAGE);
}

static int launch(int argc, char **argv, int background)
{
    const char *file = NULL, *mem = NULL, *cmdline = NULL;
    uint64_t ep;
    int status = 0;
    pid_t pid;

    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-m") && i + 1 < argc)
            mem = argv[++i];
        else if (!strcmp(argv[i], "-c") && i + 1 < argc)
            cmdline = argv[++i];
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else
            return usage();
    }
    if (!file)
        return usage();
    if (access(file, R_OK) < 0) {
        perror(file);
        return 1;
    }
    if ((pid = fork()) < 0) {
        perror("vm: fork");
        return 1;
    }
    if (pid == 0)
        exec_vmm(file, mem, cmdline, background);
    if (vm_wait_registered(pid, &ep, 10000, &status) < 0) {
        if (status == -1) {
            fprintf(stderr, "vm: %s did not start in time\n", file);
            return 1;
        }
        /* It ended before we saw it registered: a quick guest, or one that never started. */
        status = WIFEXITED(status) ? WEXITSTATUS(status) : VMM_STATUS_FAILED;
        printf("vm: %d ended: %s\n", (int)pid, vm_status_text(status));
        return status;
    }
    if (background) {
        printf("vm: started %d (console in " VMM_LOG_FORMAT ")\n", (int)pid, (long)pid);
        return 0;
    }
    status = vm_console(pid, ep);
    if (status < 0) {
        printf("\nvm: %d detached (console in " VMM_LOG_FORMAT ")\n", (int)pid, (long)pid);
        return 0;
    }
    printf("vm: %d ended: %s\n", (int)pid, vm_status_text(status));
    return status;
}

static void list_one(long id, void *ctx)
{
    struct vmm_info info;
    uint64_t ep;

    if (vm_lookup(id, &ep) < 0)
        return;
    if (vm_info(ep, &info) == 0)
        printf("%4ld %5ld %6lluK %-5c %s\n", (long)info.id, (long)info.pid,
               (unsigned long long)(info.mem_bytes >> 10), (int)info.state, info.file);
    vm_drop(ep);
}

static int stop(const char *arg)
{
    char *end;
    long id = strtol(arg, &end, 10);
    uint64_t ep;

    if (*end || id <= 0)
        return usage();
    if (vm_lookup(id, &ep) < 0) {
        fprintf(stderr, "vm: no guest %ld\n", id);
        return 1;
    }
    if (vm_stop_ep(ep) < 0) {
        fprintf(stderr, "vm: guest %ld did not stop\n", id);
        return 1;
    }
    vm_drop(ep);
    printf("vm: stopped %ld\n", id);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (!strcmp(argv[1], "run"))
        return launch(argc, argv, 0);
    if (!strcmp(argv[1], "start"))
        return launch(argc, argv, 1);
    if (!strcmp(argv[1], "list") && argc == 2) {
        printf("  ID   PID     MEM STATE FILE\n");
        vm_each(list_one, NULL);
        return 0;
    }
    if (!strcmp(argv[1], "stop") && argc == 3)
        return stop(argv[2]);
    return usage();
}
