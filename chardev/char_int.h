/*
 * Chardev backend interface (private to chardev/).
 */
#ifndef CHARDEV_CHAR_INT_H
#define CHARDEV_CHAR_INT_H

#include "chardev/char.h"

typedef struct ChardevBackend {
    const char *name;                 /* "socket", "stdio" */
    size_t instance_size;             /* embeds Chardev first */
    bool output_after_eof;            /* see qemu_chr_client_output_after_eof */
    /*
     * Take the backend's options from @opts (leftovers are rejected by the
     * caller) and set up. Returns false with errp set; ->close() is then
     * still called.
     */
    bool (*open)(Chardev *chr, JsonObject *opts, Error **errp);
    /* A frontend attached: start producing clients. */
    void (*frontend_attached)(Chardev *chr);
    /* chr->client went away (it is NULL again): accept the next one. */
    void (*client_gone)(Chardev *chr);
    /* Release the backend's resources; copes with a failed ->open(). */
    void (*close)(Chardev *chr);
} ChardevBackend;

struct Chardev {
    const ChardevBackend *be;
    char *id;
    const CharFrontendOps *fe_ops;    /* NULL while no frontend is attached */
    void *fe_opaque;
    CharClient *client;               /* the connected client, at most one */
};

extern const ChardevBackend chardev_socket_backend;
extern const ChardevBackend chardev_stdio_backend;

/*
 * Make @in_fd/@out_fd (equal for a socket) the chardev's client and tell
 * the frontend. @owns_fds: close them when the client goes. Requires an
 * attached frontend and no current client.
 */
CharClient *chr_client_new(Chardev *chr, int in_fd, int out_fd,
                           bool owns_fds);

/* Disconnect at once: stop I/O, call on_disconnect, free, ->client_gone. */
void chr_client_destroy(CharClient *client);

#endif /* CHARDEV_CHAR_INT_H */
