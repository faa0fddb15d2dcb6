/*
 * realpath (POSIX): the absolute path without ".", ".." or symbolic links, resolved here by
 * lstat and readlink through vfs one component at a time (vfs resolves whole paths, but
 * says nothing of the names it went through). At most 40 links (ELOOP), PATH_MAX bytes.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix.h"

#define REALPATH_LINKS 40

/* Drops the last component of the absolute path out[0..*len) ("/" stays). */
static void up(char *out, size_t *len)
{
    while (*len > 1 && out[*len - 1] != '/')
        (*len)--;
    if (*len > 1)
        (*len)--;
    out[*len] = '\0';
}

/* Resolves path into out[PATH_MAX]: 0, or an errno value. */
static int resolve(const char *path, char *out)
{
    char rest[PATH_MAX], target[PATH_MAX];
    size_t len, links = 0;

    if (strlen(path) >= sizeof(rest))
        return ENAMETOOLONG;
    strcpy(rest, path);
    if (rest[0] == '/') {
        strcpy(out, "/");
    } else if (!getcwd(out, PATH_MAX)) {
        return errno;
    }
    len = strlen(out);
    for (char *p = rest; *p;) {
        char *name = p;
        size_t nlen;
        struct stat st;
        ssize_t t;

        while (*p && *p != '/')
            p++;
        nlen = (size_t)(p - name);
        while (*p == '/')
            p++;
        if (nlen == 0 || (nlen == 1 && name[0] == '.'))
            continue;
        if (nlen == 2 && name[0] == '.' && name[1] == '.') {
            up(out, &len);
            continue;
        }
        if (len + 1 + nlen >= PATH_MAX)
            return ENAMETOOLONG;
        if (len > 1)
            out[len++] = '/';
        memcpy(out + len, name, nlen);
        len += nlen;
        out[len] = '\0';
        if (lstat(out, &st) < 0)
            return errno;
        if (!S_ISLNK(st.st_mode)) {
            if (*p && !S_ISDIR(st.st_mode))
                return ENOTDIR;
            continue;
        }
        if (++links > REALPATH_LINKS)
            return ELOOP;
        if ((t = readlink(out, target, sizeof(target) - 1)) < 0)
            return errno;
        target[t] = '\0';
        if ((size_t)t + 1 + strlen(p) >= sizeof(target))
            return ENAMETOOLONG;
        /* The target, then what was left: resolved from the link's directory or the root. */
        if (*p) {
            strcat(target, "/");
            strcat(target, p);
        }
        strcpy(rest, target);
        p = rest;
        if (rest[0] == '/') {
            strcpy(out, "/");
            len = 1;
        } else {
            up(out, &len);
        }
    }
    return 0;
}

char *realpath(const char *restrict path, char *restrict resolved)
{
    char buf[PATH_MAX];
    int err;

    if (!path) {
        errno = EINVAL;
        return NULL;
    }
    if (!path[0]) {
        errno = ENOENT;
        return NULL;
    }
    if ((err = resolve(path, buf))) {
        errno = err;
        return NULL;
    }
    if (!resolved && !(resolved = malloc(strlen(buf) + 1)))
        return NULL;
    strcpy(resolved, buf);
    return resolved;
}
