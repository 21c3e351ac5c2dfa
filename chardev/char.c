/*
 * Chardev registry and the generic client I/O (buffered, non-blocking).
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/aio.h"
#include "qemu/error.h"
#include "char_int.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define CHAR_READ_CHUNK 65536

struct CharClient {
    Chardev *chr;
    int in_fd;
    int out_fd;
    bool owns_fds;
    bool in_pollable;       /* false: regular file or /dev/null, read from a BH */
    bool out_is_socket;     /* send() with MSG_NOSIGNAL */
    bool read_enabled;      /* frontend flow control */
    bool read_eof;          /* input ended (or failed) */
    bool closing;           /* close requested: no more input */
    bool dead;              /* output failed or closed: disconnect pending */
    bool handlers_set;      /* fd handlers may be registered */
    bool destroyed;         /* chr_client_destroy() ran; memory still referenced */
    int refcnt;             /* 1 for the chardev + 1 per pending disconnect BH */
    GByteArray *outbuf;     /* queued output not yet written */
    uint8_t *rbuf;
    QEMUBH *read_bh;        /* reads for fds that epoll cannot watch */
    void *opaque;
};

/* All chardevs in creation order. Main thread only. */
static GPtrArray *chardevs;

static const ChardevBackend *const chardev_backends[] = {
    &chardev_socket_backend,
    &chardev_stdio_backend,
};

static void chr_client_read(void *opaque);
static void chr_client_disconnect_bh(void *opaque);
static void chr_client_writable(void *opaque);

const char *qemu_chr_get_id(const Chardev *chr)
{
    return chr->id;
}

Chardev *qemu_chr_find(const char *id)
{
    if (!chardevs) {
        return NULL;
    }
    for (guint i = 0; i < chardevs->len; i++) {
        Chardev *chr = chardevs->pdata[i];

        if (!strcmp(chr->id, id)) {
            return chr;
        }
    }
    return NULL;
}

static void chr_free(Chardev *chr)
{
    chr->be->close(chr);
    g_free(chr->id);
    g_free(chr);
}

