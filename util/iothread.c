/*
 * IOThreads: threads that poll their own AioContext until stopped, and
 * the registry that finds them by id.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/error.h"
#include "qemu/iothread.h"

struct IOThread {
    char *id;
    AioContext *ctx;
    GThread *thread;
    /* Set by the stop BH in the IOThread itself; read by its loop. */
    bool stopping;
    /* Start-up handshake: the thread owns ctx before create returns. */
    GMutex init_lock;
    GCond init_cond;
    bool running;
};

/* id -> IOThread. Only accessed from the main thread. */
static GHashTable *iothreads;

static gpointer iothread_run(gpointer opaque)
{
    IOThread *iothread = opaque;

    aio_context_set_thread(iothread->ctx);
    g_mutex_lock(&iothread->init_lock);
    iothread->running = true;
    g_cond_signal(&iothread->init_cond);
    g_mutex_unlock(&iothread->init_lock);

    while (!qatomic_read(&iothread->stopping)) {
        aio_poll(iothread->ctx, true);
    }
    aio_context_set_thread(NULL);
    return NULL;
}

static void iothread_stop_bh(void *opaque)
{
    IOThread *iothread = opaque;

    qatomic_set(&iothread->stopping, true);
}

static void iothread_free(IOThread *iothread)
{
    if (iothread->ctx) {
        aio_context_unref(iothread->ctx);
    }
    g_mutex_clear(&iothread->init_lock);
    g_cond_clear(&iothread->init_cond);
    g_free(iothread->id);
    g_free(iothread);
}

/* See iothread.h. */
IOThread *iothread_create(const char *id, Error **errp)
{
    return iothread_create_with_options(id, NULL, errp);
}

/* See iothread.h. */
IOThread *iothread_create_with_options(const char *id,
                                       const IOThreadOptions *opts,
                                       Error **errp)
{
    IOThread *iothread;
    g_autoptr(GError) gerr = NULL;
    g_autofree char *name = NULL;

    assert(qemu_in_main_thread());
    if (!id || !id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        error_append_hint(errp, "Identifiers consist of letters, digits, "
                          "'-', '.', '_', starting with a letter.\n");
        return NULL;
    }
    if (iothreads && g_hash_table_contains(iothreads, id)) {
        error_setg(errp, "Duplicate ID '%s' for iothread", id);
        return NULL;
    }
    if (opts && (opts->aio_max_batch < 0 ||
                 opts->aio_max_batch > AIO_MAX_BATCH_LIMIT)) {
        error_setg(errp, "aio-max-batch value must be in range [0, %d]",
                   AIO_MAX_BATCH_LIMIT);
        return NULL;
    }
    if (opts) {
        const struct { const char *name; int64_t value; } polls[] = {
            { "poll-max-ns", opts->poll_max_ns },
            { "poll-grow", opts->poll_grow },
            { "poll-shrink", opts->poll_shrink },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(polls); i++) {
            if (polls[i].value < 0) {
                error_setg(errp, "%s value must be in range [0, %" PRId64 "]",
                           polls[i].name, INT64_MAX);
                return NULL;
            }
        }
    }

    iothread = g_new0(IOThread, 1);
    iothread->id = g_strdup(id);
    g_mutex_init(&iothread->init_lock);
    g_cond_init(&iothread->init_cond);
    iothread->ctx = aio_context_new(errp);
    if (!iothread->ctx) {
        iothread_free(iothread);
        return NULL;
    }
    aio_context_set_poll_params(iothread->ctx,
                                opts && opts->has_poll_max_ns ?
                                opts->poll_max_ns : AIO_POLL_MAX_NS_DEFAULT,
                                opts && opts->has_poll_grow ?
                                opts->poll_grow : 0,
                                opts && opts->has_poll_shrink ?
                                opts->poll_shrink : 0);
    if (opts) {
        aio_context_set_aio_params(iothread->ctx, opts->aio_max_batch);
    }

    /* Thread names are limited to 15 characters by the kernel. */
    name = g_strdup_printf("IO %s", id);
    iothread->thread = g_thread_try_new(name, iothread_run, iothread, &gerr);
    if (!iothread->thread) {
        error_setg(errp, "Failed to create iothread '%s': %s", id,
                   gerr->message);
        iothread_free(iothread);
        return NULL;
    }
    g_mutex_lock(&iothread->init_lock);
    while (!iothread->running) {
        g_cond_wait(&iothread->init_cond, &iothread->init_lock);
    }
    g_mutex_unlock(&iothread->init_lock);

    if (!iothreads) {
        iothreads = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_hash_table_insert(iothreads, iothread->id, iothread);
    return iothread;
}

/* See iothread.h. BHs scheduled before this call run before the thread
 * exits (the stop BH is queued behind them). */
void iothread_destroy(IOThread *iothread)
{
    assert(qemu_in_main_thread());
    aio_bh_schedule_oneshot(iothread->ctx, iothread_stop_bh, iothread);
    g_thread_join(iothread->thread);
    if (iothreads) {
        g_hash_table_remove(iothreads, iothread->id);
    }
    iothread_free(iothread);
}

/* See iothread.h. NULL if there is none. Main thread. */
IOThread *iothread_find(const char *id)
{
    return iothreads ? g_hash_table_lookup(iothreads, id) : NULL;
}

/* The id given at creation; owned by @iothread. */
const char *iothread_get_id(IOThread *iothread)
{
    return iothread->id;
}

/* The context the IOThread polls; valid until iothread_destroy() (take a
 * reference with aio_context_ref() to keep it longer). */
AioContext *iothread_get_aio_context(IOThread *iothread)
{
    return iothread->ctx;
}

/* See iothread.h. */
void iothread_destroy_all(void)
{
    GHashTableIter iter;
    gpointer value;
    GList *all = NULL;

    if (!iothreads) {
        return;
    }
    g_hash_table_iter_init(&iter, iothreads);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        all = g_list_prepend(all, value);
    }
    for (GList *l = all; l; l = l->next) {
        iothread_destroy(l->data);
    }
    g_list_free(all);
}
