/*
 * AioContext internals shared by util/aio-posix.c (epoll, fd handlers,
 * timers, aio_poll, GSource) and util/async.c (bottom halves, coroutine
 * scheduling, per-thread current context). Not for use outside util/.
 */
#ifndef QEMU_AIO_INT_H
#define QEMU_AIO_INT_H

#include "qemu/aio.h"
#include "qemu/coroutine_int.h"

struct QEMUBH {
    AioContext *ctx;
    QEMUBHFunc *cb;
    void *opaque;
    bool scheduled;         /* in ctx->bh_queue; under ctx->lock */
    bool oneshot;           /* freed after it ran */
    GList link;             /* in ctx->bh_queue; data = the BH */
};

struct QEMUTimer {
    AioContext *ctx;
    QEMUTimerCB *cb;
    void *opaque;
    int64_t expire_ns;
    bool pending;           /* in ctx->timers; under ctx->lock */
    QEMUTimer *next;
};

struct AioContext {
    /* First member: the context is its own GSource and uses its refcount. */
    GSource source;
    gpointer epoll_tag;     /* g_source_add_unix_fd() tag of epollfd */

    /*
     * Identifies the thread that polls this context (see
     * aio_context_set_thread()); read from any thread with atomics.
     */
    const void *owner;

    int epollfd;
    int notify_fd;          /* eventfd that aio_notify() writes */
    /*
     * Non-zero while the owner may sleep: +2 per blocking aio_poll(), bit 0
     * between GSource prepare and check. aio_notify() writes notify_fd only
     * then. Paired with the full barriers in aio_notify() and aio_poll().
     */
    int notify_me;
    bool notified;          /* notify_fd written and not yet drained */

    /* Protects handlers, bh_queue, timers and the scheduled-coroutine list. */
    GMutex lock;
    GHashTable *handlers;   /* fd -> AioHandler (aio-posix.c) */
    uint32_t handler_gen;   /* tags handlers so stale epoll events are dropped */
    /* Handlers for fds epoll refuses (regular files): always ready, like
     * poll() reports them. Count under lock, read racily as a hint. */
    int n_always_ready;
    GQueue bh_queue;        /* scheduled BHs in FIFO order */
    QEMUTimer *timers;      /* pending timers sorted by expiry (FIFO on ties) */
    Coroutine *co_sched_head;   /* from aio_co_schedule(), FIFO */
    Coroutine *co_sched_tail;
    QEMUBH *co_schedule_bh;
    GSList *locals;         /* AioContextLocal *, under lock (async.c) */
    /* aio_context_set_aio_params(); any thread, accessed with atomics. */
    int64_t aio_max_batch;
    /* Busy polling: limits from aio_context_set_poll_params() (atomics),
     * handlers with an io_poll callback (under lock, read as a hint), and
     * the current adaptive polling time (owner thread only). */
    int64_t poll_max_ns;
    int64_t poll_grow;
    int64_t poll_shrink;
    int n_poll_handlers;
    int64_t poll_ns;
    int poll_long_waits;    /* long waits in a row (owner thread) */
    bool poll_probing;      /* polling on for a probe, not yet useful */
    int n_offloaded;        /* aio_context_offload_begin() - end (atomic) */
};

/* async.c */
void aio_context_async_init(AioContext *ctx);   /* after ctx->lock exists */
void aio_context_async_cleanup(AioContext *ctx);
bool aio_bh_poll(AioContext *ctx);              /* ran at least one BH? */
bool aio_bh_pending(AioContext *ctx);
const void *aio_thread_tag(void);               /* identity of the calling thread */

#endif /* QEMU_AIO_INT_H */
