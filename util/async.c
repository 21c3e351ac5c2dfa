/*
 * Bottom halves, the main loop's AioContext, the per-thread current
 * context, and waking coroutines in their own context.
 */
#include "qemu/osdep.h"
#include "qemu/aio_int.h"
#include "qemu/error.h"
#include "block/aio-wait.h"

/*
 * The main loop's context and its aio_wait_kick() BH. Written once by
 * qemu_init_main_loop() before any other thread exists; read-only after.
 */
static AioContext *main_ctx;
static QEMUBH *wait_kick_bh;

/* The context the calling thread polls (set by aio_context_set_thread()
 * and qemu_init_main_loop()); NULL in other threads. */
static __thread AioContext *tls_ctx;
/* Only its address matters: it identifies the calling thread. */
static __thread char tls_thread_tag;

/*
 * TLS accessors are not inlined: a coroutine may resume in another thread
 * and the compiler may otherwise reuse a thread-local address computed
 * before the switch.
 */
static __attribute__((noinline)) AioContext *get_tls_ctx(void)
{
    __asm__ __volatile__("" ::: "memory");
    return tls_ctx;
}

/* See aio_int.h. */
__attribute__((noinline)) const void *aio_thread_tag(void)
{
    __asm__ __volatile__("" ::: "memory");
    return &tls_thread_tag;
}

/* --- bottom halves --- */

/* See aio.h. The BH is not scheduled; free it with qemu_bh_delete(). */
QEMUBH *aio_bh_new(AioContext *ctx, QEMUBHFunc *cb, void *opaque)
{
    QEMUBH *bh = g_new0(QEMUBH, 1);

    bh->ctx = ctx;
    bh->cb = cb;
    bh->opaque = opaque;
    bh->link.data = bh;
    return bh;
}

/* See aio.h. Scheduling an already scheduled BH does nothing more: it
 * runs once. */
void qemu_bh_schedule(QEMUBH *bh)
{
    AioContext *ctx = bh->ctx;

    g_mutex_lock(&ctx->lock);
    if (!bh->scheduled) {
        bh->scheduled = true;
        g_queue_push_tail_link(&ctx->bh_queue, &bh->link);
    }
    g_mutex_unlock(&ctx->lock);
    aio_notify(ctx);
}

/* See aio.h. A run that already started is not affected. */
void qemu_bh_cancel(QEMUBH *bh)
{
    AioContext *ctx = bh->ctx;

    g_mutex_lock(&ctx->lock);
    if (bh->scheduled) {
        g_queue_unlink(&ctx->bh_queue, &bh->link);
        bh->scheduled = false;
    }
    g_mutex_unlock(&ctx->lock);
}

/* See aio.h. Safe from inside the BH's own callback. NULL is ignored. */
void qemu_bh_delete(QEMUBH *bh)
{
    if (bh) {
        qemu_bh_cancel(bh);
        g_free(bh);
    }
}

/* See aio.h. */
void aio_bh_schedule_oneshot(AioContext *ctx, QEMUBHFunc *cb, void *opaque)
{
    QEMUBH *bh = aio_bh_new(ctx, cb, opaque);

    bh->oneshot = true;
    qemu_bh_schedule(bh);
}

/* See aio_int.h. */
bool aio_bh_pending(AioContext *ctx)
{
    bool pending;

    g_mutex_lock(&ctx->lock);
    pending = !g_queue_is_empty(&ctx->bh_queue);
    g_mutex_unlock(&ctx->lock);
    return pending;
}

/*
 * Run the BHs that were scheduled on entry, in order. They are popped one
 * at a time so that a nested aio_poll() in a callback runs the remaining
 * ones, and a BH that reschedules itself waits for the next call.
 */
bool aio_bh_poll(AioContext *ctx)
{
    guint n;
    bool progress = false;

    g_mutex_lock(&ctx->lock);
    n = ctx->bh_queue.length;
    g_mutex_unlock(&ctx->lock);

    while (n-- > 0) {
        QEMUBH *bh;
        QEMUBHFunc *cb;
        void *opaque;
        bool oneshot;
        GList *link;

        g_mutex_lock(&ctx->lock);
        link = g_queue_pop_head_link(&ctx->bh_queue);
        if (!link) {
            g_mutex_unlock(&ctx->lock);
            break;
        }
        bh = link->data;
        bh->scheduled = false;
        cb = bh->cb;
        opaque = bh->opaque;
        oneshot = bh->oneshot;
        g_mutex_unlock(&ctx->lock);

        /* A non-oneshot @bh may be deleted by the callback. */
        cb(opaque);
        if (oneshot) {
            g_free(bh);
        }
        progress = true;
    }
    return progress;
}

