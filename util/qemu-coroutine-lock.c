/*
 * Coroutine synchronisation: CoMutex, CoQueue and sleeping.
 *
 * Waiters may live in different AioContexts (threads): each structure is
 * protected by a GMutex held only for list manipulation, never across a
 * yield, and waiters are resumed with aio_co_wake(). A wake that happens
 * between a waiter queueing itself and yielding is safe: from another
 * thread it is scheduled through the waiter's context, whose BH can only
 * run after the yield; from the same thread it cannot happen before the
 * yield at all.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"

/* See coroutine.h. */
void qemu_co_mutex_init(CoMutex *mutex)
{
    g_mutex_init(&mutex->lock);
    mutex->locked = false;
    mutex->holder = NULL;
    g_queue_init(&mutex->waiters);
}

/*
 * Take @mutex; yields while another coroutine holds it. Waiters get the
 * mutex in FIFO order: unlock hands it directly to the first waiter.
 * Not recursive.
 */
void coroutine_fn qemu_co_mutex_lock(CoMutex *mutex)
{
    Coroutine *self = qemu_coroutine_self();

    assert(self);
    g_mutex_lock(&mutex->lock);
    if (!mutex->locked) {
        mutex->locked = true;
        mutex->holder = self;
        g_mutex_unlock(&mutex->lock);
        return;
    }
    assert(mutex->holder != self);
    g_queue_push_tail(&mutex->waiters, self);
    g_mutex_unlock(&mutex->lock);

    qemu_coroutine_yield();
    /* qemu_co_mutex_unlock() made us the holder before waking us. */
    assert(qatomic_read(&mutex->holder) == self);
}

/* Release @mutex (held by the calling coroutine) and wake the next waiter,
 * which becomes the holder. Does not yield. */
void coroutine_fn qemu_co_mutex_unlock(CoMutex *mutex)
{
    Coroutine *next;

    g_mutex_lock(&mutex->lock);
    assert(mutex->locked && mutex->holder == qemu_coroutine_self());
    next = g_queue_pop_head(&mutex->waiters);
    if (next) {
        mutex->holder = next;
    } else {
        mutex->locked = false;
        mutex->holder = NULL;
    }
    g_mutex_unlock(&mutex->lock);

    if (next) {
        aio_co_wake(next);
    }
}

/* See coroutine.h. @mutex must be unlocked with no waiters. */
void qemu_co_mutex_destroy(CoMutex *mutex)
{
    assert(!mutex->locked && g_queue_is_empty(&mutex->waiters));
    g_mutex_clear(&mutex->lock);
}

/* See coroutine.h. */
void qemu_co_queue_init(CoQueue *queue)
{
    g_mutex_init(&queue->lock);
    g_queue_init(&queue->entries);
}

/*
 * Wait on @queue until qemu_co_queue_next()/restart_all() wakes us. If
 * @mutex is given (held by the caller), it is released while waiting and
 * re-taken before returning. Always yields.
 */
void coroutine_fn qemu_co_queue_wait(CoQueue *queue, CoMutex *mutex)
{
    Coroutine *self = qemu_coroutine_self();

    assert(self);
    g_mutex_lock(&queue->lock);
    g_queue_push_tail(&queue->entries, self);
    g_mutex_unlock(&queue->lock);

    if (mutex) {
        qemu_co_mutex_unlock(mutex);
    }
    qemu_coroutine_yield();
    if (mutex) {
        qemu_co_mutex_lock(mutex);
    }
}

/* Wake the first waiter of @queue. Returns false if there was none. Any
 * thread, in or out of coroutine context. */
bool qemu_co_queue_next(CoQueue *queue)
{
    Coroutine *co;

    g_mutex_lock(&queue->lock);
    co = g_queue_pop_head(&queue->entries);
    g_mutex_unlock(&queue->lock);

    if (co) {
        aio_co_wake(co);
    }
    return co != NULL;
}

/* Wake every waiter of @queue, in FIFO order. Any thread. */
void qemu_co_queue_restart_all(CoQueue *queue)
{
    GQueue all = G_QUEUE_INIT;
    Coroutine *co;

    g_mutex_lock(&queue->lock);
    all = queue->entries;
    g_queue_init(&queue->entries);
    g_mutex_unlock(&queue->lock);

    while ((co = g_queue_pop_head(&all))) {
        aio_co_wake(co);
    }
}

/* True if nobody waits on @queue (a snapshot). */
bool qemu_co_queue_empty(CoQueue *queue)
{
    bool empty;

    g_mutex_lock(&queue->lock);
    empty = g_queue_is_empty(&queue->entries);
    g_mutex_unlock(&queue->lock);
    return empty;
}

/* See coroutine.h. @queue must have no waiters. */
void qemu_co_queue_destroy(CoQueue *queue)
{
    assert(g_queue_is_empty(&queue->entries));
    g_mutex_clear(&queue->lock);
}

static void co_sleep_cb(void *opaque)
{
    aio_co_wake(opaque);
}

/*
 * Yield until @ns nanoseconds of the monotonic clock have passed (at once
 * for ns <= 0, still yielding through the event loop). The timer lives in
 * the AioContext the coroutine runs in.
 */
void coroutine_fn qemu_co_sleep_ns(int64_t ns)
{
    Coroutine *self = qemu_coroutine_self();
    AioContext *ctx;
    QEMUTimer *timer;

    assert(self);
    ctx = qemu_coroutine_get_aio_context(self);
    assert(ctx);
    timer = aio_timer_new(ctx, co_sleep_cb, self);
    timer_mod_ns(timer, get_clock_ns() + MAX(ns, 0));
    qemu_coroutine_yield();
    timer_free(timer);
}
