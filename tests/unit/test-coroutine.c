/*
 * Unit tests for coroutines: enter/yield, nesting, the pool, many
 * coroutines at once, CoMutex, CoQueue and sleeping.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"
#include "qemu/iothread.h"
#include "block/aio-wait.h"

/* Check that a coroutine sees itself as current and the caller does not. */
static void coroutine_fn self_entry(void *opaque)
{
    Coroutine **seen = opaque;

    g_assert_true(qemu_in_coroutine());
    g_assert_true(qemu_coroutine_entered(qemu_coroutine_self()));
    *seen = qemu_coroutine_self();
}

static void test_self(void)
{
    Coroutine *seen = NULL;
    Coroutine *co = qemu_coroutine_create(self_entry, &seen);

    g_assert_false(qemu_in_coroutine());
    g_assert_null(qemu_coroutine_self());
    qemu_coroutine_enter(co);
    g_assert_true(seen == co);
    g_assert_false(qemu_in_coroutine());
}

/* Check that yield returns to the caller and enter resumes after the yield. */
static void coroutine_fn yield_entry(void *opaque)
{
    int *progress = opaque;

    for (int i = 0; i < 5; i++) {
        (*progress)++;
        qemu_coroutine_yield();
    }
    *progress = 100;
}

static void test_yield(void)
{
    int progress = 0;
    Coroutine *co = qemu_coroutine_create(yield_entry, &progress);

    for (int i = 1; i <= 5; i++) {
        qemu_coroutine_enter(co);
        g_assert_cmpint(progress, ==, i);
        g_assert_false(qemu_coroutine_entered(co));
    }
    qemu_coroutine_enter(co);
    g_assert_cmpint(progress, ==, 100);
}

/* Check that local variables survive yields (each coroutine has its own
 * stack) while two coroutines interleave:
 *   main       co A          co B
 *   enter A -> a=1, yield
 *   enter B ->               b=2, yield
 *   enter A -> a==1, a=3
 *   enter B ->               b==2, b=4
 */
static void coroutine_fn local_entry(void *opaque)
{
    int *out = opaque;
    int local = *out;

    qemu_coroutine_yield();
    g_assert_cmpint(local, ==, *out);
    *out = local + 2;
}

static void test_stacks_independent(void)
{
    int a = 1, b = 2;
    Coroutine *ca = qemu_coroutine_create(local_entry, &a);
    Coroutine *cb = qemu_coroutine_create(local_entry, &b);

    qemu_coroutine_enter(ca);
    qemu_coroutine_enter(cb);
    qemu_coroutine_enter(ca);
    qemu_coroutine_enter(cb);
    g_assert_cmpint(a, ==, 3);
    g_assert_cmpint(b, ==, 4);
}

/* Check that coroutines can enter coroutines 128 deep and all return. */
typedef struct NestData {
    int depth;
    int max;
    int finished;
} NestData;

static void coroutine_fn nest_entry(void *opaque)
{
    NestData *nd = opaque;

    if (++nd->depth < nd->max) {
        qemu_coroutine_enter(qemu_coroutine_create(nest_entry, nd));
    }
    g_assert_cmpint(nd->depth, ==, nd->max);
    nd->finished++;
}

static void test_nesting(void)
{
    NestData nd = { .max = 128 };

    qemu_coroutine_enter(qemu_coroutine_create(nest_entry, &nd));
    g_assert_cmpint(nd.finished, ==, 128);
}

/* Check that a nested coroutine's yield returns to the coroutine that
 * entered it, not to the thread. */
static void coroutine_fn inner_entry(void *opaque)
{
    int *steps = opaque;

    (*steps)++;
    qemu_coroutine_yield();
    (*steps)++;
}

static void coroutine_fn outer_entry(void *opaque)
{
    int *steps = opaque;
    Coroutine *inner = qemu_coroutine_create(inner_entry, steps);

    qemu_coroutine_enter(inner);
    g_assert_cmpint(*steps, ==, 1);
    qemu_coroutine_enter(inner);
    g_assert_cmpint(*steps, ==, 2);
    *steps = 10;
}

static void test_nesting_yield(void)
{
    int steps = 0;

    qemu_coroutine_enter(qemu_coroutine_create(outer_entry, &steps));
    g_assert_cmpint(steps, ==, 10);
}

/* Check that a finished coroutine is recycled by the next create. */
static void coroutine_fn noop_entry(void *opaque)
{
}

