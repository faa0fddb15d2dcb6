/* Protocol packing and bounded strings: pure code, shared by every client and server (and the host tests). */
#include <libagora/proto.h>

#include <agora/errors.h>
#include <libagora/string.h>

void proto_pack(struct agora_msg *m, struct agora_ipc_buffer *b, uint32_t label, const void *body,
                size_t bytes, unsigned ncaps)
{
    const uint64_t *w = body;
    size_t words = bytes / 8;

    m->info = IPC_INFO(label, words, ncaps, 0);
    m->badge = 0;
    for (size_t i = 0; i < IPC_REG_WORDS; i++)
        m->mr[i] = i < words ? w[i] : 0;
    if (words > IPC_REG_WORDS)
        memcpy(&b->mr[IPC_REG_WORDS], &w[IPC_REG_WORDS], (words - IPC_REG_WORDS) * 8);
}

uint64_t proto_unpack_any(const struct agora_msg *m, const struct agora_ipc_buffer *b, uint64_t *words)
{
    unsigned n = IPC_WORDS(m->info);

    if (n > IPC_MAX_WORDS)      /* the kernel never delivers more; a forged struct might */
        n = IPC_MAX_WORDS;
    for (unsigned i = 0; i < n && i < IPC_REG_WORDS; i++)
        words[i] = m->mr[i];
    if (n > IPC_REG_WORDS)
        memcpy(&words[IPC_REG_WORDS], &b->mr[IPC_REG_WORDS], (n - IPC_REG_WORDS) * 8);
    return (uint64_t)n * 8;
}

long proto_unpack(const struct agora_msg *m, const struct agora_ipc_buffer *b, void *body, size_t bytes)
{
    uint64_t *w = body;
    size_t words = bytes / 8;

    if (bytes % 8 || IPC_WORDS(m->info) != words || words > IPC_MAX_WORDS)
        return -E_RANGE;
    for (size_t i = 0; i < words && i < IPC_REG_WORDS; i++)
        w[i] = m->mr[i];
    if (words > IPC_REG_WORDS)
        memcpy(&w[IPC_REG_WORDS], &b->mr[IPC_REG_WORDS], (words - IPC_REG_WORDS) * 8);
    return 0;
}

long proto_str_check(uint64_t len, const char *bytes, size_t cap)
{
    if (len >= cap)
        return -E_RANGE;
    if (len == 0 || bytes[len] != '\0')
        return -E_INVAL;
    for (uint64_t i = 0; i < len; i++)
        if (bytes[i] == '\0')
            return -E_INVAL;
    return 0;
}

long proto_str_put(uint64_t *len, char *bytes, size_t cap, const char *s)
{
    size_t n = 0;

    while (n < cap && s[n])
        n++;
    if (n >= cap)
        return -E_RANGE;
    if (n == 0)
        return -E_INVAL;
    memset(bytes, 0, cap);
    memcpy(bytes, s, n);
    *len = n;
    return 0;
}

void proto_reply_pack(struct agora_msg *m, struct agora_ipc_buffer *b, long status, const void *rep,
                      size_t rep_bytes, unsigned ncaps)
{
    if (status == 0) {
        proto_pack(m, b, PROTO_STATUS_LABEL(0), rep, rep_bytes, ncaps);
        return;
    }
    proto_pack(m, b, PROTO_STATUS_LABEL(status), 0, 0, 0);
}
