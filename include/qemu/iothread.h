/*
 * IOThread: a thread running its own AioContext (--object iothread,id=...).
 */
#ifndef QEMU_IOTHREAD_H
#define QEMU_IOTHREAD_H

#include "qemu/aio.h"

typedef struct IOThread IOThread;

/*
 * Start a thread polling a new AioContext and register it under @id.
 * Errors: id already in use or invalid, thread creation failure.
 * Main thread only.
 */
IOThread *iothread_create(const char *id, Error **errp);

/* Properties of an IOThread (--object iothread,...); zero = defaults. */
typedef struct IOThreadOptions {
    /* aio-max-batch: see aio_context_set_aio_params(); 0 = engine default,
     * at most AIO_MAX_BATCH_LIMIT. */
    int64_t aio_max_batch;
    /* poll-max-ns, poll-grow, poll-shrink: see aio_set_fd_poll(); each
     * >= 0. Only set ones (has_*) replace the defaults (32768, 0, 0). */
    bool has_poll_max_ns, has_poll_grow, has_poll_shrink;
    int64_t poll_max_ns, poll_grow, poll_shrink;
} IOThreadOptions;

/*
 * iothread_create() with @opts (NULL = all defaults), applied to the new
 * context before its thread starts. Errors as iothread_create(), plus
 * "aio-max-batch value must be in range [0, 4096]" and "poll-max-ns value
 * must be in range [0, 9223372036854775807]" (likewise poll-grow,
 * poll-shrink). Main thread only.
 */
IOThread *iothread_create_with_options(const char *id,
                                       const IOThreadOptions *opts,
                                       Error **errp);
/* Stop the thread (after the pending BHs ran), unregister, free. Main thread only. */
void iothread_destroy(IOThread *iothread);
IOThread *iothread_find(const char *id);
const char *iothread_get_id(IOThread *iothread);
AioContext *iothread_get_aio_context(IOThread *iothread);
/* Destroy every IOThread (at exit). */
void iothread_destroy_all(void);

#endif /* QEMU_IOTHREAD_H */
