/*
 * Small OS helpers: aligned allocation and the monotonic clock.
 */
#include "qemu/osdep.h"

#include <time.h>

/*
 * Allocate @size bytes aligned to @alignment (a power of two; raised to
 * sizeof(void *) if smaller). Returns NULL with errno set on failure.
 * A zero @size still returns a unique pointer. Free with qemu_vfree().
 */
void *qemu_try_memalign(size_t alignment, size_t size)
{
    void *ptr;
    int ret;

    if (alignment < sizeof(void *)) {
        alignment = sizeof(void *);
    }
    assert((alignment & (alignment - 1)) == 0);
    if (size == 0) {
        size = alignment;
    }
    ret = posix_memalign(&ptr, alignment, size);
    if (ret != 0) {
        errno = ret;
        return NULL;
    }
    return ptr;
}

/*
 * Like qemu_try_memalign() but never returns NULL: allocation failure is
 * treated like g_malloc() does (abort with a message).
 */
void *qemu_memalign(size_t alignment, size_t size)
{
    void *ptr = qemu_try_memalign(alignment, size);

    if (!ptr) {
        g_error("qemu_memalign: failed to allocate %zu bytes: %s",
                size, g_strerror(errno));
    }
    return ptr;
}

/* Free memory from qemu_memalign()/qemu_try_memalign(); NULL is ignored. */
void qemu_vfree(void *ptr)
{
    free(ptr);
}

/* CLOCK_MONOTONIC in nanoseconds; never goes backwards. */
int64_t get_clock_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