/* --- coroutine scheduling --- */

static void co_schedule_bh_cb(void *opaque)
{
    AioContext *ctx = opaque;
    Coroutine *co;

    g_mutex_lock(&ctx->lock);
    co = ctx->co_sched_head;
    ctx->co_sched_head = ctx->co_sched_tail = NULL;
    g_mutex_unlock(&ctx->lock);

    while (co) {
        Coroutine *next = co->co_scheduled_next;

        co->co_scheduled_next = NULL;
        qatomic_set(&co->scheduled, NULL);
        qemu_aio_coroutine_enter(ctx, co);
        co = next;
    }
}

/* See aio_int.h. */
void aio_context_async_init(AioContext *ctx)
{
    ctx->co_schedule_bh = aio_bh_new(ctx, co_schedule_bh_cb, ctx);
}

/* --- per-context data --- */

typedef struct AioContextLocal {
    const void *key;
    void *value;
    GDestroyNotify destroy;
} AioContextLocal;

/* See aio.h. */
void *aio_context_get_local(AioContext *ctx, const void *key)
{
    void *value = NULL;

    g_mutex_lock(&ctx->lock);
    for (GSList *l = ctx->locals; l; l = l->next) {
        AioContextLocal *loc = l->data;
        if (loc->key == key) {
            value = loc->value;
            break;
        }
    }
    g_mutex_unlock(&ctx->lock);
    return value;
}

/* See aio.h. The old value is destroyed outside the lock. */
void aio_context_set_local(AioContext *ctx, const void *key, void *value,
                           GDestroyNotify destroy)
{
    AioContextLocal *loc = NULL;
    AioContextLocal old = { 0 };

    g_mutex_lock(&ctx->lock);
    for (GSList *l = ctx->locals; l; l = l->next) {
        if (((AioContextLocal *)l->data)->key == key) {
            loc = l->data;
            old = *loc;
            break;
        }
    }
    if (!loc) {
        loc = g_new0(AioContextLocal, 1);
        loc->key = key;
        ctx->locals = g_slist_prepend(ctx->locals, loc);
    }
    loc->value = value;
    loc->destroy = destroy;
    g_mutex_unlock(&ctx->lock);
    if (old.destroy && old.value && old.value != value) {
        old.destroy(old.value);
    }
}

/* --- AIO engine parameters --- */

/* See aio.h. */
void aio_context_set_aio_params(AioContext *ctx, int64_t max_batch)
{
    qatomic_set(&ctx->aio_max_batch,
                MIN(MAX(max_batch, 0), AIO_MAX_BATCH_LIMIT));
}

/* See aio.h. */
int64_t aio_context_get_aio_max_batch(AioContext *ctx)
{
    return qatomic_read(&ctx->aio_max_batch);
}

/* See aio_int.h. Called when the last reference goes: destroys the
 * per-context data, frees the BHs the context owns (its own and unrun
 * oneshots); user BHs are only unlinked. */
void aio_context_async_cleanup(AioContext *ctx)
{
    GList *link;

    /* Destructors may remove fd handlers and delete BHs: run them while
     * everything else still works. */
    while (ctx->locals) {
        AioContextLocal *loc = ctx->locals->data;

        ctx->locals = g_slist_delete_link(ctx->locals, ctx->locals);
        if (loc->destroy && loc->value) {
            loc->destroy(loc->value);
        }
        g_free(loc);
    }

    qemu_bh_delete(ctx->co_schedule_bh);
    ctx->co_schedule_bh = NULL;
    while ((link = g_queue_pop_head_link(&ctx->bh_queue))) {
        QEMUBH *bh = link->data;

        bh->scheduled = false;
        if (bh->oneshot) {
            g_free(bh);
        }
    }
}

/*
 * See aio.h. @co is entered by @ctx's BH, i.e. in @ctx's thread and only
 * after the thread finished whatever it is doing now -- in particular
 * after @co, if it is running there, has yielded. @ctx must stay alive
 * until then. Aborts if @co is already scheduled.
 */
