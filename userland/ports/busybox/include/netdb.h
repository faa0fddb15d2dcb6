/* busybox port shim (README.md): declarations only; no resolver on Agora yet. */
#ifndef AGORA_BB_NETDB_H
#define AGORA_BB_NETDB_H
#include <netinet/in.h>
struct hostent { char *h_name; char **h_aliases; int h_addrtype; int h_length; char **h_addr_list; };
struct servent { char *s_name; char **s_aliases; int s_port; char *s_proto; };
struct addrinfo { int ai_flags, ai_family, ai_socktype, ai_protocol; socklen_t ai_addrlen; struct sockaddr *ai_addr; char *ai_canonname; struct addrinfo *ai_next; };
struct hostent *gethostbyname(const char *);
struct servent *getservbyname(const char *, const char *);
#endif
