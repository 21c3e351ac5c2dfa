/*
 * Unit tests for the worker thread pool (thread_pool_submit_co()).
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/error.h"
#include "qemu/iothread.h"
#include "qemu/thread-pool.h"
#include "block/aio-wait.h"

#include <sys/wait.h>

typedef struct Work {
    int value;              /* returned by the worker */
    int result;             /* what thread_pool_submit_co() returned */
    GThread *worker;        /* thread that ran the function */
    int sleep_us;
    bool done;              /* atomic */
} Work;

/* Shared by all workers of one test; atomics only. */
static int running;
static int max_running;

static int work_fn(void *opaque)
{
    Work *w = opaque;
    int now = qatomic_fetch_inc(&running) + 1;
    int old = qatomic_read(&max_running);

    while (now > old && qatomic_cmpxchg(&max_running, old, now) != old) {
        old = qatomic_read(&max_running);
    }
    w->worker = g_thread_self();
    if (w->sleep_us) {
        g_usleep(w->sleep_us);
    }
    qatomic_dec(&running);
    return w->value;
}

static void coroutine_fn submit_entry(void *opaque)
{
    Work *w = opaque;
    GThread *me = g_thread_self();

    w->result = thread_pool_submit_co(work_fn, w);
    /* Resumed in the submitting thread, not the worker. */
    g_assert_true(g_thread_self() == me);
    qatomic_set(&w->done, true);
    aio_wait_kick();
}

/* Check that a submission runs in another thread and returns its value. */
static void test_submit(void)
{
    Work w = { .value = 42 };

    qemu_coroutine_enter(qemu_coroutine_create(submit_entry, &w));
    AIO_WAIT_WHILE(!qatomic_read(&w.done));
    g_assert_cmpint(w.result, ==, 42);
    g_assert_nonnull(w.worker);
    g_assert_false(w.worker == g_thread_self());
}

/* Check that negative errno values come back verbatim. */
static void test_errno(void)
{
    Work works[3] = { { .value = -EIO }, { .value = -ENOSPC }, { .value = 0 } };

    for (int i = 0; i < 3; i++) {
        qemu_coroutine_enter(qemu_coroutine_create(submit_entry, &works[i]));
    }
    AIO_WAIT_WHILE(!qatomic_read(&works[0].done) ||
                   !qatomic_read(&works[1].done) ||
                   !qatomic_read(&works[2].done));
    g_assert_cmpint(works[0].result, ==, -EIO);
    g_assert_cmpint(works[1].result, ==, -ENOSPC);
    g_assert_cmpint(works[2].result, ==, 0);
}

/*
 * Check that 300 concurrent submissions all complete with their own
 * results, run in parallel, and never on more than 64 workers at once.
 */
#define MANY 300

static void test_many(void)
{
    g_autofree Work *works = g_new0(Work, MANY);
    int done;

    qatomic_set(&max_running, 0);
    for (int i = 0; i < MANY; i++) {
        works[i].value = i;
        works[i].sleep_us = 2000;
        qemu_coroutine_enter(qemu_coroutine_create(submit_entry, &works[i]));
    }
    do {
        done = 0;
        for (int i = 0; i < MANY; i++) {
            done += qatomic_read(&works[i].done);
        }
        if (done < MANY) {
            aio_poll(qemu_get_aio_context(), true);
        }
    } while (done < MANY);
    for (int i = 0; i < MANY; i++) {
        g_assert_cmpint(works[i].result, ==, i);
    }
    g_assert_cmpint(qatomic_read(&max_running), >, 1);
    g_assert_cmpint(qatomic_read(&max_running), <=, 64);
}

/* Number of threads in this process. */
static int count_threads(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
    int n = 0;

    g_assert_nonnull(dir);
    while (g_dir_read_name(dir)) {
        n++;
    }
    return n;
}

/* Check that sequential work after a busy phase reuses the idle workers
 * instead of creating a thread per request, and that the pool never has
 * more than 64 workers. */
static void test_reuse(void)
{
    Work warm[4] = { { .sleep_us = 20000 }, { .sleep_us = 20000 },
                     { .sleep_us = 20000 }, { .sleep_us = 20000 } };
    int before;

    for (int i = 0; i < 4; i++) {
        qemu_coroutine_enter(qemu_coroutine_create(submit_entry, &warm[i]));
    }
    for (int i = 0; i < 4; i++) {
        AIO_WAIT_WHILE(!qatomic_read(&warm[i].done));
    }
    before = count_threads();
    g_assert_cmpint(before, >=, 1 + 4);
    g_assert_cmpint(before, <=, 1 + 64);
    for (int i = 0; i < 50; i++) {
        Work w = { .value = i };

        qemu_coroutine_enter(qemu_coroutine_create(submit_entry, &w));
        AIO_WAIT_WHILE(!qatomic_read(&w.done));
        g_assert_cmpint(w.result, ==, i);
    }
    /* Workers idle for less than their timeout: none exited, none added. */
    g_assert_cmpint(count_threads(), ==, before);
}

/*
 * Check that a coroutine in an IOThread that submits work is resumed in
 * the IOThread.
 */
typedef struct IOSubmit {
    AioContext *io_ctx;
    Work work;
    bool in_iothread;
} IOSubmit;

static void coroutine_fn io_submit_entry(void *opaque)
{
    IOSubmit *s = opaque;

    s->work.result = thread_pool_submit_co(work_fn, &s->work);
    s->in_iothread = aio_context_in_thread(s->io_ctx) && !qemu_in_main_thread();
    qatomic_set(&s->work.done, true);
    aio_wait_kick();
}

static void io_submit_bh(void *opaque)
{
    qemu_coroutine_enter(qemu_coroutine_create(io_submit_entry, opaque));
}

static void test_iothread(void)
{
    IOThread *io = iothread_create("pool-io", &error_abort);
    IOSubmit s = { .io_ctx = iothread_get_aio_context(io),
                   .work = { .value = -EROFS, .sleep_us = 1000 } };

    aio_bh_schedule_oneshot(s.io_ctx, io_submit_bh, &s);
    AIO_WAIT_WHILE(!qatomic_read(&s.work.done));
    g_assert_cmpint(s.work.result, ==, -EROFS);
    g_assert_true(s.in_iothread);
    iothread_destroy(io);
}

/*
 * Check that a fork()ed child (as with --daemonize) can use the pool even
 * though the parent's idle workers do not exist there.
 */
static void test_fork(void)
{
    Work warm = { .value = 1 };
    pid_t pid;
    int status;

    qemu_coroutine_enter(qemu_coroutine_create(submit_entry, &warm));
    AIO_WAIT_WHILE(!qatomic_read(&warm.done));
    /* Let the worker go idle: the parent's pool then counts an idle worker. */
    g_usleep(20 * 1000);

    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        Work w = { .value = 7 };

        alarm(5);           /* a hang becomes SIGALRM */
        qemu_coroutine_enter(qemu_coroutine_create(submit_entry, &w));
        while (!qatomic_read(&w.done)) {
            aio_poll(qemu_get_aio_context(), true);
        }
        _exit(w.result == 7 ? 0 : 1);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);

    g_test_add_func("/thread-pool/submit", test_submit);
    g_test_add_func("/thread-pool/errno", test_errno);
    g_test_add_func("/thread-pool/many", test_many);
    g_test_add_func("/thread-pool/reuse", test_reuse);
    g_test_add_func("/thread-pool/iothread", test_iothread);
    g_test_add_func("/thread-pool/fork", test_fork);
    return g_test_run();
}