Chardev *qemu_chr_new_from_opts(JsonObject *opts, Error **errp)
{
    g_autoptr(JsonObject) o = opts;
    g_autofree char *id = NULL;
    g_autofree char *backend = NULL;
    const ChardevBackend *be = NULL;
    Chardev *chr;
    bool present;

    assert(qemu_in_main_thread());
    if (!qdict_take_str(o, "id", &id, &present, errp)) {
        return NULL;
    }
    if (!present) {
        error_setg(errp, "Parameter 'id' is missing");
        return NULL;
    }
    if (!id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    if (!qdict_take_str(o, "backend", &backend, &present, errp)) {
        return NULL;
    }
    if (!present) {
        error_setg(errp, "chardev: \"%s\" missing backend", id);
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(chardev_backends); i++) {
        if (!strcmp(chardev_backends[i]->name, backend)) {
            be = chardev_backends[i];
        }
    }
    if (!be) {
        error_setg(errp, "'%s' is not a valid char driver name", backend);
        return NULL;
    }
    if (qemu_chr_find(id)) {
        error_setg(errp, "Chardev '%s' already exists", id);
        return NULL;
    }

    chr = g_malloc0(be->instance_size);
    chr->be = be;
    chr->id = g_steal_pointer(&id);
    if (!be->open(chr, o, errp) || !qdict_check_empty(o, NULL, errp)) {
        chr_free(chr);
        return NULL;
    }
    if (!chardevs) {
        chardevs = g_ptr_array_new();
    }
    g_ptr_array_add(chardevs, chr);
    return chr;
}

void qemu_chr_delete(Chardev *chr)
{
    assert(qemu_in_main_thread());
    if (chr->client) {
        chr_client_destroy(chr->client);
    }
    chr->fe_ops = NULL;
    chr->fe_opaque = NULL;
    g_ptr_array_remove(chardevs, chr);
    chr_free(chr);
}

void qemu_chr_delete_all(void)
{
    while (chardevs && chardevs->len) {
        qemu_chr_delete(chardevs->pdata[chardevs->len - 1]);
    }
}

bool qemu_chr_attach_frontend(Chardev *chr, const CharFrontendOps *ops,
                              void *fe_opaque, Error **errp)
{
    assert(qemu_in_main_thread());
    if (chr->fe_ops) {
        error_setg(errp, "Device '%s' is in use", chr->id);
        return false;
    }
    chr->fe_ops = ops;
    chr->fe_opaque = fe_opaque;
    chr->be->frontend_attached(chr);
    return true;
}

void qemu_chr_detach_frontend(Chardev *chr)
{
    if (chr->client) {
        chr_client_destroy(chr->client);
    }
    chr->fe_ops = NULL;
    chr->fe_opaque = NULL;
}

/* ---- clients ---- */

void qemu_chr_client_set_opaque(CharClient *client, void *opaque)
{
    client->opaque = opaque;
}

void *qemu_chr_client_get_opaque(CharClient *client)
{
    return client->opaque;
}

Chardev *qemu_chr_client_get_chardev(CharClient *client)
{
    return client->chr;
}

/* Register the handlers that the client's state asks for. */
static void update_handlers(CharClient *c)
{
    AioContext *ctx = qemu_get_aio_context();
    bool want_read = c->read_enabled && !c->read_eof && !c->closing &&
                     !c->dead;
    bool want_write = c->outbuf->len > 0 && !c->dead;

    if (!c->handlers_set) {
        return;
    }
    if (!c->in_pollable) {
        if (want_read) {
            qemu_bh_schedule(c->read_bh);
        } else {
            qemu_bh_cancel(c->read_bh);
        }
        want_read = false;
    }
    if (c->in_fd == c->out_fd) {
        aio_set_fd_handler(ctx, c->in_fd,
                           want_read ? chr_client_read : NULL,
                           want_write ? chr_client_writable : NULL, c);
        return;
    }
    if (c->in_pollable) {
        aio_set_fd_handler(ctx, c->in_fd,
                           want_read ? chr_client_read : NULL, NULL, c);
    }
    aio_set_fd_handler(ctx, c->out_fd, NULL,
                       want_write ? chr_client_writable : NULL, c);
}

static void remove_handlers(CharClient *c)
{
    AioContext *ctx = qemu_get_aio_context();

    if (!c->handlers_set) {
        return;
    }
    c->handlers_set = false;
    if (c->in_pollable) {
        aio_set_fd_handler(ctx, c->in_fd, NULL, NULL, NULL);
    }
    if (c->out_fd != c->in_fd) {
        aio_set_fd_handler(ctx, c->out_fd, NULL, NULL, NULL);
    }
    qemu_bh_cancel(c->read_bh);
}

/* Output failed or the client is done: stop I/O, disconnect from a BH. */
static void mark_dead(CharClient *c)
{
    if (c->dead) {
        return;
    }
    c->dead = true;
    g_byte_array_set_size(c->outbuf, 0);
    update_handlers(c);
    /* Never disconnect inside the frontend's call: do it from a BH. */
    c->refcnt++;
    aio_bh_schedule_oneshot(qemu_get_aio_context(), chr_client_disconnect_bh,
                            c);
}

/* epoll refuses regular files, and /dev/null-like devices never block. */
static bool fd_is_pollable(int fd)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        return false;
    }
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        return false;
    }
    if (S_ISCHR(st.st_mode) && !isatty(fd)) {
        return false;
    }
    return true;
}

