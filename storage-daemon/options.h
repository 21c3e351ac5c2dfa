/*
 * storage-daemon: the options that create objects (--blockdev, --chardev,
 * --export, --monitor, --object).
 *
 * Each option value is parsed into its QAPI schema type -- the same type
 * the matching QMP command takes -- and then applied by the same code the
 * QMP command runs. Values are key=value lists (keyval, with the option's
 * implied key) or, when they start with '{', one JSON object.
 *
 * Main thread only, after qemu_init_main_loop().
 */
#ifndef STORAGE_DAEMON_OPTIONS_H
#define STORAGE_DAEMON_OPTIONS_H

#include "qemu/osdep.h"

typedef struct Error Error;

/* Result of applying one option. */
typedef enum OptResult {
    OPT_OK,         /* applied, go on */
    OPT_EXIT,       /* help was printed to stdout: exit 0 */
    OPT_ERROR,      /* errp is set: exit 1 */
} OptResult;

/*
 * --blockdev: BlockdevOptions, implied key "driver"; as blockdev-add.
 * "help" lists the drivers, "<driver>,help" the driver's options.
 */
OptResult sd_opt_blockdev(const char *arg, Error **errp);

/*
 * --export: BlockExportOptions, implied key "type"; as block-export-add.
 * "help" lists the export types, "<type>,help" the type's options.
 */
OptResult sd_opt_export(const char *arg, Error **errp);

/*
 * --object: ObjectOptions, implied key "qom-type"; as object-add.
 * "help" lists the object types, "<type>,help" the type's properties.
 */
OptResult sd_opt_object(const char *arg, Error **errp);

/*
 * --chardev: ChardevOptions, implied key "backend"; creates the chardev.
 * "help" lists the backends, "<backend>,help" the backend's options.
 * @daemonize: --daemonize was given, so stdio is not available.
 */
OptResult sd_opt_chardev(const char *arg, bool daemonize, Error **errp);

/*
 * --monitor: MonitorOptions, implied key "chardev"; starts a monitor on
 * that chardev. Only mode=control (QMP) exists.
 */
OptResult sd_opt_monitor(const char *arg, Error **errp);

/*
 * -T/--trace [enable=]<pattern>,events=<file>,file=<file>: enable the
 * events named by <pattern> (a name or a glob; '-' in front disables)
 * and by each line of the events file, and write trace lines to <file>
 * instead of stderr. "help" lists the events (OPT_EXIT). Unlike the
 * other options it needs no main loop: it runs in the first pass.
 */
OptResult sd_opt_trace(const char *arg, Error **errp);

#endif /* STORAGE_DAEMON_OPTIONS_H */
