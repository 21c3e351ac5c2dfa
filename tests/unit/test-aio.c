/*
 * Unit tests for AioContext: bottom halves, fd handlers, timers, the
 * GSource, notification, coroutine wake-ups across threads, IOThreads.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/error.h"
#include "qemu/iothread.h"
#include "block/aio-wait.h"

#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>

static AioContext *main_ctx(void)
{
    return qemu_get_aio_context();
}

/* Poll without blocking until nothing happens any more. */
static void drain_ctx(AioContext *ctx)
{
    while (aio_poll(ctx, false)) {
        /* keep going */
    }
}

static void count_cb(void *opaque)
{
    int *n = opaque;

    (*n)++;
}

/* Check that a BH runs at the next poll, once even if scheduled twice,
 * and not again unless rescheduled. */
static void test_bh_schedule(void)
{
    int n = 0;
    QEMUBH *bh = aio_bh_new(main_ctx(), count_cb, &n);

    qemu_bh_schedule(bh);
    qemu_bh_schedule(bh);
    g_assert_cmpint(n, ==, 0);
    g_assert_true(aio_poll(main_ctx(), false));
    g_assert_cmpint(n, ==, 1);
    g_assert_false(aio_poll(main_ctx(), false));
    g_assert_cmpint(n, ==, 1);
    qemu_bh_schedule(bh);
    g_assert_true(aio_poll(main_ctx(), true));
    g_assert_cmpint(n, ==, 2);
    qemu_bh_delete(bh);
}

/* Check that a cancelled or deleted BH does not run. */
static void test_bh_cancel(void)
{
    int n = 0;
    QEMUBH *bh = aio_bh_new(main_ctx(), count_cb, &n);

    qemu_bh_schedule(bh);
    qemu_bh_cancel(bh);
    g_assert_false(aio_poll(main_ctx(), false));
    qemu_bh_schedule(bh);
    qemu_bh_delete(bh);
    g_assert_false(aio_poll(main_ctx(), false));
    g_assert_cmpint(n, ==, 0);
}

/* Check that BHs run in the order they were scheduled, including one-shot
 * BHs, and that a BH may delete itself. */
typedef struct OrderData {
    GString *s;
    QEMUBH *self_deleting;
} OrderData;

static void order_a(void *opaque) { g_string_append_c(((OrderData *)opaque)->s, 'a'); }
static void order_b(void *opaque) { g_string_append_c(((OrderData *)opaque)->s, 'b'); }
static void order_c(void *opaque)
{
    OrderData *od = opaque;

    g_string_append_c(od->s, 'c');
    qemu_bh_delete(od->self_deleting);
}

static void test_bh_order(void)
{
    OrderData od = { .s = g_string_new(NULL) };

    od.self_deleting = aio_bh_new(main_ctx(), order_c, &od);
    aio_bh_schedule_oneshot(main_ctx(), order_b, &od);
    qemu_bh_schedule(od.self_deleting);
    aio_bh_schedule_oneshot(main_ctx(), order_a, &od);
    drain_ctx(main_ctx());
    g_assert_cmpstr(od.s->str, ==, "bca");
    g_string_free(od.s, TRUE);
}

/* Check that one-shot BHs scheduled from 4 threads all run exactly once
 * in the polling thread, which sleeps in aio_poll() meanwhile. */
#define BH_THREADS 4
#define BH_PER_THREAD 500

typedef struct ThreadBH {
    int ran;                /* only touched in the main thread */
    GThread *main_thread;
    bool wrong_thread;
} ThreadBH;

static void thread_bh_cb(void *opaque)
{
    ThreadBH *tb = opaque;

    tb->ran++;
    if (g_thread_self() != tb->main_thread) {
        tb->wrong_thread = true;
    }
}

static gpointer bh_thread(gpointer opaque)
{
    for (int i = 0; i < BH_PER_THREAD; i++) {
        aio_bh_schedule_oneshot(qemu_get_aio_context(), thread_bh_cb, opaque);
        if (i % 64 == 0) {
            g_usleep(100);
        }
    }
    return NULL;
}

static void test_bh_from_threads(void)
{
    ThreadBH tb = { .main_thread = g_thread_self() };
    GThread *threads[BH_THREADS];

    for (int i = 0; i < BH_THREADS; i++) {
        threads[i] = g_thread_new("bh", bh_thread, &tb);
    }
    while (tb.ran < BH_THREADS * BH_PER_THREAD) {
        aio_poll(main_ctx(), true);
    }
    for (int i = 0; i < BH_THREADS; i++) {
        g_thread_join(threads[i]);
    }
    drain_ctx(main_ctx());
    g_assert_cmpint(tb.ran, ==, BH_THREADS * BH_PER_THREAD);
    g_assert_false(tb.wrong_thread);
}

