/*
 * AioContext: an event loop (epoll) with fd handlers, bottom halves and
 * timers. The main loop has one (qemu_get_aio_context()); every IOThread
 * runs its own. Everything attached to a context runs in the thread that
 * polls it.
 */
#ifndef QEMU_AIO_H
#define QEMU_AIO_H

#include "qemu/osdep.h"
#include "qemu/coroutine.h"

typedef struct AioContext AioContext;
typedef struct QEMUBH QEMUBH;
typedef struct QEMUTimer QEMUTimer;

typedef void IOHandler(void *opaque);
typedef void QEMUBHFunc(void *opaque);
typedef void QEMUTimerCB(void *opaque);

typedef struct Error Error;

/*
 * Set up the main loop's AioContext and mark the calling thread as the
 * main thread. Call once at start-up. Returns false and sets errp on
 * failure (epoll/eventfd exhaustion).
 */
bool qemu_init_main_loop(Error **errp);

/* The main loop's context. */
AioContext *qemu_get_aio_context(void);
/* The context of the calling thread: its IOThread's, or the main one. */
AioContext *qemu_get_current_aio_context(void);
bool qemu_in_main_thread(void);

/* Record that the calling thread polls @ctx (IOThreads call this); NULL
 * gives the calling thread's context up. A context nobody claimed belongs
 * to the first thread that polls it. */
void aio_context_set_thread(AioContext *ctx);
bool aio_context_in_thread(AioContext *ctx); /* calling thread polls ctx? */

/*
 * Per-context data for a subsystem that keeps one object per event loop
 * (the file driver's io_uring): @key is any address unique to the user.
 * aio_context_get_local() returns NULL when nothing is set.
 * aio_context_set_local() stores @value (replacing and destroying an old
 * one); @destroy (may be NULL) runs when the context is freed, before its
 * fd handlers and fds go, in the thread that drops the last reference.
 * Any thread; users serialise access to their value themselves.
 */
void *aio_context_get_local(AioContext *ctx, const void *key);
void aio_context_set_local(AioContext *ctx, const void *key, void *value,
                           GDestroyNotify destroy);

/*
 * AIO engine parameters of @ctx (the iothread property aio-max-batch).
 * @max_batch is how many requests an engine queues before it submits them
 * at once (io_uring: one io_uring_enter() per batch; requests queued in one
 * event-loop iteration are still submitted at its end). 0, the value of
 * every new context (and so of the main loop's), lets the engine choose
 * (AIO_MAX_BATCH_DEFAULT). Valid range [0, AIO_MAX_BATCH_LIMIT]; the caller
 * validates (an out-of-range value is clamped). Any thread; takes effect
 * for requests queued afterwards.
 */
#define AIO_MAX_BATCH_DEFAULT 32
#define AIO_MAX_BATCH_LIMIT   4096
void aio_context_set_aio_params(AioContext *ctx, int64_t max_batch);
/* The value set by aio_context_set_aio_params() (0: engine default). */
int64_t aio_context_get_aio_max_batch(AioContext *ctx);

AioContext *aio_context_new(Error **errp);
void aio_context_ref(AioContext *ctx);
void aio_context_unref(AioContext *ctx);

/*
 * Register (or with both handlers NULL, remove) handlers for @fd. The
 * handlers run in the thread polling @ctx when @fd is readable/writable.
 * May be called from any thread; a removal from the polling thread takes
 * effect at once (no handler runs after it returns).
 * Handlers must tolerate a call when @fd is not ready (e.g. after a nested
 * aio_poll() consumed the event): use non-blocking fds. An fd that epoll
 * cannot watch (regular file) is reported ready on every poll, as poll()
 * would.
 */
void aio_set_fd_handler(AioContext *ctx, int fd,
                        IOHandler *io_read, IOHandler *io_write,
                        void *opaque);

