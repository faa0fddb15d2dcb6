/* init's stand-in console: halt on 'q', uptime on 't', halt_after=SECONDS. */
#ifndef AGORA_INIT_CONSOLE_H
#define AGORA_INIT_CONSOLE_H

#include <agora/boot.h>

/* Priority of the console thread: the default, like every program init starts. */
#define AGORA_SPAWN_CONSOLE_PRIORITY 100

/* Starts the console thread; 0 or a negated agora error. */
int console_start(const struct agora_boot_info *boot);

#endif
