/*
 * Coroutines: cooperative user-space threads.
 *
 * A coroutine runs on its own stack until it yields; it is resumed by
 * qemu_coroutine_enter() from the thread of the AioContext it belongs to,
 * or from any thread through aio_co_wake()/aio_co_schedule() (see aio.h).
 * A coroutine belongs to the AioContext current in the thread that first
 * entered it.
 */
#ifndef QEMU_COROUTINE_H
#define QEMU_COROUTINE_H

#include "qemu/osdep.h"

typedef struct Coroutine Coroutine;
typedef struct AioContext AioContext;

typedef void coroutine_fn CoroutineEntry(void *opaque);

/*
 * Create a coroutine that will run @entry(@opaque) when first entered.
 * Taken from a per-thread pool when possible. Never fails. The coroutine is
 * freed (returned to the pool) when @entry returns.
 */
Coroutine *qemu_coroutine_create(CoroutineEntry *entry, void *opaque);

/*
 * Switch into @co until it yields or terminates. Must be called from the
 * thread that owns @co's AioContext (or, for a new coroutine, the thread
 * that will own it). Entering a coroutine that is already running or
 * scheduled is a bug and aborts.
 */
void qemu_coroutine_enter(Coroutine *co);
/* Enter @co unless it is the current coroutine or already running. */
void qemu_coroutine_enter_if_inactive(Coroutine *co);

/* Give control back to the caller of qemu_coroutine_enter(). */
void coroutine_fn qemu_coroutine_yield(void);

/* The current coroutine, or NULL outside coroutine context. */
Coroutine *qemu_coroutine_self(void);
bool qemu_in_coroutine(void);

/* True if @co is entered and has not yet returned or yielded. */
bool qemu_coroutine_entered(Coroutine *co);

AioContext *qemu_coroutine_get_aio_context(Coroutine *co);

/*
 * CoMutex: a mutex for coroutines. Waiters yield instead of blocking the
 * thread. Safe across AioContexts (the waker uses aio_co_wake()).
 */
typedef struct CoMutex {
    GMutex lock;            /* protects the fields below */
    bool locked;
    Coroutine *holder;
    GQueue waiters;         /* of Coroutine * */
} CoMutex;

void qemu_co_mutex_init(CoMutex *mutex);
void coroutine_fn qemu_co_mutex_lock(CoMutex *mutex);
void coroutine_fn qemu_co_mutex_unlock(CoMutex *mutex);
void qemu_co_mutex_destroy(CoMutex *mutex);

/*
 * CoQueue: a queue of coroutines waiting for a condition. Safe across
 * AioContexts. If @mutex is given to qemu_co_queue_wait(), it is released
 * while waiting and taken again before returning (like pthread_cond_wait).
 */
typedef struct CoQueue {
    GMutex lock;
    GQueue entries;         /* of Coroutine * */
} CoQueue;

void qemu_co_queue_init(CoQueue *queue);
void coroutine_fn qemu_co_queue_wait(CoQueue *queue, CoMutex *mutex);
/* Wake the first waiter (returns false if none), or all of them. */
bool qemu_co_queue_next(CoQueue *queue);
void qemu_co_queue_restart_all(CoQueue *queue);
bool qemu_co_queue_empty(CoQueue *queue);
void qemu_co_queue_destroy(CoQueue *queue);

/* Yield for @ns nanoseconds of the monotonic clock, using a timer of the
 * current AioContext. */
void coroutine_fn qemu_co_sleep_ns(int64_t ns);

#endif /* QEMU_COROUTINE_H */