static void test_pool_reuse(void)
{
    Coroutine *first = qemu_coroutine_create(noop_entry, NULL);
    Coroutine *second;
    int progress = 0;

    qemu_coroutine_enter(first);
    second = qemu_coroutine_create(yield_entry, &progress);
    g_assert_true(first == second);
    /* The recycled coroutine runs its new entry from the start. */
    qemu_coroutine_enter(second);
    g_assert_cmpint(progress, ==, 1);
    while (progress != 100) {
        qemu_coroutine_enter(second);
    }
}

/* Check that 10000 coroutines can be suspended at the same time and all
 * resume with their own state. */
#define MANY 10000

static void coroutine_fn many_entry(void *opaque)
{
    int *slot = opaque;
    int mine = *slot;

    qemu_coroutine_yield();
    *slot = mine * 2;
}

static void test_many_concurrent(void)
{
    g_autofree Coroutine **cos = g_new(Coroutine *, MANY);
    g_autofree int *slots = g_new(int, MANY);

    for (int i = 0; i < MANY; i++) {
        slots[i] = i;
        cos[i] = qemu_coroutine_create(many_entry, &slots[i]);
        qemu_coroutine_enter(cos[i]);
    }
    for (int i = MANY - 1; i >= 0; i--) {
        qemu_coroutine_enter(cos[i]);
    }
    for (int i = 0; i < MANY; i++) {
        g_assert_cmpint(slots[i], ==, 2 * i);
    }
}

/* Check that entering a running coroutine aborts with a message. */
static void coroutine_fn reenter_entry(void *opaque)
{
    qemu_coroutine_enter(qemu_coroutine_self());
}

