/* busybox port shim (README.md): declarations only. */
#ifndef AGORA_BB_ARPA_INET_H
#define AGORA_BB_ARPA_INET_H
#include <netinet/in.h>
int inet_aton(const char *, struct in_addr *);
char *inet_ntoa(struct in_addr);
int inet_pton(int, const char *, void *);
const char *inet_ntop(int, const void *, char *, socklen_t);
#endif
