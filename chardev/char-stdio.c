/*
 * Stdio chardev: one client reading stdin and writing stdout.
 *
 * The terminal is left as it is (no raw mode). When stdin ends the client
 * goes (after the frontend answered, see CharFrontendOps.on_eof) and no
 * new one comes. fds 0 and 1 stay open.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "char_int.h"

#include <sys/stat.h>

typedef struct StdioChardev {
    Chardev parent;
    bool owner;             /* holds stdio_in_use */
    bool client_created;    /* the only client was handed out */
} StdioChardev;

/* True while a stdio chardev exists: stdin can only be read once. Main thread only. */
static bool stdio_in_use;

static StdioChardev *to_stdio(Chardev *chr)
{
    return container_of(chr, StdioChardev, parent);
}

static bool stdio_open(Chardev *chr, JsonObject *opts, Error **errp)
{
    StdioChardev *s = to_stdio(chr);
    bool signal = true;
    struct stat st;

    /* The terminal stays in cooked mode, so ^C always raises SIGINT. */
    if (!qdict_take_bool(opts, "signal", &signal, NULL, errp)) {
        return false;
    }
    if (!signal) {
        error_setg(errp, "'signal=off' is not supported");
        return false;
    }
    if (stdio_in_use) {
        error_setg(errp, "cannot use stdio by multiple character devices");
        return false;
    }
    stdio_in_use = true;
    s->owner = true;

    /*
     * A pipe or socket on stdout must not block the daemon when the
     * reader is slow: output is buffered in the client instead. (This
     * affects whoever shares the open file description; terminals and
     * files are left blocking, they don't fill up like pipes.)
     */
    if (fstat(STDOUT_FILENO, &st) == 0 &&
        (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        int flags = fcntl(STDOUT_FILENO, F_GETFL);

        if (flags >= 0) {
            fcntl(STDOUT_FILENO, F_SETFL, flags | O_NONBLOCK);
        }
    }
    return true;
}

static void stdio_frontend_attached(Chardev *chr)
{
    StdioChardev *s = to_stdio(chr);

    if (s->client_created) {
        return;
    }
    s->client_created = true;
    chr_client_new(chr, STDIN_FILENO, STDOUT_FILENO, false);
}

static void stdio_client_gone(Chardev *chr)
{
    /* stdin is finished: there is no next client. */
}

static void stdio_close(Chardev *chr)
{
    StdioChardev *s = to_stdio(chr);

    if (s->owner) {
        stdio_in_use = false;
        s->owner = false;
    }
}

const ChardevBackend chardev_stdio_backend = {
    .name = "stdio",
    .instance_size = sizeof(StdioChardev),
    .output_after_eof = true,   /* stdout stays open when stdin ends */
    .open = stdio_open,
    .frontend_attached = stdio_frontend_attached,
    .client_gone = stdio_client_gone,
    .close = stdio_close,
};
