/*
 * A pool of worker threads for blocking work (preadv, fsync, fallocate...).
 */
#ifndef QEMU_THREAD_POOL_H
#define QEMU_THREAD_POOL_H

#include "qemu/osdep.h"

/* Runs in a worker thread; returns 0 or -errno (passed back verbatim). */
typedef int ThreadPoolFunc(void *opaque);

/*
 * Run @func(@opaque) in a worker thread and yield until it is done; the
 * calling coroutine is resumed in its own AioContext. Returns @func's
 * result. Worker threads are created on demand (up to a limit, 64) and
 * exit after a few seconds idle.
 */
int coroutine_fn thread_pool_submit_co(ThreadPoolFunc *func, void *opaque);

#endif /* QEMU_THREAD_POOL_H */
