/* The initial stack layout (stack.h). */
#include "stack.h"

#include <agora/errors.h>
#include <libagora/string.h>

static uint64_t count_strings(const char *s, uint64_t bytes)
{
    uint64_t n = 0;

    for (uint64_t i = 0; i < bytes; i++)
        if (s[i] == '\0')
            n++;
    return n;
}

long pm_stack_build(void *buf, uint64_t size, uint64_t top, const char *strs, uint64_t bytes,
                    uint64_t argc, uint64_t envc, uint64_t *rsp)
{
    uint64_t nstr = argc + envc, str_base, words, sp, off = 0;
    uint64_t *vec;
    uint8_t *base = buf;

    if (nstr < argc || (bytes > 0 && strs[bytes - 1] != '\0') || count_strings(strs, bytes) != nstr)
        return -E_INVAL;
    if (size % 16 || top % 16 || bytes > size || nstr > size / 8)
        return -E_RANGE;
    str_base = (top - bytes) & ~7ull;
    words = 1 + argc + 1 + envc + 1 + 2;
    if (words * 8 + 16 > str_base - (top - size))
        return -E_RANGE;
    sp = (str_base - words * 8) & ~15ull;
    if (sp - (top - size) < PM_STACK_SPARE)
        return -E_RANGE;

    memcpy(base + (str_base - (top - size)), strs, bytes);
    vec = (uint64_t *)(base + (sp - (top - size)));
    *vec++ = argc;
    for (uint64_t i = 0; i < nstr; i++) {
        *vec++ = str_base + off;
        off += strlen(strs + off) + 1;
        if (i + 1 == argc)
            *vec++ = 0;             /* the end of argv */
    }
    if (argc == 0)
        *vec++ = 0;
    *vec++ = 0;                     /* the end of envp */
    *vec++ = 0;                     /* AT_NULL */
    *vec++ = 0;
    *rsp = sp;
    return 0;
}