void aio_co_schedule(AioContext *ctx, Coroutine *co)
{
    const char *old = qatomic_cmpxchg(&co->scheduled, NULL, __func__);

    if (old) {
        fprintf(stderr, "%s: Co-routine was already scheduled in '%s'\n",
                __func__, old);
        abort();
    }
    g_mutex_lock(&ctx->lock);
    if (ctx->co_sched_tail) {
        ctx->co_sched_tail->co_scheduled_next = co;
    } else {
        ctx->co_sched_head = co;
    }
    ctx->co_sched_tail = co;
    g_mutex_unlock(&ctx->lock);
    qemu_bh_schedule(ctx->co_schedule_bh);
}

typedef struct RescheduleSelf {
    Coroutine *co;
    AioContext *new_ctx;
} RescheduleSelf;

static void reschedule_self_bh(void *opaque)
{
    RescheduleSelf *r = opaque;

    aio_co_schedule(r->new_ctx, r->co);
}

/*
 * See aio.h. Scheduling ourselves in @new_ctx directly would race: its
 * thread could enter us before we yielded here. A BH of our own context
 * runs in our thread, so only after the yield.
 */
void coroutine_fn aio_co_reschedule_self(AioContext *new_ctx)
{
    RescheduleSelf r = { .co = qemu_coroutine_self(), .new_ctx = new_ctx };
    AioContext *old_ctx = qemu_coroutine_get_aio_context(r.co);

    if (old_ctx == new_ctx) {
        return;
    }
    aio_bh_schedule_oneshot(old_ctx, reschedule_self_bh, &r);
    qemu_coroutine_yield();
}

/* See aio.h. */
void aio_co_enter(AioContext *ctx, Coroutine *co)
{
    Coroutine *self;

    if (!aio_context_in_thread(ctx)) {
        aio_co_schedule(ctx, co);
        return;
    }
    self = qemu_coroutine_self();
    if (self) {
        if (qemu_coroutine_get_aio_context(self) == ctx) {
            /* Runs as soon as the current coroutine yields. */
            qemu_coroutine_queue_wakeup(co);
        } else {
            aio_co_schedule(ctx, co);
        }
        return;
    }
    qemu_aio_coroutine_enter(ctx, co);
}

/* See aio.h. A coroutine that was never entered is entered in the
 * calling thread's current context. */
void aio_co_wake(Coroutine *co)
{
    AioContext *ctx = qemu_coroutine_get_aio_context(co);

    if (!ctx) {
        ctx = qemu_get_current_aio_context();
    }
    assert(ctx);
    aio_co_enter(ctx, co);
}

/* --- main loop and thread association --- */

static void wait_kick_cb(void *opaque)
{
    /* Nothing to do: running made aio_poll() return to AIO_WAIT_WHILE. */
}

/* See aio.h. A second call is a no-op returning true. */
bool qemu_init_main_loop(Error **errp)
{
    AioContext *ctx;

    if (main_ctx) {
        return true;
    }
    ctx = aio_context_new(errp);
    if (!ctx) {
        return false;
    }
    aio_context_set_thread(ctx);
    /*
     * Unlike QEMU's, our main loop polls too (only handlers that have an
     * io_poll callback, i.e. io-uring FUSE exports): with the IOThread
     * default, a qd1 request is picked up without a sleep and wake-up.
     */
    aio_context_set_poll_params(ctx, AIO_POLL_MAX_NS_DEFAULT, 0, 0);
    wait_kick_bh = aio_bh_new(ctx, wait_kick_cb, NULL);
    main_ctx = ctx;
    return true;
}

/* See aio.h. NULL before qemu_init_main_loop(). */
AioContext *qemu_get_aio_context(void)
{
    return main_ctx;
}

/* See aio.h. */
AioContext *qemu_get_current_aio_context(void)
{
    AioContext *ctx = get_tls_ctx();

    return ctx ? ctx : main_ctx;
}

/* See aio.h. */
bool qemu_in_main_thread(void)
{
    return main_ctx && get_tls_ctx() == main_ctx;
}

/* See aio.h. With NULL, the calling thread gives up its context (an
 * IOThread does so before exiting). */
void aio_context_set_thread(AioContext *ctx)
{
    AioContext *old = get_tls_ctx();

    if (old && old != ctx) {
        qatomic_cmpxchg(&old->owner, aio_thread_tag(), NULL);
    }
    tls_ctx = ctx;
    if (ctx) {
        qatomic_set(&ctx->owner, aio_thread_tag());
    }
}

/* See aio.h. */
bool aio_context_in_thread(AioContext *ctx)
{
    return qatomic_read(&ctx->owner) == aio_thread_tag();
}

/* See aio-wait.h. */
void aio_wait_kick(void)
{
    if (wait_kick_bh) {
        qemu_bh_schedule(wait_kick_bh);
    }
}