static void test_reenter_aborts(void)
{
    if (g_test_subprocess()) {
        qemu_coroutine_enter(qemu_coroutine_create(reenter_entry, NULL));
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*re-entered recursively*");
}

/* Check that overflowing a coroutine stack faults (guard page) instead
 * of running into other memory. */
static int __attribute__((noinline)) recurse(volatile char *prev, int n)
{
    volatile char buf[4096];

    buf[0] = (char)n;
    buf[4095] = prev ? prev[0] : 0;
    return n ? recurse(buf, n - 1) + buf[4095] : buf[0];
}

static void coroutine_fn overflow_entry(void *opaque)
{
    recurse(NULL, 100000);
}

static void test_stack_guard(void)
{
    if (g_test_subprocess()) {
        qemu_coroutine_enter(qemu_coroutine_create(overflow_entry, NULL));
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
}

/*
 * Check that CoMutex serialises coroutines that yield while holding it,
 * and hands it over in FIFO order:
 *   co0: lock, yield ... co1..co4: lock (wait) ... co0: unlock -> co1 ...
 */
typedef struct MutexData {
    CoMutex mutex;
    int inside;             /* coroutines between lock and unlock */
    int done;
    GString *order;
} MutexData;

typedef struct MutexArg {
    MutexData *md;
    char name;
} MutexArg;

static void coroutine_fn mutex_entry(void *opaque)
{
    MutexArg *arg = opaque;
    MutexData *md = arg->md;

    qemu_co_mutex_lock(&md->mutex);
    g_assert_cmpint(md->inside, ==, 0);
    md->inside++;
    g_string_append_c(md->order, arg->name);
    /* Let the others run (and queue up) while we hold the mutex. */
    aio_co_schedule(qemu_get_aio_context(), qemu_coroutine_self());
    qemu_coroutine_yield();
    md->inside--;
    qemu_co_mutex_unlock(&md->mutex);
    md->done++;
}

static void test_comutex(void)
{
    MutexData md = { .order = g_string_new(NULL) };
    MutexArg args[5];

    qemu_co_mutex_init(&md.mutex);
    for (int i = 0; i < 5; i++) {
        args[i] = (MutexArg) { .md = &md, .name = 'a' + i };
        qemu_coroutine_enter(qemu_coroutine_create(mutex_entry, &args[i]));
    }
    AIO_WAIT_WHILE(md.done < 5);
    g_assert_cmpstr(md.order->str, ==, "abcde");
    qemu_co_mutex_destroy(&md.mutex);
    g_string_free(md.order, TRUE);
}

/*
 * Check that CoMutex protects a counter incremented by coroutines in the
 * main loop and in an IOThread at the same time.
 */
typedef struct XMutex {
    CoMutex mutex;
    int counter;            /* under mutex */
    int finished;           /* atomic */
} XMutex;

#define XMUTEX_ROUNDS 2000

static void coroutine_fn xmutex_entry(void *opaque)
{
    XMutex *xm = opaque;

    for (int i = 0; i < XMUTEX_ROUNDS; i++) {
        qemu_co_mutex_lock(&xm->mutex);
        int v = xm->counter;
        if (i % 8 == 0) {
            /* Yield with the mutex held: the other side must wait. */
            aio_co_schedule(qemu_coroutine_get_aio_context(qemu_coroutine_self()),
                            qemu_coroutine_self());
            qemu_coroutine_yield();
        }
        xm->counter = v + 1;
        qemu_co_mutex_unlock(&xm->mutex);
    }
    qatomic_inc(&xm->finished);
    aio_wait_kick();
}

static void start_xmutex_bh(void *opaque)
{
    qemu_coroutine_enter(qemu_coroutine_create(xmutex_entry, opaque));
}

static void test_comutex_threads(void)
{
    XMutex xm = { 0 };
    IOThread *io = iothread_create("comutex-io", &error_abort);

    qemu_co_mutex_init(&xm.mutex);
    for (int i = 0; i < 2; i++) {
        aio_bh_schedule_oneshot(iothread_get_aio_context(io), start_xmutex_bh, &xm);
        qemu_coroutine_enter(qemu_coroutine_create(xmutex_entry, &xm));
    }
    AIO_WAIT_WHILE(qatomic_read(&xm.finished) < 4);
    iothread_destroy(io);
    g_assert_cmpint(xm.counter, ==, 4 * XMUTEX_ROUNDS);
    qemu_co_mutex_destroy(&xm.mutex);
}

/*
 * Check that a coroutine can move itself between the main loop and an
 * IOThread (aio_co_reschedule_self) many times, and runs in the right
 * thread after each move. Scheduling itself into the other context and
 * then yielding raced: the IOThread could enter the coroutine before it
 * had yielded ("re-entered recursively", seen with block_resize).
 */
typedef struct Hop {
    AioContext *io_ctx;
    int wrong_thread;
    bool done;
} Hop;

#define HOPS 2000

static void coroutine_fn hop_entry(void *opaque)
{
    Hop *h = opaque;

    for (int i = 0; i < HOPS; i++) {
        aio_co_reschedule_self(h->io_ctx);
        h->wrong_thread += !aio_context_in_thread(h->io_ctx);
        aio_co_reschedule_self(qemu_get_aio_context());
        h->wrong_thread += !qemu_in_main_thread();
    }
    h->done = true;
    aio_wait_kick();
}

static void test_reschedule_self(void)
{
    IOThread *io = iothread_create("hop-io", &error_abort);
    Hop h = { .io_ctx = iothread_get_aio_context(io) };

    qemu_coroutine_enter(qemu_coroutine_create(hop_entry, &h));
    AIO_WAIT_WHILE(!h.done);
    iothread_destroy(io);
    g_assert_cmpint(h.wrong_thread, ==, 0);
}

/* Check that CoQueue wakes waiters one at a time in FIFO order, then all. */
typedef struct QueueData {
    CoQueue queue;
    GString *woken;
} QueueData;

typedef struct QueueArg {
    QueueData *qd;
    char name;
} QueueArg;

static void coroutine_fn queue_entry(void *opaque)
{
    QueueArg *arg = opaque;

    qemu_co_queue_wait(&arg->qd->queue, NULL);
    g_string_append_c(arg->qd->woken, arg->name);
}

static void test_coqueue(void)
{
    QueueData qd = { .woken = g_string_new(NULL) };
    QueueArg args[4];

    qemu_co_queue_init(&qd.queue);
    g_assert_true(qemu_co_queue_empty(&qd.queue));
    g_assert_false(qemu_co_queue_next(&qd.queue));
    for (int i = 0; i < 4; i++) {
        args[i] = (QueueArg) { .qd = &qd, .name = 'a' + i };
        qemu_coroutine_enter(qemu_coroutine_create(queue_entry, &args[i]));
    }
    g_assert_false(qemu_co_queue_empty(&qd.queue));
    g_assert_cmpstr(qd.woken->str, ==, "");

    g_assert_true(qemu_co_queue_next(&qd.queue));
    g_assert_cmpstr(qd.woken->str, ==, "a");
    qemu_co_queue_restart_all(&qd.queue);
    g_assert_cmpstr(qd.woken->str, ==, "abcd");
    g_assert_true(qemu_co_queue_empty(&qd.queue));
    qemu_co_queue_destroy(&qd.queue);
    g_string_free(qd.woken, TRUE);
}

/* Check that qemu_co_queue_wait() drops the CoMutex while waiting and
 * holds it again when it returns. */
typedef struct CondData {
    CoMutex mutex;
    CoQueue queue;
    bool ready;             /* under mutex */
    bool consumer_done;
} CondData;

static void coroutine_fn consumer_entry(void *opaque)
{
    CondData *cd = opaque;

    qemu_co_mutex_lock(&cd->mutex);
    while (!cd->ready) {
        qemu_co_queue_wait(&cd->queue, &cd->mutex);
    }
    g_assert_true(cd->mutex.locked && cd->mutex.holder == qemu_coroutine_self());
    qemu_co_mutex_unlock(&cd->mutex);
    cd->consumer_done = true;
}

static void coroutine_fn producer_entry(void *opaque)
{
    CondData *cd = opaque;

    /* Would wait forever if the consumer still held the mutex. */
    qemu_co_mutex_lock(&cd->mutex);
    cd->ready = true;
    qemu_co_queue_next(&cd->queue);
    qemu_co_mutex_unlock(&cd->mutex);
}

static void test_coqueue_mutex(void)
{
    CondData cd = { 0 };

    qemu_co_mutex_init(&cd.mutex);
    qemu_co_queue_init(&cd.queue);
    qemu_coroutine_enter(qemu_coroutine_create(consumer_entry, &cd));
    g_assert_false(cd.consumer_done);
    qemu_coroutine_enter(qemu_coroutine_create(producer_entry, &cd));
    AIO_WAIT_WHILE(!cd.consumer_done);
    g_assert_false(cd.mutex.locked);
}

/* Check that qemu_co_sleep_ns() waits at least the requested time, and
 * that shorter sleeps finish first. */
typedef struct SleepArg {
    int64_t ns;
    int64_t woke_at;
    GString *order;
    char name;
} SleepArg;

static void coroutine_fn sleep_entry(void *opaque)
{
    SleepArg *arg = opaque;

    qemu_co_sleep_ns(arg->ns);
    arg->woke_at = get_clock_ns();
    g_string_append_c(arg->order, arg->name);
}

static void test_sleep(void)
{
    g_autoptr(GString) order = g_string_new(NULL);
    SleepArg args[3] = {
        { .ns = 30 * 1000000, .order = order, .name = 'c' },
        { .ns = 10 * 1000000, .order = order, .name = 'a' },
        { .ns = 20 * 1000000, .order = order, .name = 'b' },
    };
    int64_t start = get_clock_ns();

    for (int i = 0; i < 3; i++) {
        qemu_coroutine_enter(qemu_coroutine_create(sleep_entry, &args[i]));
    }
    g_assert_cmpstr(order->str, ==, "");
    AIO_WAIT_WHILE(order->len < 3);
    g_assert_cmpstr(order->str, ==, "abc");
    for (int i = 0; i < 3; i++) {
        g_assert_cmpint(args[i].woke_at - start, >=, args[i].ns);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);

    g_test_add_func("/coroutine/self", test_self);
    g_test_add_func("/coroutine/yield", test_yield);
    g_test_add_func("/coroutine/stacks-independent", test_stacks_independent);
    g_test_add_func("/coroutine/nesting", test_nesting);
    g_test_add_func("/coroutine/nesting-yield", test_nesting_yield);
    g_test_add_func("/coroutine/pool-reuse", test_pool_reuse);
    g_test_add_func("/coroutine/many-concurrent", test_many_concurrent);
    g_test_add_func("/coroutine/reenter-aborts", test_reenter_aborts);
    g_test_add_func("/coroutine/stack-guard", test_stack_guard);
    g_test_add_func("/coroutine/comutex", test_comutex);
    g_test_add_func("/coroutine/comutex-threads", test_comutex_threads);
    g_test_add_func("/coroutine/reschedule-self", test_reschedule_self);
    g_test_add_func("/coroutine/coqueue", test_coqueue);
    g_test_add_func("/coroutine/coqueue-mutex", test_coqueue_mutex);
    g_test_add_func("/coroutine/sleep", test_sleep);
    return g_test_run();
}
