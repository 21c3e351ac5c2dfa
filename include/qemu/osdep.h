/*
 * Common definitions included first by every source file.
 */
#ifndef QEMU_OSDEP_H
#define QEMU_OSDEP_H

#include "config-host.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <glib.h>

/* Marks a function that may yield: call it only from coroutine context. */
#define coroutine_fn

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define QEMU_ALIGN_DOWN(n, m)   ((n) / (m) * (m))
#define QEMU_ALIGN_UP(n, m)     QEMU_ALIGN_DOWN((n) + (m) - 1, (m))
#define QEMU_IS_ALIGNED(n, m)   (((n) % (m)) == 0)
#define DIV_ROUND_UP(n, d)      (((n) + (d) - 1) / (d))
#define ARRAY_SIZE(x)           (sizeof(x) / sizeof((x)[0]))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define qatomic_read(p)          __atomic_load_n(p, __ATOMIC_RELAXED)
#define qatomic_set(p, v)        __atomic_store_n(p, v, __ATOMIC_RELAXED)
#define qatomic_load_acquire(p)  __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define qatomic_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define qatomic_inc(p)           ((void)__atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST))
#define qatomic_dec(p)           ((void)__atomic_fetch_sub(p, 1, __ATOMIC_SEQ_CST))
#define qatomic_fetch_inc(p)     __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST)
#define qatomic_fetch_dec(p)     __atomic_fetch_sub(p, 1, __ATOMIC_SEQ_CST)
#define qatomic_fetch_add(p, n)  __atomic_fetch_add(p, n, __ATOMIC_SEQ_CST)
#define qatomic_xchg(p, v)       __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
#define qatomic_cmpxchg(p, old, new) ({                                  \
    __typeof__(*(p)) _old = (old);                                       \
    (void)__atomic_compare_exchange_n(p, &_old, new, false,              \
                                      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
    _old; })
#define smp_mb()                 __atomic_thread_fence(__ATOMIC_SEQ_CST)

/*
 * Page-aligned buffers suitable for O_DIRECT. qemu_memalign() never fails
 * (aborts on ENOMEM like g_malloc); free with qemu_vfree().
 */
void *qemu_memalign(size_t alignment, size_t size);
void *qemu_try_memalign(size_t alignment, size_t size);
void qemu_vfree(void *ptr);

/* Monotonic clock in nanoseconds. */
int64_t get_clock_ns(void);

#endif /* QEMU_OSDEP_H */
