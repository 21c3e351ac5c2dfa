/*
 * Character devices: the byte streams a monitor talks over.
 *
 * A Chardev is created from options (--chardev) and registered by id.
 * Backends: "socket" (a unix socket in server mode that accepts clients
 * one after the other, like QEMU's) and "stdio" (one client: stdin and
 * stdout). A frontend (the QMP monitor) attaches to a chardev and is told
 * about each client through CharFrontendOps; it writes with
 * qemu_chr_client_write(), which buffers and never blocks.
 *
 * Threading: everything here runs in the main thread (main AioContext).
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include "qemu/osdep.h"
#include "qemu/qdict.h"

typedef struct Error Error;
typedef struct Chardev Chardev;
typedef struct CharClient CharClient;

typedef struct CharFrontendOps {
    /* A client connected. The frontend usually stores its per-client
     * state with qemu_chr_client_set_opaque(). */
    void (*on_connect)(Chardev *chr, CharClient *client, void *fe_opaque);
    /* Bytes from the client. @buf is only valid during the call. */
    void (*on_read)(CharClient *client, const uint8_t *buf, size_t len);
    /*
     * Optional: the client closed its sending side (EOF on input). Writes
     * still work; the frontend calls qemu_chr_client_close() once it has
     * answered what it read. NULL: treat EOF as a disconnect.
     */
    void (*on_eof)(CharClient *client);
    /*
     * The client is gone (EOF, error, or qemu_chr_client_close()). The
     * CharClient is freed when this returns: drop every pointer to it.
     */
    void (*on_disconnect)(CharClient *client);
} CharFrontendOps;

/*
 * --chardev: @opts (consumed) holds "id" and "backend" ("socket" or
 * "stdio"; the implied key of the command line) and the backend's options:
 *   socket: "path" (required), "server" (must be on), "wait" (must be off)
 *   stdio:  "signal" (must be on: the terminal is never put in raw mode)
 * Unknown members are rejected. The socket file is created with mode 0600,
 * a stale socket at @path is replaced, and the file is removed when the
 * chardev is deleted. Returns NULL and sets errp on error.
 */
Chardev *qemu_chr_new_from_opts(JsonObject *opts, Error **errp);

/* Look a chardev up by id; NULL if there is none. */
Chardev *qemu_chr_find(const char *id);
const char *qemu_chr_get_id(const Chardev *chr);

/*
 * Close every client (on_disconnect runs), stop listening, remove the
 * socket file, unregister and free. Any attached frontend must already
 * be detached or must not use @chr afterwards.
 */
void qemu_chr_delete(Chardev *chr);
/* Delete every chardev (at exit). */
void qemu_chr_delete_all(void);

/*
 * Attach a frontend. Fails with "Device '%s' is in use" if one is
 * already attached. Clients that connect from now on are reported
 * through @ops (a stdio chardev reports its only client at once).
 */
bool qemu_chr_attach_frontend(Chardev *chr, const CharFrontendOps *ops,
                              void *fe_opaque, Error **errp);
/* Detach: current clients are disconnected (on_disconnect runs first). */
void qemu_chr_detach_frontend(Chardev *chr);

/* Per-client frontend state. */
void qemu_chr_client_set_opaque(CharClient *client, void *opaque);
void *qemu_chr_client_get_opaque(CharClient *client);
Chardev *qemu_chr_client_get_chardev(CharClient *client);

/*
 * Queue @len bytes for the client and write what the socket takes now;
 * the rest goes out when the fd is writable again. Never blocks. Returns
 * false (and drops the data) if the client is already closing, or if its
 * output backlog would exceed CHAR_CLIENT_MAX_BACKLOG: such a client is
 * disconnected. Errors from write() disconnect the client later (from a
 * bottom half, never inside this call).
 */
#define CHAR_CLIENT_MAX_BACKLOG (64 * 1024 * 1024)
bool qemu_chr_client_write(CharClient *client, const void *buf, size_t len);

/*
 * Whether output still reaches someone after the client's input ended:
 * true for stdio (stdout stays), false for a socket (the peer is leaving,
 * and the next client waits until this one is closed).
 */
bool qemu_chr_client_output_after_eof(CharClient *client);

/* Stop (false) or resume (true) reading from the client: flow control. */
void qemu_chr_client_set_read_enabled(CharClient *client, bool enabled);

/*
 * Disconnect the client after its queued output was sent (or could not
 * be). on_disconnect runs later, from a bottom half.
 */
void qemu_chr_client_close(CharClient *client);

/*
 * Try to send every client's queued output, waiting at most @timeout_ms
 * in total (for shutdown, after the last events were queued). Returns
 * true if nothing is left queued.
 */
bool qemu_chr_flush_all(int timeout_ms);

#endif /* CHARDEV_CHAR_H */