static bool fd_is_socket(int fd)
{
    struct stat st;

    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

CharClient *chr_client_new(Chardev *chr, int in_fd, int out_fd,
                           bool owns_fds)
{
    CharClient *c = g_new0(CharClient, 1);

    assert(chr->fe_ops && !chr->client);
    c->chr = chr;
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    c->owns_fds = owns_fds;
    c->in_pollable = fd_is_pollable(in_fd);
    c->out_is_socket = fd_is_socket(out_fd);
    c->read_enabled = true;
    c->refcnt = 1;
    c->outbuf = g_byte_array_new();
    c->rbuf = g_malloc(CHAR_READ_CHUNK);
    c->read_bh = aio_bh_new(qemu_get_aio_context(), chr_client_read, c);
    chr->client = c;

    chr->fe_ops->on_connect(chr, c, chr->fe_opaque);
    /* on_connect may have queued output (the greeting) or closed us. */
    c->handlers_set = true;
    update_handlers(c);
    return c;
}

static void chr_client_unref(CharClient *c)
{
    if (--c->refcnt > 0) {
        return;
    }
    g_byte_array_free(c->outbuf, true);
    g_free(c->rbuf);
    g_free(c);
}

static void chr_client_disconnect_bh(void *opaque)
{
    CharClient *c = opaque;

    if (!c->destroyed) {
        chr_client_destroy(c);
    }
    chr_client_unref(c);
}

void chr_client_destroy(CharClient *c)
{
    Chardev *chr = c->chr;

    if (c->destroyed) {
        return;
    }
    remove_handlers(c);
    c->dead = true;
    c->destroyed = true;
    if (chr->fe_ops && chr->fe_ops->on_disconnect) {
        chr->fe_ops->on_disconnect(c);
    }
    qemu_bh_delete(c->read_bh);
    if (c->owns_fds) {
        close(c->in_fd);
        if (c->out_fd != c->in_fd) {
            close(c->out_fd);
        }
    }
    chr->client = NULL;
    chr_client_unref(c);
    if (chr->fe_ops) {
        chr->be->client_gone(chr);
    }
}

static void chr_client_read(void *opaque)
{
    CharClient *c = opaque;
    ssize_t n;

    if (c->dead || c->closing || c->read_eof || !c->read_enabled) {
        return;
    }
    do {
        n = read(c->in_fd, c->rbuf, CHAR_READ_CHUNK);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
    }
    if (n <= 0) {
        /* EOF, or a read error (e.g. ECONNRESET): no more input. */
        c->read_eof = true;
        update_handlers(c);
        if (n == 0 && c->chr->fe_ops->on_eof) {
            c->chr->fe_ops->on_eof(c);
        } else {
            mark_dead(c);
        }
        return;
    }
    c->chr->fe_ops->on_read(c, c->rbuf, n);
    if (!c->in_pollable && !c->dead) {
        /* A regular file is always "readable": continue from a BH. */
        update_handlers(c);
    }
}

/* Write what the fd takes now. Returns false if the client failed. */
static bool flush_some(CharClient *c)
{
    while (c->outbuf->len > 0) {
        ssize_t n;

        if (c->out_is_socket) {
            n = send(c->out_fd, c->outbuf->data, c->outbuf->len,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
        } else {
            n = write(c->out_fd, c->outbuf->data, c->outbuf->len);
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        if (n <= 0) {
            return false;
        }
        g_byte_array_remove_range(c->outbuf, 0, n);
    }
    return true;
}

static void after_output(CharClient *c, bool ok)
{
    if (!ok) {
        mark_dead(c);
        return;
    }
    if (c->closing && c->outbuf->len == 0) {
        mark_dead(c);
        return;
    }
    update_handlers(c);
}

static void chr_client_writable(void *opaque)
{
    CharClient *c = opaque;

    if (c->dead) {
        return;
    }
    after_output(c, flush_some(c));
}

bool qemu_chr_client_write(CharClient *c, const void *buf, size_t len)
{
    bool was_empty = c->outbuf->len == 0;

    if (c->dead || c->closing) {
        return false;
    }
    if (c->outbuf->len + len > CHAR_CLIENT_MAX_BACKLOG) {
        warn_report("chardev '%s': client does not read its output, "
                    "disconnecting it", c->chr->id);
        mark_dead(c);
        return false;
    }
    g_byte_array_append(c->outbuf, buf, len);
    if (!was_empty) {
        /* The write handler is already waiting for room. */
        return true;
    }
    after_output(c, flush_some(c));
    return true;
}

bool qemu_chr_client_output_after_eof(CharClient *c)
{
    return c->chr->be->output_after_eof;
}

void qemu_chr_client_set_read_enabled(CharClient *c, bool enabled)
{
    if (c->read_enabled == enabled) {
        return;
    }
    c->read_enabled = enabled;
    update_handlers(c);
}

void qemu_chr_client_close(CharClient *c)
{
    if (c->closing || c->dead) {
        return;
    }
    c->closing = true;
    after_output(c, true);
}

bool qemu_chr_flush_all(int timeout_ms)
{
    int64_t deadline = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;
    bool all_done = true;

    if (!chardevs) {
        return true;
    }
    for (guint i = 0; i < chardevs->len; i++) {
        Chardev *chr = chardevs->pdata[i];
        CharClient *c = chr->client;

        while (c && !c->dead && c->outbuf->len > 0) {
            int64_t left = deadline - g_get_monotonic_time();
            struct pollfd pfd = { .fd = c->out_fd, .events = POLLOUT };

            if (left <= 0) {
                break;
            }
            if (poll(&pfd, 1, MAX(1, left / 1000)) < 0 && errno != EINTR) {
                break;
            }
            if (!flush_some(c)) {
                mark_dead(c);
            }
        }
        if (c && !c->dead && c->outbuf->len > 0) {
            all_done = false;
        }
    }
    return all_done;
}