/* Check that aio_notify() from another thread wakes a blocking aio_poll(). */
static gpointer notify_thread(gpointer opaque)
{
    g_usleep(20 * 1000);
    aio_notify(opaque);
    return NULL;
}

static void test_notify(void)
{
    GThread *t = g_thread_new("notify", notify_thread, main_ctx());

    /* Returns (without progress) once woken; would hang otherwise. */
    g_assert_false(aio_poll(main_ctx(), true));
    g_thread_join(t);
}

/* Check that a read handler runs when a pipe becomes readable, and never
 * after it was removed. */
typedef struct PipeData {
    int fds[2];
    int reads;
    char last;
} PipeData;

static void pipe_read_cb(void *opaque)
{
    PipeData *pd = opaque;

    g_assert_cmpint(read(pd->fds[0], &pd->last, 1), ==, 1);
    pd->reads++;
}

static void test_fd_pipe(void)
{
    PipeData pd = { 0 };

    g_assert_cmpint(pipe2(pd.fds, O_NONBLOCK | O_CLOEXEC), ==, 0);
    aio_set_fd_handler(main_ctx(), pd.fds[0], pipe_read_cb, NULL, &pd);
    g_assert_false(aio_poll(main_ctx(), false));

    g_assert_cmpint(write(pd.fds[1], "x", 1), ==, 1);
    g_assert_true(aio_poll(main_ctx(), true));
    g_assert_cmpint(pd.reads, ==, 1);
    g_assert_cmpint(pd.last, ==, 'x');

    aio_set_fd_handler(main_ctx(), pd.fds[0], NULL, NULL, NULL);
    g_assert_cmpint(write(pd.fds[1], "y", 1), ==, 1);
    g_assert_false(aio_poll(main_ctx(), false));
    g_assert_cmpint(pd.reads, ==, 1);
    close(pd.fds[0]);
    close(pd.fds[1]);
}

/* Check that a write handler fires on a writable pipe, and that switching
 * handlers on the same fd takes effect. */
static void pipe_write_cb(void *opaque)
{
    PipeData *pd = opaque;

    pd->reads += 100;
    aio_set_fd_handler(main_ctx(), pd->fds[1], NULL, NULL, NULL);
}

static void test_fd_write(void)
{
    PipeData pd = { 0 };

    g_assert_cmpint(pipe2(pd.fds, O_NONBLOCK | O_CLOEXEC), ==, 0);
    aio_set_fd_handler(main_ctx(), pd.fds[1], NULL, pipe_write_cb, &pd);
    g_assert_true(aio_poll(main_ctx(), false));
    g_assert_cmpint(pd.reads, ==, 100);
    g_assert_false(aio_poll(main_ctx(), false));
    close(pd.fds[0]);
    close(pd.fds[1]);
}

/*
 * Check that removing a handler from inside another handler of the same
 * epoll batch takes effect at once: two pipes are readable, each handler
 * removes both, so exactly one of them runs.
 */
typedef struct RemoveData {
    int a[2];
    int b[2];
    int runs;
} RemoveData;

static void remove_both_cb(void *opaque)
{
    RemoveData *rd = opaque;

    rd->runs++;
    aio_set_fd_handler(main_ctx(), rd->a[0], NULL, NULL, NULL);
    aio_set_fd_handler(main_ctx(), rd->b[0], NULL, NULL, NULL);
}

