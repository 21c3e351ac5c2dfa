/*
 * Socket chardev: a listening unix socket (server=on, wait=off).
 *
 * Like QEMU's, it serves one client at a time: while a client is
 * connected the listening fd is not watched, so the next client waits in
 * the backlog and is accepted when the current one leaves.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/error.h"
#include "char_int.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

typedef struct SocketChardev {
    Chardev parent;
    int listen_fd;          /* -1 before open */
    char *path;
    dev_t dev;              /* identity of the socket file we created, */
    ino_t ino;              /* so that we only ever unlink our own */
    bool created;
    QEMUTimer *retry_timer;     /* re-arms accept after a resource error */
} SocketChardev;

static SocketChardev *to_socket(Chardev *chr)
{
    return container_of(chr, SocketChardev, parent);
}

static void socket_accept(void *opaque);

/* Back-off after EMFILE & co: the listener would be ready again at once. */
#define ACCEPT_RETRY_NS (100 * 1000 * 1000)

static void socket_listen_enable(SocketChardev *s, bool enable)
{
    aio_set_fd_handler(qemu_get_aio_context(), s->listen_fd,
                       enable ? socket_accept : NULL, NULL, s);
}

static void socket_accept_retry(void *opaque)
{
    SocketChardev *s = opaque;

    if (s->parent.fe_ops && !s->parent.client) {
        socket_listen_enable(s, true);
    }
}

static void socket_accept(void *opaque)
{
    SocketChardev *s = opaque;
    int fd;

    if (s->parent.client || !s->parent.fe_ops) {
        socket_listen_enable(s, false);
        return;
    }
    fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED) {
            warn_report("chardev '%s': accept failed: %s", s->parent.id,
                        strerror(errno));
            socket_listen_enable(s, false);
            if (!s->retry_timer) {
                s->retry_timer = aio_timer_new(qemu_get_aio_context(),
                                               socket_accept_retry, s);
            }
            timer_mod_ns(s->retry_timer, get_clock_ns() + ACCEPT_RETRY_NS);
        }
        return;
    }
    /* One client at a time: stop watching the listener until it leaves. */
    socket_listen_enable(s, false);
    chr_client_new(&s->parent, fd, fd, true);
}

/* Remove a stale socket file at @path; anything else is left alone. */
static bool remove_stale_socket(const char *path, Error **errp)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        if (errno == ENOENT) {
            return true;
        }
        error_setg_errno(errp, errno, "Failed to stat socket %s", path);
        return false;
    }
    if (!S_ISSOCK(st.st_mode)) {
        /* bind() will fail with EADDRINUSE and report it. */
        return true;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        error_setg_errno(errp, errno, "Failed to unlink socket %s", path);
        return false;
    }
    return true;
}

static bool socket_open(Chardev *chr, JsonObject *opts, Error **errp)
{
    SocketChardev *s = to_socket(chr);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_autofree char *path = NULL;
    bool server = false, wait = true;
    bool has_path, has_wait;
    struct stat st;
    mode_t old_umask;
    int ret;

    s->listen_fd = -1;
    if (json_object_has_member(opts, "host") ||
        json_object_has_member(opts, "port")) {
        error_setg(errp, "chardev: socket: only unix sockets (path=...) "
                   "are supported");
        return false;
    }
    if (!qdict_take_str(opts, "path", &path, &has_path, errp) ||
        !qdict_take_bool(opts, "server", &server, NULL, errp) ||
        !qdict_take_bool(opts, "wait", &wait, &has_wait, errp)) {
        return false;
    }
    if (!has_path) {
        error_setg(errp, "chardev: socket: no host given");
        return false;
    }
    if (!server) {
        error_setg(errp, "Only server=on is supported");
        return false;
    }
    if (wait) {
        /* QEMU's default for a server; we never block waiting for a client. */
        error_setg(errp, "'wait=on' is not supported, use 'wait=off'");
        return false;
    }
    if (strlen(path) >= sizeof(addr.sun_path)) {
        error_setg(errp, "UNIX socket path '%s' is too long", path);
        error_append_hint(errp, "Path must be less than %zu bytes\n",
                          sizeof(addr.sun_path));
        return false;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);

    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                          0);
    if (s->listen_fd < 0) {
        error_setg_errno(errp, errno, "Failed to create Unix socket");
        return false;
    }
    if (!remove_stale_socket(path, errp)) {
        return false;
    }
    /*
     * Only the daemon's user may connect: mode 0600. The umask is process
     * wide; at chardev creation (CLI parsing, main thread) nothing else
     * creates files.
     */
    old_umask = umask(0177);
    ret = bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr));
    umask(old_umask);
    if (ret < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket to %s", path);
        return false;
    }
    s->path = g_steal_pointer(&path);
    if (lstat(s->path, &st) == 0) {
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        s->created = true;
    }
    if (listen(s->listen_fd, 8) < 0) {
        error_setg_errno(errp, errno, "Failed to listen on socket");
        return false;
    }
    return true;
}

static void socket_frontend_attached(Chardev *chr)
{
    SocketChardev *s = to_socket(chr);

    if (!chr->client) {
        socket_listen_enable(s, true);
    }
}

static void socket_client_gone(Chardev *chr)
{
    socket_listen_enable(to_socket(chr), true);
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = to_socket(chr);
    struct stat st;

    if (s->retry_timer) {
        timer_free(s->retry_timer);
        s->retry_timer = NULL;
    }
    if (s->listen_fd >= 0) {
        socket_listen_enable(s, false);
        close(s->listen_fd);
        s->listen_fd = -1;
    }
    /* Someone may have replaced the file meanwhile: remove only ours. */
    if (s->created && lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
        st.st_dev == s->dev && st.st_ino == s->ino) {
        unlink(s->path);
    }
    g_free(s->path);
    s->path = NULL;
}

const ChardevBackend chardev_socket_backend = {
    .name = "socket",
    .instance_size = sizeof(SocketChardev),
    .open = socket_open,
    .frontend_attached = socket_frontend_attached,
    .client_gone = socket_client_gone,
    .close = socket_close,
};
