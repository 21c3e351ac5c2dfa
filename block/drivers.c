/*
 * The table of block drivers. Every driver is listed here once; a driver
 * that depends on an optional library is guarded by its CONFIG_* symbol.
 */
#include "qemu/osdep.h"
#include "block/block_int.h"

static const BlockDriver *const block_drivers[] = {
    &bdrv_blkdebug,
    &bdrv_file,
    &bdrv_null_co,
    &bdrv_null_aio,
    &bdrv_raw,
};

/* The names of block_drivers[], NULL-terminated. Read-only. */
static const char *const block_driver_names[] = {
    "blkdebug",
    "file",
    "null-co",
    "null-aio",
    "raw",
    NULL,
};

G_STATIC_ASSERT(G_N_ELEMENTS(block_driver_names) ==
                G_N_ELEMENTS(block_drivers) + 1);

/* The driver registered as @name, or NULL. */
const BlockDriver *bdrv_find_driver(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(block_drivers); i++) {
        if (!strcmp(block_drivers[i]->format_name, name)) {
            return block_drivers[i];
        }
    }
    return NULL;
}

const char *const *bdrv_driver_names(void)
{
    return block_driver_names;
}
