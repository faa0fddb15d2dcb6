/* Kernel command-line lookup: finds "key=value" or bare "key" words. */
#include "lib/cmdline.h"

/* Boot loaders pass spaces, but a hand-written grub.cfg may leave tabs or newlines. */
static bool cmdline_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Finds the first word whose name (the part before any '=') equals key.
 * On success points *value at the value (just past '=', or at the end of a
 * bare word) and sets *value_len.
 */
static bool cmdline_find(const char *cmdline, const char *key,
                         const char **value, size_t *value_len)
{
    const char *p = cmdline;

    if (cmdline == NULL || key == NULL || *key == '\0')
        return false;

    while (*p != '\0') {
        const char *k = key;

        while (cmdline_is_space(*p))
            p++;
        if (*p == '\0')
            break;

        /* Compare the word's name with key; a key holding ' ' or '=' never matches. */
        while (*k != '\0' && *p == *k && *p != '=' && !cmdline_is_space(*p)) {
            p++;
            k++;
        }
        if (*k == '\0' && *p == '=') {
            size_t n = 0;

            p++;
            while (p[n] != '\0' && !cmdline_is_space(p[n]))
                n++;
            *value = p;
            *value_len = n;
            return true;
        }
        if (*k == '\0' && (*p == '\0' || cmdline_is_space(*p))) {
            *value = p;    /* a bare key: the empty string at the word's end */
            *value_len = 0;
            return true;
        }

        /* Not this word: skip the rest of it. */
        while (*p != '\0' && !cmdline_is_space(*p))
            p++;
    }
    return false;
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t val_size)
{
    const char *value;
    size_t len;

    if (val == NULL || !cmdline_find(cmdline, key, &value, &len) || len >= val_size) {
        if (val != NULL && val_size > 0)
            val[0] = '\0';
        return false;
    }
    for (size_t i = 0; i < len; i++)
        val[i] = value[i];
    val[len] = '\0';
    return true;
}

bool cmdline_has(const char *cmdline, const char *key)
{
    const char *value;
    size_t len;

    return cmdline_find(cmdline, key, &value, &len);
}
