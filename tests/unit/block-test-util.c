/*
 * Shared scaffolding of the "file"/"raw" block unit tests: scratch
 * directories, variants, JSON opening and case registration (see
 * block-test-util.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/error.h"
#include "block-test-util.h"

#include <sys/stat.h>

/* A filesystem the cases run on: its scratch directory is created in
 * main() under @base (NULL if that failed) and removed at the end. */
typedef struct TestFs {
    const char *label;          /* path component: /block/file/<label>/ */
    const char *base;
    char *dir;
} TestFs;

/* Written only by block_test_init() and block_test_run(), before and
 * after g_test_run(). */
static TestFs test_fses[] = {
    { "disk", "/var/tmp", NULL },
    { "tmpfs", "/dev/shm", NULL },
};

/* The scratch directory of the running case: set by run_case() (and by
 * block_test_init() for the io_uring probe). Main thread only. */
const char *test_dir;

/* @name in the running case's scratch directory. */
char *test_path(const char *name)
{
    return g_build_filename(test_dir, name, NULL);
}

/* Create @name with @size bytes of @fill (0: a sparse file). */
char *make_file(const char *name, size_t size, int fill)
{
    char *path = test_path(name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    if (fill) {
        g_autofree uint8_t *buf = g_malloc(size);
        memset(buf, fill, size);
        g_assert_cmpint(pwrite(fd, buf, size, 0), ==, (ssize_t)size);
    }
    close(fd);
    return path;
}

/* Read @len bytes at @off of @path behind the block layer's back. */
uint8_t *read_file(const char *path, off_t off, size_t len)
{
    uint8_t *buf = g_malloc0(len);
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, off), ==, (ssize_t)len);
    close(fd);
    return buf;
}

/* The size of @path according to stat(). */
off_t file_size(const char *path)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    return st.st_size;
}

/* The variant of the running case (see block-test-util.h): set by
 * run_case() around each case. Main thread only. */
static const char *variant_aio = "threads";
static bool variant_direct;

/* Add the variant's "aio" and cache.direct to every "file" node in @o
 * (nested children included) that does not choose for itself. */
static void apply_variant(JsonObject *o)
{
    GList *members = json_object_get_members(o);

    for (GList *l = members; l; l = l->next) {
        JsonNode *n = json_object_get_member(o, l->data);

        if (JSON_NODE_HOLDS_OBJECT(n)) {
            apply_variant(json_node_get_object(n));
        }
    }
    g_list_free(members);
    if (!json_object_has_member(o, "driver") ||
        strcmp(json_object_get_string_member(o, "driver"), "file")) {
        return;
    }
    if (!json_object_has_member(o, "aio")) {
        json_object_set_string_member(o, "aio", variant_aio);
    }
    if (variant_direct && !json_object_has_member(o, "cache")) {
        JsonObject *cache = json_object_new();

        json_object_set_boolean_member(cache, "direct", true);
        json_object_set_object_member(o, "cache", cache);
    }
}

/* Open a node from JSON text built with printf-style arguments, in the
 * current variant. NULL and *errp set on failure. */
BlockDriverState *open_fmt(Error **errp, const char *fmt, ...)
{
    g_autofree char *json = NULL;
    JsonObject *opts;
    va_list ap;

    va_start(ap, fmt);
    json = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    opts = qdict_from_json(json, &error_abort);
    apply_variant(opts);
    return bdrv_open_blockdev(opts, errp);
}

