/* init's stand-in console: halt on 'q', uptime on 't', halt_after=SECONDS. */
#ifndef AGORA_INIT_CONSOLE_H
#define AGORA_INIT_CONSOLE_H

#include <stdbool.h>

#include <agora/boot.h>

/* Priority of the console thread: the default, like every program init starts. */
#define AGORA_SPAWN_CONSOLE_PRIORITY 100

/*
 * Starts the console thread; 0 or a negated agora error. With poll_keys false (a serial
 * driver owns COM1's input) it only honours halt_after, and starts no thread without it.
 */
int console_start(const struct agora_boot_info *boot, bool poll_keys);

#endif
