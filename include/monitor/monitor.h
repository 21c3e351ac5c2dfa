/*
 * The QMP monitor.
 *
 * A monitor serves QMP on a chardev: each client gets the greeting, must
 * negotiate capabilities with qmp_capabilities, then sends commands that
 * are answered in order; negotiated clients also receive events. Commands
 * of one client run one after the other in a coroutine of that client, so
 * a command that waits (block_resize, block-export-del ...) does not hold
 * up other monitors.
 *
 * Threading: main thread only.
 *
 * Start-up and shutdown order for the CLI:
 *     monitor_init_globals();            before anything that can emit
 *                                        events (exports)
 *     monitor_new_from_opts(opts, errp)  for each --monitor
 *     ... main loop (system/runstate.h) ...
 *     blk_exp_close_all();               emits BLOCK_EXPORT_DELETED
 *     monitor_cleanup();                 flushes replies/events, closes
 *     qemu_chr_delete_all();             removes socket files
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include "qemu/osdep.h"
#include "qemu/qdict.h"
#include "qapi/qmp/dispatch.h"

typedef struct Error Error;

/*
 * Register the QMP commands and the BLOCK_EXPORT_DELETED notifier
 * (blk_exp_set_deleted_notifier). Idempotent.
 */
void monitor_init_globals(void);

/*
 * --monitor [chardev=]name[,id=...][,mode=control][,pretty=on|off].
 * @opts is consumed; scalars may be typed (JSON) or strings (keyval).
 * Errors: "Parameter 'chardev' is missing", "chardev \"%s\" not found",
 * "Only QMP is supported" (mode=readline), "Device '%s' is in use",
 * unexpected parameters. Calls monitor_init_globals() if needed.
 */
bool monitor_new_from_opts(JsonObject *opts, Error **errp);

/* The command table dispatch uses (for query-commands). */
const QmpCommandList *monitor_qmp_commands(void);

/*
 * At exit: send what is queued for clients (waiting up to a second),
 * disconnect them and free the monitors. Sessions whose command is still
 * running are abandoned (their memory is not freed).
 */
void monitor_cleanup(void);

#endif /* MONITOR_MONITOR_H */
