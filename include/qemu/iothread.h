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
/* Stop the thread (after the pending BHs ran), unregister, free. Main thread only. */
void iothread_destroy(IOThread *iothread);
IOThread *iothread_find(const char *id);
const char *iothread_get_id(IOThread *iothread);
AioContext *iothread_get_aio_context(IOThread *iothread);
/* Destroy every IOThread (at exit). */
void iothread_destroy_all(void);

#endif /* QEMU_IOTHREAD_H */
