/*
 * The worker thread pool behind thread_pool_submit_co().
 *
 * One process-wide pool. Workers are created when a request finds no idle
 * worker (up to THREAD_POOL_MAX) and exit after THREAD_POOL_IDLE_US
 * without work, so the steady state creates no threads.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/thread-pool.h"

#include <pthread.h>

#define THREAD_POOL_MAX 64
#define THREAD_POOL_IDLE_US (10 * G_USEC_PER_SEC)

typedef struct ThreadPoolRequest {
    ThreadPoolFunc *func;
    void *opaque;
    int ret;
    Coroutine *co;
    GList link;             /* in ThreadPool.queue */
} ThreadPoolRequest;

typedef struct ThreadPool {
    GMutex lock;            /* protects everything below */
    GCond cond;             /* signalled once per request for an idle worker */
    GQueue queue;           /* ThreadPoolRequest, FIFO */
    int threads;            /* live workers */
    /* Idle workers not yet claimed by a signal: a request needs a new
     * worker only when this is 0. */
    int idle;
    int pending_signals;    /* signals sent but not yet consumed */
} ThreadPool;

/* The process-wide pool; its fields are under pool.lock. Any thread. */
static ThreadPool pool = {
    .queue = G_QUEUE_INIT,
};

static pthread_once_t pool_atfork_once = PTHREAD_ONCE_INIT;

/*
 * A fork()ed child (--daemonize) has none of the parent's workers: forget
 * them, or requests would be handed to threads that do not exist. The lock
 * may have been held by another thread at fork time, so it is re-created.
 */
static void pool_atfork_child(void)
{
    g_mutex_init(&pool.lock);
    g_cond_init(&pool.cond);
    pool.threads = 0;
    pool.idle = 0;
    pool.pending_signals = 0;
}

static void pool_atfork_init(void)
{
    pthread_atfork(NULL, NULL, pool_atfork_child);
}

static gpointer worker_thread(gpointer opaque)
{
    g_mutex_lock(&pool.lock);
    for (;;) {
        GList *link = g_queue_pop_head_link(&pool.queue);
        ThreadPoolRequest *req;
        Coroutine *co;
        gint64 deadline;
        bool signalled;

        if (link) {
            req = link->data;
            g_mutex_unlock(&pool.lock);

            req->ret = req->func(req->opaque);
            /* @req lives on the coroutine's stack: read co first. */
            co = req->co;
            aio_co_wake(co);

            g_mutex_lock(&pool.lock);
            continue;
        }

        pool.idle++;
        deadline = g_get_monotonic_time() + THREAD_POOL_IDLE_US;
        signalled = g_cond_wait_until(&pool.cond, &pool.lock, deadline);
        if (pool.pending_signals > 0) {
            /* Whoever signalled already took us off the idle count. */
            pool.pending_signals--;
        } else {
            pool.idle--;
            if (!signalled && g_queue_is_empty(&pool.queue)) {
                break;
            }
        }
    }
    pool.threads--;
    g_mutex_unlock(&pool.lock);
    return NULL;
}

/*
 * See thread-pool.h. Must run in a coroutine that has an AioContext
 * (entered in a thread with a current context). If no worker can be
 * created at all, @func runs in the calling thread instead.
 */
int coroutine_fn thread_pool_submit_co(ThreadPoolFunc *func, void *opaque)
{
    ThreadPoolRequest req = {
        .func = func,
        .opaque = opaque,
        .co = qemu_coroutine_self(),
    };
    bool spawn = false;
    AioContext *ctx;

    assert(req.co);
    ctx = qemu_coroutine_get_aio_context(req.co);
    assert(ctx);
    req.link.data = &req;
    pthread_once(&pool_atfork_once, pool_atfork_init);

    g_mutex_lock(&pool.lock);
    g_queue_push_tail_link(&pool.queue, &req.link);
    if (pool.idle > 0) {
        pool.idle--;
        pool.pending_signals++;
        g_cond_signal(&pool.cond);
    } else if (pool.threads < THREAD_POOL_MAX) {
        /* Every worker is busy: add one (this is the only place). */
        pool.threads++;
        spawn = true;
    }
    g_mutex_unlock(&pool.lock);

    if (spawn) {
        g_autoptr(GError) err = NULL;
        GThread *t = g_thread_try_new("worker", worker_thread, NULL, &err);

        if (t) {
            g_thread_unref(t);      /* detached: it exits on its own */
        } else {
            bool mine;

            g_mutex_lock(&pool.lock);
            pool.threads--;
            /* Nobody may pick it up: run it here unless a worker took it. */
            mine = g_queue_find(&pool.queue, &req) != NULL;
            if (mine) {
                g_queue_unlink(&pool.queue, &req.link);
            }
            g_mutex_unlock(&pool.lock);
            if (mine) {
                return func(opaque);
            }
        }
    }

    /* A worker may finish before we get here: its wake is scheduled in our
     * AioContext and only runs after this yield. */
    aio_context_offload_begin(ctx);
    qemu_coroutine_yield();
    aio_context_offload_end(ctx);
    return req.ret;
}
