/* <sys/poll.h>, the older name of <poll.h>. */
#ifndef _AGORA_SYS_POLL_H
#define _AGORA_SYS_POLL_H

#include <poll.h>

#endif
