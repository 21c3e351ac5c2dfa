/*
 * AioContext on Linux: epoll for fd handlers, an eventfd for cross-thread
 * notification, a sorted list of timers, and the GSource glue that lets a
 * GLib main loop drive a context.
 *
 * Re-entrancy: aio_poll() may be called from inside a handler, BH or timer
 * of the same context (AIO_WAIT_WHILE in the main loop). Nothing here keeps
 * a pointer to a handler, BH or timer across a callback: callbacks are
 * copied out under ctx->lock and then called without it.
 */
#include "qemu/osdep.h"
#include "qemu/aio_int.h"
#include "qemu/error.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

#define AIO_MAX_EVENTS 128
/* epoll tag of the notifier; handler tags carry a non-negative fd. */
#define AIO_NOTIFY_TAG UINT64_MAX

typedef struct AioHandler {
    int fd;
    uint32_t gen;
    uint32_t events;
    IOHandler *io_read;
    IOHandler *io_write;
    AioPollFn *io_poll;     /* see aio_set_fd_poll() */
    void *opaque;
    bool always_ready;      /* not in epoll: dispatched on every poll */
} AioHandler;

/* Polled handlers looked at per busy-poll (more are not polled). */
#define AIO_MAX_POLLERS 8
/* The first polling time once events come quickly (QEMU's 4 us). */
#define AIO_POLL_NS_START 4000
/*
 * Two changes to QEMU's adaptive scheme, for VMs. A sleeping vCPU takes
 * tens of microseconds to wake, so (1) while polling, a wait longer than
 * poll-max-ns only shrinks the polling time when AIO_POLL_MISSES of them
 * come in a row: at queue depth 1 about one round trip in ten misses
 * 32 us, and falling back to sleeping for it made every round trip slow;
 * (2) with polling off, waits include the thread's own wake-up, which can
 * exceed poll-max-ns although, with polling on, each next request would
 * come in time: polling would never restart. So after AIO_POLL_PROBE_WAITS
 * long waits in a row, one wait polls for the whole poll-max-ns (a probe);
 * if the event comes while it polls, polling stays on, else it stops at
 * once (under a sparse load a probe then costs poll-max-ns per 17 waits).
 */
#define AIO_POLL_MISSES         4
#define AIO_POLL_PROBE_WAITS    16

static uint64_t handler_tag(AioHandler *h)
{
    return ((uint64_t)h->gen << 32) | (uint32_t)h->fd;
}

/*
 * Whether epoll_pwait2() (nanosecond timeouts, Linux 5.11) works. Starts
 * true; the first ENOSYS flips it for good. Any thread may read/write it
 * with relaxed atomics: the worst case is one extra ENOSYS.
 */
static bool have_epoll_pwait2 = true;

static int epoll_wait_ns(int epfd, struct epoll_event *ev, int max,
                         int64_t timeout_ns)
{
    int ret;

    if (qatomic_read(&have_epoll_pwait2)) {
        struct timespec ts;

        ts.tv_sec = timeout_ns / 1000000000LL;
        ts.tv_nsec = timeout_ns % 1000000000LL;
        ret = epoll_pwait2(epfd, ev, max, timeout_ns < 0 ? NULL : &ts, NULL);
        if (ret >= 0 || errno != ENOSYS) {
            return ret;
        }
        qatomic_set(&have_epoll_pwait2, false);
    }
    /* Millisecond granularity: round up so timers never fire early. */
    return epoll_wait(epfd, ev, max,
                      timeout_ns < 0 ? -1 :
                      (int)MIN(DIV_ROUND_UP(timeout_ns, 1000000LL), INT_MAX));
}

/* See aio.h. */
void aio_notify(AioContext *ctx)
{
    /* Order the caller's publication of work before reading notify_me;
     * pairs with the barrier after aio_poll() raises notify_me. */
    smp_mb();
    if (qatomic_read(&ctx->notify_me) &&
        !qatomic_xchg(&ctx->notified, true)) {
        uint64_t one = 1;
        ssize_t ret;

        do {
            ret = write(ctx->notify_fd, &one, sizeof(one));
        } while (ret < 0 && errno == EINTR);
        /* EAGAIN: the counter is saturated, the poller wakes anyway. */
    }
}