static void test_fd_remove_in_batch(void)
{
    RemoveData rd = { 0 };

    g_assert_cmpint(pipe2(rd.a, O_NONBLOCK | O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(rd.b, O_NONBLOCK | O_CLOEXEC), ==, 0);
    g_assert_cmpint(write(rd.a[1], "a", 1), ==, 1);
    g_assert_cmpint(write(rd.b[1], "b", 1), ==, 1);
    aio_set_fd_handler(main_ctx(), rd.a[0], remove_both_cb, NULL, &rd);
    aio_set_fd_handler(main_ctx(), rd.b[0], remove_both_cb, NULL, &rd);
    g_assert_true(aio_poll(main_ctx(), false));
    drain_ctx(main_ctx());
    g_assert_cmpint(rd.runs, ==, 1);
    close(rd.a[0]);
    close(rd.a[1]);
    close(rd.b[0]);
    close(rd.b[1]);
}

/* Check that an fd epoll cannot watch (a regular file) is reported ready
 * on every poll, as poll() would, until its handler is removed. */
static void test_fd_regular_file(void)
{
    char path[] = "/tmp/test-aio-XXXXXX";
    int fd = mkstemp(path);
    int n = 0;

    g_assert_cmpint(fd, >=, 0);
    unlink(path);
    aio_set_fd_handler(main_ctx(), fd, count_cb, NULL, &n);
    g_assert_true(aio_poll(main_ctx(), true));
    g_assert_true(aio_poll(main_ctx(), false));
    g_assert_cmpint(n, ==, 2);
    aio_set_fd_handler(main_ctx(), fd, NULL, NULL, NULL);
    g_assert_false(aio_poll(main_ctx(), false));
    g_assert_cmpint(n, ==, 2);
    close(fd);
}

/* Check that timers fire in deadline order (FIFO on ties), not before
 * their deadline, and that a deleted timer does not fire. */
typedef struct TimerArg {
    GString *order;
    char name;
    int64_t fired_at;
} TimerArg;

static void timer_cb(void *opaque)
{
    TimerArg *ta = opaque;

    ta->fired_at = get_clock_ns();
    g_string_append_c(ta->order, ta->name);
}

static void test_timers_order(void)
{
    g_autoptr(GString) order = g_string_new(NULL);
    const int64_t ms = 1000000;
    int64_t delays[5] = { 30 * ms, 10 * ms, 20 * ms, 10 * ms, 15 * ms };
    TimerArg args[5];
    QEMUTimer *timers[5];
    int64_t start = get_clock_ns();

    for (int i = 0; i < 5; i++) {
        args[i] = (TimerArg) { .order = order, .name = '1' + i };
        timers[i] = aio_timer_new(main_ctx(), timer_cb, &args[i]);
        timer_mod_ns(timers[i], start + delays[i]);
        g_assert_true(timer_pending(timers[i]));
    }
    timer_del(timers[4]);
    g_assert_false(timer_pending(timers[4]));

    while (order->len < 4) {
        aio_poll(main_ctx(), true);
    }
    g_assert_cmpstr(order->str, ==, "2431");
    for (int i = 0; i < 4; i++) {
        g_assert_cmpint(args[i].fired_at - start, >=, delays[i]);
        g_assert_false(timer_pending(timers[i]));
    }
    for (int i = 0; i < 5; i++) {
        timer_free(timers[i]);
    }
}

/* Check that a timer armed from another thread wakes a blocking poll
 * whose timeout was computed without it. */
static gpointer arm_timer_thread(gpointer opaque)
{
    g_usleep(10 * 1000);
    timer_mod_ns(opaque, get_clock_ns());
    return NULL;
}

static void test_timer_from_thread(void)
{
    int n = 0;
    QEMUTimer *t = aio_timer_new(main_ctx(), count_cb, &n);
    GThread *th = g_thread_new("arm", arm_timer_thread, t);

    while (n == 0) {
        aio_poll(main_ctx(), true);
    }
    g_thread_join(th);
    timer_free(t);
}

/*
 * A monotonic clock that a test can make step: while fake_clock_step is
 * non-zero, every CLOCK_MONOTONIC read returns the previous one plus the
 * step, so a deadline can be put exactly between two consecutive reads.
 * Defining clock_gettime() here interposes it for the whole binary
 * (get_clock_ns() and GLib's monotonic time); other clocks, and all reads
 * while the step is 0, go to the kernel. Both variables are set by the
 * main thread with atomics; any thread reads them.
 */
static int64_t fake_clock_step;
static int64_t fake_clock_now;

int clock_gettime(clockid_t id, struct timespec *ts)
{
    int64_t step = qatomic_read(&fake_clock_step);
    int64_t now;

    if (id != CLOCK_MONOTONIC || !step) {
        return syscall(SYS_clock_gettime, id, ts);
    }
    now = qatomic_fetch_add(&fake_clock_now, step);
    ts->tv_sec = now / 1000000000LL;
    ts->tv_nsec = now % 1000000000LL;
    return 0;
}

static void fake_clock_start(int64_t step)
{
    struct timespec ts;

    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    qatomic_set(&fake_clock_now, ts.tv_sec * 1000000000LL + ts.tv_nsec);
    qatomic_set(&fake_clock_step, step);
}

static void fake_clock_stop(void)
{
    qatomic_set(&fake_clock_step, 0);
}

/* Notifies @ctx every millisecond once 2 s have passed without @done, so a
 * poll that would sleep forever returns and the test can fail instead of
 * hanging. Only sleeps: it must not read the (fake) clock. */
typedef struct Watchdog {
    AioContext *ctx;
    GThread *thread;
    bool done;                  /* qatomic */
    bool fired;                 /* qatomic */
} Watchdog;

static gpointer watchdog_thread(gpointer opaque)
{
    Watchdog *w = opaque;

    for (int i = 0; i < 200 && !qatomic_read(&w->done); i++) {
        g_usleep(10 * 1000);
    }
    while (!qatomic_read(&w->done)) {
        qatomic_set(&w->fired, true);
        aio_notify(w->ctx);
        g_usleep(1000);
    }
    return NULL;
}

static void watchdog_start(Watchdog *w, AioContext *ctx)
{
    *w = (Watchdog) { .ctx = ctx };
    w->thread = g_thread_new("watchdog", watchdog_thread, w);
}

/* Stop @w; true if it had to wake the poller. */
static bool watchdog_stop(Watchdog *w)
{
    qatomic_set(&w->done, true);
    g_thread_join(w->thread);
    return qatomic_read(&w->fired);
}

/*
 * Check that a timer whose deadline passes while the poller computes its
 * timeout still fires: the timeout must come from one clock read. With
 * two reads (MAX(expire - now(), 0) evaluates now() twice), the first
 * saw the deadline ahead and the second returned it as negative, i.e.
 * "no timer": aio_poll() (and the GSource's poll) then slept forever.
 * The fake clock steps 1 ms per read; deadlines half-way between reads
 * at several distances hit whichever read the timeout is computed from.
 *
 *   clock reads:   t0      t0+1ms    t0+2ms    ...
 *   deadline:                  ^ t0 + j ms + 0.5 ms (j = 0..7)
 */
static void test_timer_deadline_between_reads(void)
{
    const int64_t step = 1000000;
    g_autoptr(GMainContext) gctx = g_main_context_new();
    AioContext *ctx = aio_context_new(&error_abort);
    GSource *src = aio_get_g_source(ctx);

    g_source_attach(src, gctx);
    for (int j = 0; j < 8; j++) {
        int n = 0, gn = 0;
        QEMUTimer *t = aio_timer_new(main_ctx(), count_cb, &n);
        QEMUTimer *gt = aio_timer_new(ctx, count_cb, &gn);
        Watchdog w;

        /* aio_poll() of the main context. */
        drain_ctx(main_ctx());
        watchdog_start(&w, main_ctx());
        fake_clock_start(step);
        timer_mod_ns(t, get_clock_ns() + j * step + step / 2);
        while (n == 0) {
            aio_poll(main_ctx(), true);
        }
        fake_clock_stop();
        g_assert_false(watchdog_stop(&w));

        /* A GLib main loop dispatching a context through its GSource. */
        while (g_main_context_iteration(gctx, FALSE)) {
            /* run what is ready */
        }
        watchdog_start(&w, ctx);
        fake_clock_start(step);
        timer_mod_ns(gt, get_clock_ns() + j * step + step / 2);
        while (gn == 0) {
            g_main_context_iteration(gctx, TRUE);
        }
        fake_clock_stop();
        g_assert_false(watchdog_stop(&w));

        timer_free(t);
        timer_free(gt);
    }
    g_source_destroy(src);
    g_source_unref(src);
    aio_context_unref(ctx);
}

/* Check that a GLib main loop drives an AioContext through its GSource:
 * BHs, fd handlers and timers all run from g_main_context_iteration(). */
static void test_gsource(void)
{
    g_autoptr(GMainContext) gctx = g_main_context_new();
    AioContext *ctx = aio_context_new(&error_abort);
    GSource *src = aio_get_g_source(ctx);
    PipeData pd = { 0 };
    int bh_runs = 0, timer_runs = 0;
    QEMUTimer *t;

    g_source_attach(src, gctx);

    aio_bh_schedule_oneshot(ctx, count_cb, &bh_runs);
    while (bh_runs == 0) {
        g_main_context_iteration(gctx, TRUE);
    }

    g_assert_cmpint(pipe2(pd.fds, O_NONBLOCK | O_CLOEXEC), ==, 0);
    aio_set_fd_handler(ctx, pd.fds[0], pipe_read_cb, NULL, &pd);
    g_assert_cmpint(write(pd.fds[1], "g", 1), ==, 1);
    while (pd.reads == 0) {
        g_main_context_iteration(gctx, TRUE);
    }
    g_assert_cmpint(pd.last, ==, 'g');
    aio_set_fd_handler(ctx, pd.fds[0], NULL, NULL, NULL);

    t = aio_timer_new(ctx, count_cb, &timer_runs);
    timer_mod_ns(t, get_clock_ns() + 5 * 1000000);
    while (timer_runs == 0) {
        g_main_context_iteration(gctx, TRUE);
    }
    timer_free(t);

    g_source_destroy(src);
    g_source_unref(src);
    aio_context_unref(ctx);
    close(pd.fds[0]);
    close(pd.fds[1]);
}

/* Check that a BH scheduled from another thread wakes a GLib main loop
 * sleeping in poll(). */
typedef struct GSourceThread {
    AioContext *ctx;
    int runs;
} GSourceThread;

static gpointer gsource_bh_thread(gpointer opaque)
{
    GSourceThread *gt = opaque;

    g_usleep(10 * 1000);
    aio_bh_schedule_oneshot(gt->ctx, count_cb, &gt->runs);
    return NULL;
}

static void test_gsource_cross_thread(void)
{
    g_autoptr(GMainContext) gctx = g_main_context_new();
    GSourceThread gt = { .ctx = aio_context_new(&error_abort) };
    GSource *src = aio_get_g_source(gt.ctx);
    GThread *th;

    g_source_attach(src, gctx);
    th = g_thread_new("gsrc", gsource_bh_thread, &gt);
    while (gt.runs == 0) {
        g_main_context_iteration(gctx, TRUE);
    }
    g_thread_join(th);
    g_source_destroy(src);
    g_source_unref(src);
    aio_context_unref(gt.ctx);
}

/* Check that the main thread knows it is the main thread and that a
 * fresh thread's current context is the main one. */
static gpointer current_ctx_thread(gpointer opaque)
{
    bool *ok = opaque;

    *ok = !qemu_in_main_thread() &&
          qemu_get_current_aio_context() == qemu_get_aio_context() &&
          !aio_context_in_thread(qemu_get_aio_context());
    return NULL;
}

static void test_current_context(void)
{
    bool ok = false;

    g_assert_true(qemu_in_main_thread());
    g_assert_true(qemu_get_current_aio_context() == qemu_get_aio_context());
    g_assert_true(aio_context_in_thread(qemu_get_aio_context()));
    g_thread_join(g_thread_new("cur", current_ctx_thread, &ok));
    g_assert_true(ok);
}

/* Check that AIO_WAIT_WHILE() returns once another thread changes the
 * condition and calls aio_wait_kick(). */
static gpointer kick_thread(gpointer opaque)
{
    g_usleep(10 * 1000);
    qatomic_set((int *)opaque, 1);
    aio_wait_kick();
    return NULL;
}

static void test_wait_kick(void)
{
    int done = 0;
    GThread *t = g_thread_new("kick", kick_thread, &done);

    AIO_WAIT_WHILE(!qatomic_read(&done));
    g_thread_join(t);
}

/*
 * Check that a coroutine started in an IOThread is resumed there by
 * aio_co_wake() from the main thread:
 *   main                     iothread
 *   BH -> iothread    ->     create+enter co, co yields (published)
 *   aio_co_wake(co)   ->     co resumes, checks its thread, finishes
 */
typedef struct IOWake {
    AioContext *io_ctx;
    Coroutine *co;          /* published once it is about to yield */
    int stage;              /* atomic: 1 yielded, 2 resumed correctly */
    bool wrong_thread;
} IOWake;

static void coroutine_fn iowake_entry(void *opaque)
{
    IOWake *w = opaque;

    g_assert_true(qemu_coroutine_get_aio_context(qemu_coroutine_self()) == w->io_ctx);
    qatomic_store_release(&w->co, qemu_coroutine_self());
    qatomic_set(&w->stage, 1);
    aio_wait_kick();
    qemu_coroutine_yield();
    if (!aio_context_in_thread(w->io_ctx) || qemu_in_main_thread()) {
        w->wrong_thread = true;
    }
    qatomic_set(&w->stage, 2);
    aio_wait_kick();
}

static void iowake_start_bh(void *opaque)
{
    qemu_coroutine_enter(qemu_coroutine_create(iowake_entry, opaque));
}

static void test_co_wake_iothread(void)
{
    IOThread *io = iothread_create("wake-io", &error_abort);
    IOWake w = { .io_ctx = iothread_get_aio_context(io) };

    aio_bh_schedule_oneshot(w.io_ctx, iowake_start_bh, &w);
    AIO_WAIT_WHILE(qatomic_read(&w.stage) < 1);
    aio_co_wake(qatomic_load_acquire(&w.co));
    AIO_WAIT_WHILE(qatomic_read(&w.stage) < 2);
    g_assert_false(w.wrong_thread);
    iothread_destroy(io);
}

/*
 * Check that a wake from another thread that races with the coroutine's
 * yield is neither lost nor enters the coroutine while it still runs:
 * the coroutine publishes itself, lets the waker go, and only then
 * yields; repeated many times.
 */
typedef struct Race {
    Coroutine *co;          /* atomic */
    int resumed;
    int rounds;
} Race;

static void coroutine_fn race_entry(void *opaque)
{
    Race *r = opaque;

    for (int i = 0; i < r->rounds; i++) {
        qatomic_store_release(&r->co, qemu_coroutine_self());
        /* Give the waker a chance to wake us before we yield. */
        if (i % 2) {
            g_usleep(10);
        }
        qemu_coroutine_yield();
        r->resumed++;
    }
}

static gpointer race_waker(gpointer opaque)
{
    Race *r = opaque;

    for (int i = 0; i < r->rounds; i++) {
        Coroutine *co;

        while (!(co = qatomic_xchg(&r->co, NULL))) {
            g_thread_yield();
        }
        aio_co_wake(co);
    }
    return NULL;
}

static void test_co_wake_race(void)
{
    Race r = { .rounds = 300 };
    GThread *t = g_thread_new("waker", race_waker, &r);

    qemu_coroutine_enter(qemu_coroutine_create(race_entry, &r));
    while (r.resumed < r.rounds) {
        aio_poll(main_ctx(), true);
    }
    g_thread_join(t);
    g_assert_cmpint(r.resumed, ==, r.rounds);
}

/* Check that aio_co_schedule() of an already scheduled coroutine aborts. */
static void coroutine_fn yield_once_entry(void *opaque)
{
    qemu_coroutine_yield();
}

static void test_co_schedule_twice_aborts(void)
{
    if (g_test_subprocess()) {
        Coroutine *co = qemu_coroutine_create(yield_once_entry, NULL);

        qemu_coroutine_enter(co);
        aio_co_schedule(main_ctx(), co);
        aio_co_schedule(main_ctx(), co);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*already scheduled*");
}

/* Check the IOThread registry: find by id, duplicate and malformed ids
 * are refused with QEMU's messages, destroy unregisters. */
static void test_iothread_registry(void)
{
    Error *err = NULL;
    IOThread *io = iothread_create("io0", &error_abort);

    g_assert_true(iothread_find("io0") == io);
    g_assert_cmpstr(iothread_get_id(io), ==, "io0");
    g_assert_nonnull(iothread_get_aio_context(io));
    g_assert_false(iothread_get_aio_context(io) == qemu_get_aio_context());

    g_assert_null(iothread_create("io0", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Duplicate ID 'io0' for iothread");
    error_free_or_abort(&err);

    g_assert_null(iothread_create("0io", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Parameter 'id' expects an identifier");
    error_free_or_abort(&err);
    g_assert_null(iothread_create("io,x", &err));
    error_free_or_abort(&err);
    g_assert_nonnull(iothread_create("a-b.c_1", &error_abort));

    iothread_destroy(io);
    g_assert_null(iothread_find("io0"));
    iothread_destroy_all();
    g_assert_null(iothread_find("a-b.c_1"));
}

/* Check that BHs scheduled in an IOThread before destroy still run. */
static void test_iothread_destroy_runs_bhs(void)
{
    IOThread *io = iothread_create("bhs", &error_abort);
    int n = 0;

    for (int i = 0; i < 10; i++) {
        aio_bh_schedule_oneshot(iothread_get_aio_context(io), count_cb, &n);
    }
    iothread_destroy(io);
    g_assert_cmpint(n, ==, 10);
}

/* --- busy polling --- */

typedef struct PollArg {
    bool ready;             /* what io_poll reports */
    int polls;              /* io_poll calls */
    int reads;              /* io_read calls */
} PollArg;

static bool poll_cb(void *opaque)
{
    PollArg *p = opaque;

    p->polls++;
    return p->ready;
}

static void poll_read_cb(void *opaque)
{
    PollArg *p = opaque;

    p->reads++;
    p->ready = false;       /* the work was taken */
}

/* A blocking aio_poll() of @ctx that a timer ends after @ns. */
static void poll_with_timer(AioContext *ctx, int64_t ns)
{
    int fired = 0;
    QEMUTimer *t = aio_timer_new(ctx, count_cb, &fired);

    timer_mod_ns(t, get_clock_ns() + ns);
    while (!fired) {
        aio_poll(ctx, true);
    }
    timer_free(t);
}

/*
 * Check that with polling enabled, short waits grow the polling time and
 * a handler whose io_poll reports work then gets its read handler called
 * from a blocking aio_poll() although its fd never became readable.
 */
static void test_poll_dispatch(void)
{
    AioContext *ctx = aio_context_new(&error_abort);
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    PollArg p = { 0 };

    g_assert_cmpint(efd, >=, 0);
    aio_context_set_poll_params(ctx, 1000000000, 0, 0);
    aio_set_fd_handler(ctx, efd, poll_read_cb, NULL, &p);
    aio_set_fd_poll(ctx, efd, poll_cb);

    /* Waits of 100 us, far below poll-max-ns: polling starts and grows. */
    for (int i = 0; i < 3; i++) {
        poll_with_timer(ctx, 100000);
    }
    g_assert_cmpint(p.polls, >, 0);
    g_assert_cmpint(p.reads, ==, 0);

    p.ready = true;
    g_assert_true(aio_poll(ctx, true));     /* would block without polling */
    g_assert_cmpint(p.reads, ==, 1);
    g_assert_false(p.ready);

    aio_set_fd_handler(ctx, efd, NULL, NULL, NULL);
    close(efd);
    aio_context_unref(ctx);
}

/*
 * Check that with poll-max-ns 0 io_poll is never called: the handler runs
 * only when its fd is readable.
 */
static void test_poll_disabled(void)
{
    AioContext *ctx = aio_context_new(&error_abort);
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    uint64_t one = 1;
    PollArg p = { .ready = true };

    g_assert_cmpint(efd, >=, 0);
    aio_context_set_poll_params(ctx, 0, 0, 0);
    aio_set_fd_handler(ctx, efd, poll_read_cb, NULL, &p);
    aio_set_fd_poll(ctx, efd, poll_cb);

    poll_with_timer(ctx, 2000000);
    g_assert_cmpint(p.polls, ==, 0);
    g_assert_cmpint(p.reads, ==, 0);

    g_assert_cmpint(write(efd, &one, sizeof(one)), ==, sizeof(one));
    g_assert_true(aio_poll(ctx, true));
    g_assert_cmpint(p.reads, ==, 1);
    g_assert_cmpint(p.polls, ==, 0);

    aio_set_fd_handler(ctx, efd, NULL, NULL, NULL);
    close(efd);
    aio_context_unref(ctx);
}

/*
 * Check that long waits (above poll-max-ns) with the default poll-shrink
 * of 0 stop polling only when 4 come in a row: after 3, a ready io_poll
 * is still seen at once; after 4, not until the fd is readable.
 */
static void test_poll_shrink(void)
{
    AioContext *ctx = aio_context_new(&error_abort);
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    PollArg p = { 0 };
    int polls;

    g_assert_cmpint(efd, >=, 0);
    aio_context_set_poll_params(ctx, 1000000, 0, 0);       /* 1 ms */
    aio_set_fd_handler(ctx, efd, poll_read_cb, NULL, &p);
    aio_set_fd_poll(ctx, efd, poll_cb);

    poll_with_timer(ctx, 100000);           /* grows: polling on */
    poll_with_timer(ctx, 100000);
    g_assert_cmpint(p.polls, >, 0);
    for (int i = 0; i < 3; i++) {
        poll_with_timer(ctx, 3000000);      /* 3 ms > 1 ms: a miss */
    }
    p.ready = true;
    g_assert_true(aio_poll(ctx, true));     /* still polling */
    g_assert_cmpint(p.reads, ==, 1);

    for (int i = 0; i < 4; i++) {
        poll_with_timer(ctx, 3000000);      /* the 4th resets to 0 */
    }
    polls = p.polls;
    p.ready = true;
    poll_with_timer(ctx, 2000000);
    g_assert_cmpint(p.polls, ==, polls);
    g_assert_cmpint(p.reads, ==, 1);

    aio_set_fd_handler(ctx, efd, NULL, NULL, NULL);
    close(efd);
    aio_context_unref(ctx);
}

/*
 * Check that with polling off, 16 long waits in a row make the next wait
 * poll for poll-max-ns (a probe), which sees a ready io_poll at once; and
 * that a probe that sees nothing stops polling at once.
 */
static void test_poll_probe(void)
{
    AioContext *ctx = aio_context_new(&error_abort);
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    PollArg p = { 0 };
    int polls;

    g_assert_cmpint(efd, >=, 0);
    aio_context_set_poll_params(ctx, 100000, 0, 0);        /* 100 us */
    aio_set_fd_handler(ctx, efd, poll_read_cb, NULL, &p);
    aio_set_fd_poll(ctx, efd, poll_cb);

    for (int i = 0; i < 15; i++) {
        poll_with_timer(ctx, 1000000);      /* 1 ms > 100 us */
    }
    g_assert_cmpint(p.polls, ==, 0);        /* never grew */
    poll_with_timer(ctx, 1000000);          /* the 16th */
    g_assert_cmpint(p.polls, ==, 0);

    p.ready = true;
    g_assert_true(aio_poll(ctx, true));     /* the probe sees it */
    g_assert_cmpint(p.polls, >, 0);
    g_assert_cmpint(p.reads, ==, 1);

    /* Polling is on now; 4 misses in a row end it, then 16 long waits
     * bring a probe that misses too: the next wait does not poll. */
    for (int i = 0; i < 4 + 16; i++) {
        poll_with_timer(ctx, 1000000);
    }
    polls = p.polls;
    poll_with_timer(ctx, 1000000);          /* the probe, a miss */
    g_assert_cmpint(p.polls, >, polls);
    polls = p.polls;
    poll_with_timer(ctx, 1000000);
    g_assert_cmpint(p.polls, ==, polls);

    aio_set_fd_handler(ctx, efd, NULL, NULL, NULL);
    close(efd);
    aio_context_unref(ctx);
}

/*
 * Check that a context does not busy-poll while work for it runs in the
 * thread pool (aio_context_offload_begin/end), and polls again after.
 */
static void test_poll_offload(void)
{
    AioContext *ctx = aio_context_new(&error_abort);
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    PollArg p = { 0 };
    int polls;

    g_assert_cmpint(efd, >=, 0);
    aio_context_set_poll_params(ctx, 1000000000, 0, 0);
    aio_set_fd_handler(ctx, efd, poll_read_cb, NULL, &p);
    aio_set_fd_poll(ctx, efd, poll_cb);
    for (int i = 0; i < 3; i++) {
        poll_with_timer(ctx, 100000);
    }
    g_assert_cmpint(p.polls, >, 0);

    aio_context_offload_begin(ctx);
    polls = p.polls;
    p.ready = true;
    poll_with_timer(ctx, 100000);
    g_assert_cmpint(p.polls, ==, polls);
    g_assert_cmpint(p.reads, ==, 0);
    aio_context_offload_end(ctx);

    g_assert_true(aio_poll(ctx, true));
    g_assert_cmpint(p.reads, ==, 1);

    aio_set_fd_handler(ctx, efd, NULL, NULL, NULL);
    close(efd);
    aio_context_unref(ctx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);

    g_test_add_func("/aio/bh/schedule", test_bh_schedule);
    g_test_add_func("/aio/bh/cancel", test_bh_cancel);
    g_test_add_func("/aio/bh/order", test_bh_order);
    g_test_add_func("/aio/bh/from-threads", test_bh_from_threads);
    g_test_add_func("/aio/notify", test_notify);
    g_test_add_func("/aio/poll/dispatch", test_poll_dispatch);
    g_test_add_func("/aio/poll/disabled", test_poll_disabled);
    g_test_add_func("/aio/poll/shrink", test_poll_shrink);
    g_test_add_func("/aio/poll/probe", test_poll_probe);
    g_test_add_func("/aio/poll/offload", test_poll_offload);
    g_test_add_func("/aio/fd/pipe-read", test_fd_pipe);
    g_test_add_func("/aio/fd/write", test_fd_write);
    g_test_add_func("/aio/fd/remove-in-batch", test_fd_remove_in_batch);
    g_test_add_func("/aio/fd/regular-file", test_fd_regular_file);
    g_test_add_func("/aio/timer/order", test_timers_order);
    g_test_add_func("/aio/timer/from-thread", test_timer_from_thread);
    g_test_add_func("/aio/timer/deadline-between-clock-reads",
                    test_timer_deadline_between_reads);
    g_test_add_func("/aio/gsource/dispatch", test_gsource);
    g_test_add_func("/aio/gsource/cross-thread", test_gsource_cross_thread);
    g_test_add_func("/aio/current-context", test_current_context);
    g_test_add_func("/aio/wait-kick", test_wait_kick);
    g_test_add_func("/aio/co-wake/iothread", test_co_wake_iothread);
    g_test_add_func("/aio/co-wake/race", test_co_wake_race);
    g_test_add_func("/aio/co-schedule/twice-aborts", test_co_schedule_twice_aborts);
    g_test_add_func("/aio/iothread/registry", test_iothread_registry);
    g_test_add_func("/aio/iothread/destroy-runs-bhs", test_iothread_destroy_runs_bhs);
    return g_test_run();
}
