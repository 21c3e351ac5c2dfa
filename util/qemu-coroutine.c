/*
 * Coroutines: creation, the per-thread pool of free coroutines, enter and
 * yield. Stack switching itself is in the backend (coroutine-ucontext.c).
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine_int.h"

#include <pthread.h>

/*
 * Free coroutines kept per thread, so that the steady state of a request
 * loop needs no mmap()/munmap(). The bound keeps idle memory in check
 * (each pooled stack keeps the pages it touched resident).
 */
#define COROUTINE_POOL_MAX 256

typedef struct CoroutinePool {
    Coroutine *head;        /* linked through pool_next */
    unsigned size;
} CoroutinePool;

/* Each thread's pool; only that thread touches it. Freed at thread exit
 * through pool_key's destructor. */
static __thread CoroutinePool *tls_pool;
static pthread_key_t pool_key;
static pthread_once_t pool_key_once = PTHREAD_ONCE_INIT;

static void pool_destroy(void *opaque)
{
    CoroutinePool *pool = opaque;

    while (pool->head) {
        Coroutine *co = pool->head;

        pool->head = co->pool_next;
        qemu_coroutine_delete(co);
    }
    g_free(pool);
}

static void pool_key_init(void)
{
    if (pthread_key_create(&pool_key, pool_destroy) != 0) {
        g_error("coroutine: cannot create the pool key");
    }
}

/* Not inlined: see the TLS note in coroutine-ucontext.c. */
static __attribute__((noinline)) CoroutinePool *get_pool(bool create)
{
    __asm__ __volatile__("" ::: "memory");
    if (!tls_pool && create) {
        pthread_once(&pool_key_once, pool_key_init);
        tls_pool = g_new0(CoroutinePool, 1);
        pthread_setspecific(pool_key, tls_pool);
    }
    return tls_pool;
}

/* See coroutine.h. */
Coroutine *qemu_coroutine_create(CoroutineEntry *entry, void *opaque)
{
    CoroutinePool *pool = get_pool(false);
    Coroutine *co;

    if (pool && pool->head) {
        co = pool->head;
        pool->head = co->pool_next;
        pool->size--;
    } else {
        co = qemu_coroutine_new();
    }
    co->entry = entry;
    co->entry_arg = opaque;
    co->caller = NULL;
    co->ctx = NULL;
    co->scheduled = NULL;
    co->co_scheduled_next = NULL;
    co->wakeup_head = co->wakeup_tail = co->wakeup_next = NULL;
    co->pool_next = NULL;
    return co;
}

static void coroutine_release(Coroutine *co)
{
    CoroutinePool *pool = get_pool(true);

    if (pool->size < COROUTINE_POOL_MAX) {
        co->pool_next = pool->head;
        pool->head = co;
        pool->size++;
    } else {
        qemu_coroutine_delete(co);
    }
}

static G_NORETURN void coroutine_bug(const char *what, const char *detail)
{
    fprintf(stderr, "Co-routine %s%s%s\n", what,
            detail ? " " : "", detail ? detail : "");
    fflush(stderr);
    abort();
}

/* See coroutine_int.h. */
void qemu_aio_coroutine_enter(AioContext *ctx, Coroutine *co)
{
    Coroutine *self = qemu_coroutine_self();
    Coroutine *from = self ? self : qemu_coroutine_leader();
    /* Coroutines to enter, in order: @co, then whatever they wake. */
    Coroutine *head = co;
    Coroutine *tail = co;
    bool first = true;

    co->wakeup_next = NULL;
    while (head) {
        Coroutine *to = head;
        const char *sched;
        CoroutineAction ret;

        head = to->wakeup_next;
        if (!head) {
            tail = NULL;
        }
        to->wakeup_next = NULL;

        if (to->caller || to == from) {
            coroutine_bug("re-entered recursively", NULL);
        }
        sched = qatomic_read(&to->scheduled);
        if (sched && !first) {
            /* Queued by aio_co_enter() inside a coroutine: now it runs. */
            qatomic_set(&to->scheduled, NULL);
        } else if (sched) {
            coroutine_bug("was already scheduled in", sched);
        }

        first = false;
        to->caller = from;
        qatomic_set(&to->ctx, ctx);
        ret = qemu_coroutine_switch(from, to, COROUTINE_ENTER);

        if (to->wakeup_head) {
            if (tail) {
                tail->wakeup_next = to->wakeup_head;
            } else {
                head = to->wakeup_head;
            }
            tail = to->wakeup_tail;
            to->wakeup_head = to->wakeup_tail = NULL;
        }
        if (ret == COROUTINE_TERMINATE) {
            coroutine_release(to);
        }
    }
}

/*
 * Queue @co to be entered right after the current coroutine yields or
 * terminates (used by aio_co_enter() from inside a coroutine of the same
 * context). Aborts if @co is already queued or scheduled.
 */
void qemu_coroutine_queue_wakeup(Coroutine *co)
{
    Coroutine *self = qemu_coroutine_self();
    const char *old;

    assert(self);
    old = qatomic_cmpxchg(&co->scheduled, NULL, "aio_co_enter");
    if (old) {
        coroutine_bug("was already scheduled in", old);
    }
    co->wakeup_next = NULL;
    if (self->wakeup_tail) {
        self->wakeup_tail->wakeup_next = co;
    } else {
        self->wakeup_head = co;
    }
    self->wakeup_tail = co;
}

/* See coroutine.h. A coroutine entered for the first time adopts the
 * calling thread's current AioContext. */
void qemu_coroutine_enter(Coroutine *co)
{
    AioContext *ctx = qatomic_read(&co->ctx);

    if (!ctx) {
        ctx = qemu_get_current_aio_context();
    }
    qemu_aio_coroutine_enter(ctx, co);
}

/* See coroutine.h. */
void qemu_coroutine_enter_if_inactive(Coroutine *co)
{
    if (!qemu_coroutine_entered(co)) {
        qemu_coroutine_enter(co);
    }
}

/* See coroutine.h. */
void coroutine_fn qemu_coroutine_yield(void)
{
    Coroutine *self = qemu_coroutine_self();
    Coroutine *to;

    if (!self) {
        coroutine_bug("yield called outside coroutine context", NULL);
    }
    to = self->caller;
    if (!to) {
        coroutine_bug("is yielding to no one", NULL);
    }
    self->caller = NULL;
    qemu_coroutine_switch(self, to, COROUTINE_YIELD);
}

/* See coroutine.h. */
bool qemu_coroutine_entered(Coroutine *co)
{
    return co->caller != NULL;
}

/* See coroutine.h. NULL if @co has never been entered. */
AioContext *qemu_coroutine_get_aio_context(Coroutine *co)
{
    return qatomic_read(&co->ctx);
}