/*
 * Busy polling (QEMU's IOThread poll-max-ns, poll-grow, poll-shrink).
 * @io_poll reports, without blocking and ideally without a system call,
 * whether @fd's handler has work (e.g. a ring's completion queue is not
 * empty). Before a blocking aio_poll() sleeps in epoll, it calls the
 * io_poll callbacks of its handlers for up to the context's current
 * polling time; the first that returns true has its read handler called
 * at once, without sleeping. The polling time adapts: it starts at 0,
 * grows (by poll-grow, default 2, from 4 us) while events arrive within
 * poll-max-ns of the start of the wait, and shrinks (divided by
 * poll-shrink; 0 resets it to 0) when 4 waits in a row last longer than
 * that (QEMU: 1). After 16 such waits with polling off, one wait polls
 * for poll-max-ns, and polling resumes if its event comes in time, else
 * stops again at once (QEMU has no such probe; see aio-posix.c for why a
 * VM needs both).
 * @fd must already have a read handler (aio_set_fd_handler()); removing
 * the handler removes @io_poll too. NULL detaches it. In @ctx's thread.
 */
typedef bool AioPollFn(void *opaque);
void aio_set_fd_poll(AioContext *ctx, int fd, AioPollFn *io_poll);
/* Set @ctx's polling limits (all >= 0; max_ns 0 disables). Any thread. */
void aio_context_set_poll_params(AioContext *ctx, int64_t max_ns,
                                 int64_t grow, int64_t shrink);
/* QEMU's default poll-max-ns for IOThreads. */
#define AIO_POLL_MAX_NS_DEFAULT 32768
/*
 * Work for @ctx runs in another thread of ours (the thread pool) between
 * begin and end. @ctx does not busy-poll meanwhile: its completion arrives
 * through an fd anyway, and on a host with few CPUs the spinning thread
 * would hold the CPU that the work needs. Any thread.
 */
void aio_context_offload_begin(AioContext *ctx);
void aio_context_offload_end(AioContext *ctx);

/*
 * Bottom halves: callbacks scheduled from any thread to run once in @ctx's
 * thread. A scheduled BH runs at the next aio_poll() of its context.
 */
QEMUBH *aio_bh_new(AioContext *ctx, QEMUBHFunc *cb, void *opaque);
void qemu_bh_schedule(QEMUBH *bh);
void qemu_bh_cancel(QEMUBH *bh);
/* Free @bh; a scheduled run is cancelled. Call from @ctx's thread. */
void qemu_bh_delete(QEMUBH *bh);
/* Allocate, schedule, run once, free. Any thread. */
void aio_bh_schedule_oneshot(AioContext *ctx, QEMUBHFunc *cb, void *opaque);

/* Wake up @ctx's thread if it is blocked in aio_poll(). Any thread. */
void aio_notify(AioContext *ctx);

/*
 * Run ready handlers, BHs and expired timers once. With @blocking, wait
 * until at least one event happened. Returns true if progress was made.
 * Only from the thread that owns @ctx (or the main thread for the main
 * context).
 */
bool aio_poll(AioContext *ctx, bool blocking);

/*
 * A GSource that dispatches @ctx from a GLib main loop (g_source_attach()
 * it to a GMainContext). Returns a new reference.
 */
GSource *aio_get_g_source(AioContext *ctx);

/* Timers on the monotonic clock (get_clock_ns()), run in @ctx's thread. */
QEMUTimer *aio_timer_new(AioContext *ctx, QEMUTimerCB *cb, void *opaque);
/* Arm @t to fire at absolute time @expire_ns. From @ctx's thread. */
void timer_mod_ns(QEMUTimer *t, int64_t expire_ns);
void timer_del(QEMUTimer *t);
void timer_free(QEMUTimer *t);   /* also deletes */
bool timer_pending(QEMUTimer *t);

/*
 * Resume @co in its own AioContext. From @co's thread it enters @co at
 * once (if not inside another coroutine of that context; then it is
 * scheduled); from another thread it schedules @co there. @co must have
 * yielded (or be about to yield: a wake racing with the yield is handled).
 */
void aio_co_wake(Coroutine *co);
/* Run @co in @ctx at its next poll. Any thread. Not for moving the
 * calling coroutine to another thread: see aio_co_reschedule_self(). */
void aio_co_schedule(AioContext *ctx, Coroutine *co);
/* Move the calling coroutine to @new_ctx (returns there; no-op if it runs
 * there already). */
void coroutine_fn aio_co_reschedule_self(AioContext *new_ctx);
/* Enter @co in @ctx: at once if called in @ctx's thread outside a coroutine,
 * else schedule. */
void aio_co_enter(AioContext *ctx, Coroutine *co);

#endif /* QEMU_AIO_H */