/* Expect opening (not in the variant) to fail with exactly @expected. */
void assert_open_error(const char *expected, const char *fmt, ...)
{
    g_autofree char *json = NULL;
    Error *err = NULL;
    va_list ap;

    va_start(ap, fmt);
    json = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_assert_null(bdrv_open_blockdev(qdict_from_json(json, &error_abort),
                                     &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, expected);
    error_free(err);
}

/* A BlockBackend on @bs asking for @perm, sharing everything. */
BlockBackend *new_blk(BlockDriverState *bs, uint64_t perm)
{
    BlockBackend *blk = blk_new(qemu_get_aio_context(), perm, BLK_PERM_ALL);

    blk_insert_bs(blk, bs, &error_abort);
    return blk;
}

/* blockdev-del that must succeed. */
void delete_node(const char *name)
{
    bdrv_delete_named(name, &error_abort);
}

/* Open "file" with cache.direct=on, or skip the test if the filesystem
 * refuses O_DIRECT. */
BlockDriverState *open_direct(const char *node_name, const char *path)
{
    Error *err = NULL;
    BlockDriverState *bs = open_fmt(&err, "{\"driver\": \"file\", "
                                    "\"node-name\": \"%s\", "
                                    "\"filename\": \"%s\", "
                                    "\"cache\": {\"direct\": true}}",
                                    node_name, path);

    if (!bs) {
        g_assert_nonnull(strstr(error_get_pretty(err), "Invalid argument"));
        error_free(err);
        g_autofree char *msg = g_strdup_printf("O_DIRECT is refused by the "
                                               "filesystem of %s", test_dir);

        g_test_skip(msg);
    }
    return bs;
}

/* One registered case: a test body, the filesystem it runs on and the
 * variant it runs in. */
typedef struct TestCase {
    TestFs *fs;
    const char *aio;
    bool direct;
    GTestFunc fn;
} TestCase;

static void run_case(const void *opaque)
{
    const TestCase *c = opaque;

    if (!c->fs->dir) {
        g_autofree char *msg = g_strdup_printf("no scratch directory under "
                                               "%s", c->fs->base);

        g_test_skip(msg);
        return;
    }
    test_dir = c->fs->dir;
    variant_aio = c->aio;
    variant_direct = c->direct;
    c->fn();
    variant_aio = "threads";
    variant_direct = false;
    test_dir = NULL;
}

/* Register @fn as /block/file/<fs>/<prefix><name> on every filesystem,
 * in variant @aio/@direct. */
void add_case(const char *prefix, const char *name, const char *aio,
              bool direct, GTestFunc fn)
{
    for (size_t i = 0; i < G_N_ELEMENTS(test_fses); i++) {
        /* Lives until the end of the program: the test framework keeps
         * the pointer. */
        TestCase *c = g_new(TestCase, 1);
        g_autofree char *path = g_strdup_printf("/block/file/%s/%s%s",
                                                test_fses[i].label, prefix,
                                                name);

        *c = (TestCase) { &test_fses[i], aio, direct, fn };
        g_test_add_data_func_full(path, c, run_case, g_free);
    }
}

/* Register @fn once per filesystem, in the default variant (threads,
 * no O_DIRECT): /block/file/<fs>/<name>. */
void add_plain(const char *name, GTestFunc fn)
{
    add_case("", name, "threads", false, fn);
}

/* Set once in block_test_init(): can this build and kernel use io_uring? */
bool have_io_uring;

/* Registered instead of the io_uring variants when they cannot run (an
 * environment that forbids io_uring): skipped, not failed. */
static void test_io_uring_unavailable(void)
{
    g_test_skip("io_uring is not available (built without liburing, or "
                "refused by the kernel)");
}

/* Register @fn as /block/file/<fs>/<variant>/<name> for every filesystem
 * and every variant this build and kernel support. */
void add_variants(const char *name, GTestFunc fn)
{
    static const struct { const char *label, *aio; bool direct; } vs[] = {
        { "threads/", "threads", false },
        { "threads-direct/", "threads", true },
#ifdef CONFIG_LINUX_IO_URING
        { "io_uring/", "io_uring", false },
        { "io_uring-direct/", "io_uring", true },
#endif
    };

    for (size_t i = 0; i < G_N_ELEMENTS(vs); i++) {
        if (!strcmp(vs[i].aio, "io_uring") && !have_io_uring) {
            continue;
        }
        add_case(vs[i].label, name, vs[i].aio, vs[i].direct, fn);
    }
}

/* Is io_uring usable here (kernel, seccomp, sysctl)? */
static bool io_uring_works(void)
{
#ifdef CONFIG_LINUX_IO_URING
    g_autofree char *path = make_file("probe.img", 4096, 0);
    Error *err = NULL;
    BlockDriverState *bs = open_fmt(&err, "{\"driver\": \"file\", "
                                    "\"node-name\": \"probe\", "
                                    "\"filename\": \"%s\", "
                                    "\"aio\": \"io_uring\"}", path);

    if (!bs) {
        g_printerr("# io_uring unusable: %s\n", error_get_pretty(err));
        error_free(err);
        return false;
    }
    delete_node("probe");
    return true;
#else
    return false;
#endif
}

/* Remove @dir and the files the cases left in it. */
static void remove_test_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        unlink(path);
    }
    rmdir(dir);
}

void block_test_init(int *argc, char ***argv, const char *prog)
{
    g_test_init(argc, argv, NULL);
    qemu_init_main_loop(&error_abort);
    for (size_t i = 0; i < G_N_ELEMENTS(test_fses); i++) {
        g_autofree char *leaf = g_strdup_printf("%s-XXXXXX", prog);
        g_autofree char *tmpl = g_build_filename(test_fses[i].base, leaf,
                                                 NULL);

        if (mkdtemp(tmpl)) {
            test_fses[i].dir = g_steal_pointer(&tmpl);
        } else {
            g_printerr("# no scratch directory under %s: %s\n",
                       test_fses[i].base, g_strerror(errno));
        }
    }
    /* The disk must be there; the probe runs in its directory. */
    g_assert_nonnull(test_fses[0].dir);
    test_dir = test_fses[0].dir;
    have_io_uring = io_uring_works();
    test_dir = NULL;
    if (!have_io_uring) {
        g_test_add_func("/block/file/io_uring/unavailable",
                        test_io_uring_unavailable);
    }
}

int block_test_run(void)
{
    int ret = g_test_run();

    for (size_t i = 0; i < G_N_ELEMENTS(test_fses); i++) {
        if (test_fses[i].dir) {
            remove_test_dir(test_fses[i].dir);
            g_free(test_fses[i].dir);
            test_fses[i].dir = NULL;
        }
    }
    return ret;
}
