/*
 * Shared scaffolding of the "file"/"raw" block unit tests
 * (test-block-file, test-block-file-meta): scratch directories on a disk
 * and a tmpfs, the aio/cache variants a case runs in, opening nodes from
 * JSON, and registration of cases as /block/file/<fs>/[<variant>/]<name>.
 *
 * Every case runs on two filesystems: a scratch directory under /var/tmp
 * (the disk) and one under /dev/shm (a tmpfs), with paths
 * /block/file/disk/... and /block/file/tmpfs/.... Where a filesystem
 * refuses something a case needs (O_DIRECT, SEEK_HOLE), the case is
 * skipped with a message naming the directory.
 *
 * Cases registered with add_variants() run in several variants (paths
 * /block/file/<fs>/<variant>/<case>): aio=threads and aio=io_uring, each
 * with and without cache.direct=on. A variant is applied to every "file"
 * node that a case opens through open_fmt() without its own "aio"/"cache".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_UNIT_BLOCK_TEST_UTIL_H
#define TESTS_UNIT_BLOCK_TEST_UTIL_H

#include "block/block_int.h"
#include "system/block-backend.h"

#define PERM_RW (BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE)

/* The scratch directory of the running case, NULL outside a case. Set by
 * the case runner (and by block_test_init() for the io_uring probe);
 * main thread only, read-only for the cases. */
extern const char *test_dir;

/* Set once in block_test_init(): can this build and kernel use io_uring? */
extern bool have_io_uring;

/* @name in the running case's scratch directory; the caller frees it. */
char *test_path(const char *name);

/* Create @name in the scratch directory with @size bytes of @fill (0: a
 * sparse file). Returns its path (caller frees); asserts on failure. */
char *make_file(const char *name, size_t size, int fill);

/* Read @len bytes at @off of @path behind the block layer's back. Returns
 * a buffer the caller frees; asserts on a short read. */
uint8_t *read_file(const char *path, off_t off, size_t len);

/* The size of @path according to stat(); asserts on failure. */
off_t file_size(const char *path);

/* Open a node from JSON text built with printf-style arguments, in the
 * current variant. NULL and *errp set on failure. */
BlockDriverState * G_GNUC_PRINTF(2, 3)
open_fmt(Error **errp, const char *fmt, ...);

/* Expect opening the JSON text (not in the variant) to fail with exactly
 * @expected; asserts otherwise. */
void G_GNUC_PRINTF(2, 3)
assert_open_error(const char *expected, const char *fmt, ...);

/* A new BlockBackend in the main context on @bs, asking for @perm and
 * sharing everything; the caller blk_unref()s it. */
BlockBackend *new_blk(BlockDriverState *bs, uint64_t perm);

/* blockdev-del of node @name; asserts that it succeeds. */
void delete_node(const char *name);

/* Open "file" @path as @node_name with cache.direct=on. Returns NULL and
 * marks the case skipped if the filesystem refuses O_DIRECT. */
BlockDriverState *open_direct(const char *node_name, const char *path);

/* Register @fn as /block/file/<fs>/<prefix><name> on every filesystem,
 * in variant @aio/@direct. */
void add_case(const char *prefix, const char *name, const char *aio,
              bool direct, GTestFunc fn);

/* Register @fn once per filesystem, in the default variant (threads,
 * no O_DIRECT): /block/file/<fs>/<name>. */
void add_plain(const char *name, GTestFunc fn);

/* Register @fn as /block/file/<fs>/<variant>/<name> for every filesystem
 * and every variant this build and kernel support. */
void add_variants(const char *name, GTestFunc fn);

/* Initialise GLib's test framework and the main loop, create the scratch
 * directories (named after @prog), probe io_uring and, if it cannot be
 * used, register /block/file/io_uring/unavailable (skipped). Call first
 * in main(). */
void block_test_init(int *argc, char ***argv, const char *prog);

/* Run the registered cases, then remove the scratch directories.
 * Returns g_test_run()'s result. */
int block_test_run(void);

#endif