static void aio_notify_accept(AioContext *ctx)
{
    uint64_t value;

    /*
     * Drain, then clear: a notifier that still saw notified == true did
     * not write, but published its work before that, and the caller looks
     * for work after this. Clearing first could lose a wakeup: a write made
     * between the clear and the read would be consumed here while leaving
     * notified set, so the next aio_notify() would not write at all.
     */
    while (read(ctx->notify_fd, &value, sizeof(value)) < 0 && errno == EINTR) {
        /* retry */
    }
    (void)qatomic_xchg(&ctx->notified, false);
}

/* See aio.h. */
void aio_set_fd_handler(AioContext *ctx, int fd,
                        IOHandler *io_read, IOHandler *io_write,
                        void *opaque)
{
    AioHandler *h;
    struct epoll_event ev = { 0 };

    g_mutex_lock(&ctx->lock);
    h = g_hash_table_lookup(ctx->handlers, GINT_TO_POINTER(fd));

    if (!io_read && !io_write) {
        if (h && h->always_ready) {
            qatomic_dec(&ctx->n_always_ready);
        } else if (h) {
            /* Errors ignored: the caller may already have closed @fd. */
            epoll_ctl(ctx->epollfd, EPOLL_CTL_DEL, fd, NULL);
        }
        if (h) {
            if (h->io_poll) {
                ctx->n_poll_handlers--;
            }
            /* Frees h; pending events carry its tag and find nothing. */
            g_hash_table_remove(ctx->handlers, GINT_TO_POINTER(fd));
        }
        g_mutex_unlock(&ctx->lock);
        return;
    }

    ev.events = (io_read ? EPOLLIN : 0) | (io_write ? EPOLLOUT : 0);
    if (h) {
        h->io_read = io_read;
        h->io_write = io_write;
        h->opaque = opaque;
        if (h->events != ev.events && !h->always_ready) {
            ev.data.u64 = handler_tag(h);
            if (epoll_ctl(ctx->epollfd, EPOLL_CTL_MOD, fd, &ev) < 0 &&
                errno == ENOENT) {
                /* @fd was closed and reused without removing the handler. */
                epoll_ctl(ctx->epollfd, EPOLL_CTL_ADD, fd, &ev);
            }
            h->events = ev.events;
        }
        g_mutex_unlock(&ctx->lock);
        return;
    }

    h = g_new0(AioHandler, 1);
    h->fd = fd;
    h->gen = ++ctx->handler_gen;
    h->events = ev.events;
    h->io_read = io_read;
    h->io_write = io_write;
    h->opaque = opaque;
    ev.data.u64 = handler_tag(h);
    if (epoll_ctl(ctx->epollfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        if (errno != EPERM) {
            /* A programming error (bad fd): say so loudly. */
            error_report("aio: cannot watch fd %d: %s", fd, g_strerror(errno));
            g_free(h);
            g_mutex_unlock(&ctx->lock);
            return;
        }
        /* A regular file or directory (e.g. stdin redirected from a file):
         * poll() would always report it ready, so do the same. */
        h->always_ready = true;
        qatomic_inc(&ctx->n_always_ready);
    }
    g_hash_table_insert(ctx->handlers, GINT_TO_POINTER(fd), h);
    g_mutex_unlock(&ctx->lock);
}

/* See aio.h. */
void aio_set_fd_poll(AioContext *ctx, int fd, AioPollFn *io_poll)
{
    AioHandler *h;

    g_mutex_lock(&ctx->lock);
    h = g_hash_table_lookup(ctx->handlers, GINT_TO_POINTER(fd));
    if (h) {
        ctx->n_poll_handlers += !!io_poll - !!h->io_poll;
        h->io_poll = io_poll;
    }
    g_mutex_unlock(&ctx->lock);
}

/* See aio.h. */
void aio_context_offload_begin(AioContext *ctx)
{
    qatomic_inc(&ctx->n_offloaded);
}

/* See aio.h. */
void aio_context_offload_end(AioContext *ctx)
{
    qatomic_dec(&ctx->n_offloaded);
}

/* See aio.h. */
void aio_context_set_poll_params(AioContext *ctx, int64_t max_ns,
                                 int64_t grow, int64_t shrink)
{
    qatomic_set(&ctx->poll_max_ns, max_ns);
    qatomic_set(&ctx->poll_grow, grow);
    qatomic_set(&ctx->poll_shrink, shrink);
}

/*
 * Look up the current handler for the event @tag; NULL if it was removed
 * (or replaced by one for a reused fd) since the event was reported.
 */
static bool handler_get(AioContext *ctx, uint64_t tag, bool write,
                        IOHandler **fn, void **opaque)
{
    AioHandler *h;
    int fd = (int)(uint32_t)tag;

    g_mutex_lock(&ctx->lock);
    h = g_hash_table_lookup(ctx->handlers, GINT_TO_POINTER(fd));
    if (!h || handler_tag(h) != tag) {
        h = NULL;
    } else {
        *fn = write ? h->io_write : h->io_read;
        *opaque = h->opaque;
    }
    g_mutex_unlock(&ctx->lock);
    return h && *fn;
}

static bool aio_dispatch_event(AioContext *ctx, struct epoll_event *ev)
{
    IOHandler *fn;
    void *opaque;
    bool progress = false;

    if ((ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
        handler_get(ctx, ev->data.u64, false, &fn, &opaque)) {
        fn(opaque);
        progress = true;
    }
    /* Looked up again: the read handler may have removed the handler. */
    if ((ev->events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) &&
        handler_get(ctx, ev->data.u64, true, &fn, &opaque)) {
        fn(opaque);
        progress = true;
    }
    return progress;
}

/* Dispatch every always-ready handler once (see AioHandler.always_ready). */
static bool aio_dispatch_always_ready(AioContext *ctx)
{
    g_autoptr(GArray) events = NULL;
    GHashTableIter iter;
    gpointer value;
    bool progress = false;

    if (!qatomic_read(&ctx->n_always_ready)) {
        return false;
    }
    events = g_array_new(FALSE, FALSE, sizeof(struct epoll_event));
    g_mutex_lock(&ctx->lock);
    g_hash_table_iter_init(&iter, ctx->handlers);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        AioHandler *h = value;

        if (h->always_ready) {
            struct epoll_event ev = { .events = h->events,
                                      .data.u64 = handler_tag(h) };
            g_array_append_val(events, ev);
        }
    }
    g_mutex_unlock(&ctx->lock);

    /* Tags are re-checked: earlier callbacks may remove later handlers. */
    for (guint i = 0; i < events->len; i++) {
        progress |= aio_dispatch_event(ctx, &g_array_index(events,
                                                           struct epoll_event, i));
    }
    return progress;
}

/* --- timers --- */

/* See aio.h. The timer starts disarmed. */
QEMUTimer *aio_timer_new(AioContext *ctx, QEMUTimerCB *cb, void *opaque)
{
    QEMUTimer *t = g_new0(QEMUTimer, 1);

    t->ctx = ctx;
    t->cb = cb;
    t->opaque = opaque;
    return t;
}

/* Under ctx->lock. */
static void timer_unlink_locked(QEMUTimer *t)
{
    QEMUTimer **p;

    if (!t->pending) {
        return;
    }
    for (p = &t->ctx->timers; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->pending = false;
}

/* See aio.h. Re-arming a pending timer moves it. Works from any thread
 * (the poller is notified if the earliest deadline changed). */
void timer_mod_ns(QEMUTimer *t, int64_t expire_ns)
{
    AioContext *ctx = t->ctx;
    QEMUTimer **p;
    bool first;

    g_mutex_lock(&ctx->lock);
    timer_unlink_locked(t);
    for (p = &ctx->timers; *p && (*p)->expire_ns <= expire_ns; p = &(*p)->next) {
        /* keep FIFO order among equal deadlines */
    }
    t->expire_ns = expire_ns;
    t->next = *p;
    *p = t;
    t->pending = true;
    first = ctx->timers == t;
    g_mutex_unlock(&ctx->lock);

    if (first && !aio_context_in_thread(ctx)) {
        aio_notify(ctx);
    }
}

/* See aio.h. */
void timer_del(QEMUTimer *t)
{
    g_mutex_lock(&t->ctx->lock);
    timer_unlink_locked(t);
    g_mutex_unlock(&t->ctx->lock);
}

/* See aio.h. NULL is ignored. */
void timer_free(QEMUTimer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

/* See aio.h. */
bool timer_pending(QEMUTimer *t)
{
    bool pending;

    g_mutex_lock(&t->ctx->lock);
    pending = t->pending;
    g_mutex_unlock(&t->ctx->lock);
    return pending;
}

/* Nanoseconds until the first timer expires, 0 if one already has, -1 if
 * none is pending. */
static int64_t aio_timers_timeout_ns(AioContext *ctx)
{
    int64_t ns = -1;

    g_mutex_lock(&ctx->lock);
    if (ctx->timers) {
        /*
         * Read the clock once: MAX() evaluates its arguments twice, and a
         * deadline passing between two reads gave a negative result, which
         * callers take as "no timer" and sleep forever (lost timer wakeup).
         */
        int64_t now = get_clock_ns();

        ns = ctx->timers->expire_ns > now ? ctx->timers->expire_ns - now : 0;
    }
    g_mutex_unlock(&ctx->lock);
    return ns;
}

/* Run the timers that expired by now, earliest first. */
static bool aio_timers_run(AioContext *ctx)
{
    int64_t now = get_clock_ns();
    bool progress = false;

    for (;;) {
        QEMUTimer *t;
        QEMUTimerCB *cb;
        void *opaque;

        g_mutex_lock(&ctx->lock);
        t = ctx->timers;
        if (!t || t->expire_ns > now) {
            g_mutex_unlock(&ctx->lock);
            break;
        }
        ctx->timers = t->next;
        t->next = NULL;
        t->pending = false;
        cb = t->cb;
        opaque = t->opaque;
        g_mutex_unlock(&ctx->lock);

        /* @t may be freed or re-armed by the callback. */
        cb(opaque);
        progress = true;
    }
    return progress;
}

/* --- polling --- */

static void aio_claim_owner(AioContext *ctx)
{
    /* A context nobody declared ownership of belongs to its first poller. */
    if (!qatomic_read(&ctx->owner)) {
        qatomic_cmpxchg(&ctx->owner, NULL, aio_thread_tag());
    }
}

/*
 * Busy-poll the io_poll callbacks of @ctx for up to ctx->poll_ns since
 * @start. On success, fills @ev with an event for the handler that has
 * work and returns true.
 */
static bool aio_busy_poll(AioContext *ctx, int64_t start,
                          struct epoll_event *ev)
{
    AioPollFn *fns[AIO_MAX_POLLERS];
    void *opaques[AIO_MAX_POLLERS];
    uint64_t tags[AIO_MAX_POLLERS];
    GHashTableIter iter;
    gpointer value;
    int n = 0;

    if (ctx->poll_ns <= 0 || qatomic_read(&ctx->n_offloaded) > 0 ||
        aio_bh_pending(ctx) || aio_timers_timeout_ns(ctx) == 0) {
        return false;
    }
    /* Handlers are removed only in this thread: the copy stays valid. */
    g_mutex_lock(&ctx->lock);
    g_hash_table_iter_init(&iter, ctx->handlers);
    while (n < AIO_MAX_POLLERS && g_hash_table_iter_next(&iter, NULL, &value)) {
        AioHandler *h = value;

        if (h->io_poll && h->io_read) {
            fns[n] = h->io_poll;
            opaques[n] = h->opaque;
            tags[n] = handler_tag(h);
            n++;
        }
    }
    g_mutex_unlock(&ctx->lock);

    while (n > 0) {
        for (int i = 0; i < n; i++) {
            if (fns[i](opaques[i])) {
                ev->events = EPOLLIN;
                ev->data.u64 = tags[i];
                return true;
            }
        }
        if (get_clock_ns() - start >= ctx->poll_ns) {
            break;
        }
        __builtin_ia32_pause();
    }
    return false;
}

/* Adapt the polling time to a wait of @block_ns (see aio.h). */
static void aio_poll_adjust(AioContext *ctx, int64_t block_ns)
{
    int64_t max_ns = qatomic_read(&ctx->poll_max_ns);

    if (block_ns <= ctx->poll_ns) {
        ctx->poll_long_waits = 0;
        ctx->poll_probing = false;
        return;                         /* polling caught it */
    }
    if (block_ns > max_ns) {
        int64_t shrink = qatomic_read(&ctx->poll_shrink);

        ctx->poll_long_waits++;
        if (ctx->poll_ns > 0 && (ctx->poll_probing ||
                                 ctx->poll_long_waits >= AIO_POLL_MISSES)) {
            ctx->poll_long_waits = 0;
            ctx->poll_probing = false;
            ctx->poll_ns = shrink ? ctx->poll_ns / shrink : 0;
        } else if (ctx->poll_ns == 0 &&
                   ctx->poll_long_waits >= AIO_POLL_PROBE_WAITS) {
            ctx->poll_long_waits = 0;
            ctx->poll_probing = true;
            ctx->poll_ns = max_ns;
        }
    } else if (ctx->poll_ns < max_ns) {
        int64_t grow = qatomic_read(&ctx->poll_grow);

        ctx->poll_long_waits = 0;
        ctx->poll_ns = ctx->poll_ns ? ctx->poll_ns * (grow ? grow : 2)
                                    : AIO_POLL_NS_START;
        ctx->poll_ns = MIN(ctx->poll_ns, max_ns);
    }
}

/* See aio.h. Order per iteration: fd handlers, then BHs, then timers. */
bool aio_poll(AioContext *ctx, bool blocking)
{
    struct epoll_event events[AIO_MAX_EVENTS];
    struct epoll_event polled;
    int64_t timeout_ns = 0;
    int64_t start = 0;
    bool progress = false;
    bool adaptive, got_poll = false;
    int n;

    aio_claim_owner(ctx);
    assert(!qemu_in_coroutine());

    adaptive = blocking && qatomic_read(&ctx->n_poll_handlers) > 0 &&
               qatomic_read(&ctx->poll_max_ns) > 0;
    if (adaptive) {
        start = get_clock_ns();
        got_poll = aio_busy_poll(ctx, start, &polled);
        blocking = !got_poll;
    }
    if (blocking) {
        qatomic_fetch_add(&ctx->notify_me, 2);
        /* Pairs with aio_notify(): either we see the work or it sees us. */
        smp_mb();
        if (!aio_bh_pending(ctx) && !qatomic_read(&ctx->n_always_ready)) {
            timeout_ns = aio_timers_timeout_ns(ctx);
        }
    }
    n = epoll_wait_ns(ctx->epollfd, events, AIO_MAX_EVENTS, timeout_ns);
    if (blocking) {
        qatomic_fetch_add(&ctx->notify_me, -2);
    }
    if (n < 0 && errno != EINTR) {
        /* Only a broken epoll fd gets here: a programming error. */
        g_error("aio_poll: epoll_wait: %s", g_strerror(errno));
    }
    if (adaptive) {
        aio_poll_adjust(ctx, get_clock_ns() - start);
    }
    if (got_poll) {
        progress |= aio_dispatch_event(ctx, &polled);
    }

    for (int i = 0; i < n; i++) {
        if (got_poll && events[i].data.u64 == polled.data.u64) {
            continue;       /* dispatched above */
        }
        if (events[i].data.u64 == AIO_NOTIFY_TAG) {
            aio_notify_accept(ctx);
        } else {
            progress |= aio_dispatch_event(ctx, &events[i]);
        }
    }
    progress |= aio_dispatch_always_ready(ctx);
    progress |= aio_bh_poll(ctx);
    progress |= aio_timers_run(ctx);
    return progress;
}

/* --- GSource --- */

static gboolean aio_source_prepare(GSource *source, gint *timeout)
{
    AioContext *ctx = (AioContext *)source;
    int64_t ns;

    aio_claim_owner(ctx);
    /* GLib may sleep in poll() now: ask for notifications (bit 0). */
    __atomic_fetch_or(&ctx->notify_me, 1, __ATOMIC_SEQ_CST);
    if (aio_bh_pending(ctx) || qatomic_read(&ctx->n_always_ready)) {
        *timeout = 0;
        return TRUE;
    }
    ns = aio_timers_timeout_ns(ctx);
    *timeout = ns < 0 ? -1 : (gint)MIN(DIV_ROUND_UP(ns, 1000000LL), G_MAXINT);
    return ns == 0;
}

static gboolean aio_source_check(GSource *source)
{
    AioContext *ctx = (AioContext *)source;

    __atomic_fetch_and(&ctx->notify_me, ~1, __ATOMIC_SEQ_CST);
    if (g_source_query_unix_fd(source, ctx->epoll_tag) & G_IO_IN) {
        return TRUE;
    }
    return aio_bh_pending(ctx) || qatomic_read(&ctx->n_always_ready) ||
           aio_timers_timeout_ns(ctx) == 0;
}

static gboolean aio_source_dispatch(GSource *source, GSourceFunc callback,
                                    gpointer user_data)
{
    aio_poll((AioContext *)source, false);
    return G_SOURCE_CONTINUE;
}

/* Last reference gone: tolerate a partially set up context. */
static void aio_source_finalize(GSource *source)
{
    AioContext *ctx = (AioContext *)source;

    if (ctx->handlers) {
        aio_context_async_cleanup(ctx);
        g_hash_table_destroy(ctx->handlers);
        ctx->handlers = NULL;
        g_mutex_clear(&ctx->lock);
    }
    if (ctx->notify_fd >= 0) {
        close(ctx->notify_fd);
    }
    if (ctx->epollfd >= 0) {
        close(ctx->epollfd);
    }
}

static GSourceFuncs aio_source_funcs = {
    .prepare = aio_source_prepare,
    .check = aio_source_check,
    .dispatch = aio_source_dispatch,
    .finalize = aio_source_finalize,
};

/* See aio.h. Errors: epoll or eventfd creation failure. The new context
 * has one reference (aio_context_unref()) and no owner thread yet. */
AioContext *aio_context_new(Error **errp)
{
    AioContext *ctx;
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = AIO_NOTIFY_TAG };

    ctx = (AioContext *)g_source_new(&aio_source_funcs, sizeof(AioContext));
    g_source_set_name(&ctx->source, "aio-context");
    ctx->epollfd = -1;
    ctx->notify_fd = -1;

    ctx->epollfd = epoll_create1(EPOLL_CLOEXEC);
    if (ctx->epollfd < 0) {
        error_setg_errno(errp, errno, "Failed to create epoll instance");
        goto fail;
    }
    ctx->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ctx->notify_fd < 0) {
        error_setg_errno(errp, errno, "Failed to create event notifier");
        goto fail;
    }
    if (epoll_ctl(ctx->epollfd, EPOLL_CTL_ADD, ctx->notify_fd, &ev) < 0) {
        error_setg_errno(errp, errno, "Failed to watch event notifier");
        goto fail;
    }
    ctx->epoll_tag = g_source_add_unix_fd(&ctx->source, ctx->epollfd, G_IO_IN);

    g_mutex_init(&ctx->lock);
    ctx->handlers = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    g_queue_init(&ctx->bh_queue);
    aio_context_async_init(ctx);
    return ctx;

fail:
    g_source_unref(&ctx->source);
    return NULL;
}

/* See aio.h. Any thread. */
void aio_context_ref(AioContext *ctx)
{
    g_source_ref(&ctx->source);
}

/* See aio.h. Any thread; the last reference frees the context, which
 * must then have no fd handlers or pending work left that matters. */
void aio_context_unref(AioContext *ctx)
{
    g_source_unref(&ctx->source);
}

/* See aio.h. */
GSource *aio_get_g_source(AioContext *ctx)
{
    g_source_ref(&ctx->source);
    return &ctx->source;
}
