/* Kernel object types and capability rights. */
#ifndef AGORA_OBJECTS_H
#define AGORA_OBJECTS_H

/* X(name, number); numbers are only ever appended. */
#define AGORA_OBJECT_LIST(X) \
    X(OBJ_NONE,         0)   \
    X(OBJ_TASK,         1)   \
    X(OBJ_THREAD,       2)   \
    X(OBJ_ENDPOINT,     3)   \
    X(OBJ_NOTIFICATION, 4)   \
    X(OBJ_IRQ,          5)   \
    X(OBJ_IOPORT,       6)   \
    X(OBJ_MEMORY,       7)   \
    X(OBJ_POOL,         8)   \
    X(OBJ_IRQ_CONTROL,  9)   \
    X(OBJ_MACHINE,     10)   \
    X(OBJ_REPLY,       11)   \
    X(OBJ_VM,          12)   \
    X(OBJ_VCPU,        13)

enum agora_object_type {
#define AGORA_OBJECT_ENUM(name, num) name = num,
    AGORA_OBJECT_LIST(AGORA_OBJECT_ENUM)
#undef AGORA_OBJECT_ENUM
    OBJ_TYPE_COUNT
};

/* Rights held with a capability. A copy may have fewer rights, never more. */
#define RIGHT_READ    (1u << 0)  /* memory: map readable; endpoint: receive; notification: wait */
#define RIGHT_WRITE   (1u << 1)  /* memory: map writable; endpoint: send/call; notification: signal */
#define RIGHT_EXEC    (1u << 2)  /* memory: map executable */
#define RIGHT_GRANT   (1u << 3)  /* endpoint: messages may carry capabilities and memory */
#define RIGHT_MANAGE  (1u << 4)  /* task/thread/irq/ioport/pool/machine/vm/vcpu: control operations */
#define RIGHT_COPY    (1u << 5)  /* the capability may be copied (and transferred) */
#define RIGHTS_ALL    0x3Fu

/* Capability slots every task starts with (filled by whoever creates the task). */
#define CAP_NULL        0        /* never valid: catches uninitialised slot numbers */
#define CAP_SELF_TASK   1
#define CAP_SELF_THREAD 2
/* init only: what the kernel hands the first task (see struct agora_boot_info). */
#define CAP_INIT_POOL        3
#define CAP_INIT_IRQ_CONTROL 4
#define CAP_INIT_IOPORTS     5
#define CAP_INIT_MACHINE     6
#define CAP_INIT_FIRST_MODULE 8  /* one OBJ_MEMORY per boot module, in order */

#define CAP_TABLE_SLOTS 1024

#endif
