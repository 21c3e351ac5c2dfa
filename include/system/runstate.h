/*
 * Daemon run state: shutdown requests and the main loop's exit test.
 *
 * The CLI main loop does
 *     while (!main_loop_should_exit()) {
 *         aio_poll(qemu_get_aio_context(), true);
 *     }
 * and then tears down (exports, monitors, nodes). QMP "quit" and the
 * signal handlers request the shutdown; main_loop_should_exit() emits the
 * SHUTDOWN event once, so a quit reply is always sent before the event.
 */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include "qemu/osdep.h"
#include "qapi/qapi-types.h"

/*
 * Ask the main loop to exit with @cause (SHUTDOWN_CAUSE_HOST_QMP_QUIT,
 * SHUTDOWN_CAUSE_HOST_SIGNAL, ...). The first request wins. Any thread,
 * but not from a signal handler (it schedules a bottom half to wake the
 * main loop): handle signals with a signalfd or self-pipe fd handler on
 * the main AioContext and call this from there.
 */
void qemu_system_shutdown_request(ShutdownCause cause);

/*
 * Main thread: true once a shutdown was requested. The first call that
 * sees the request sends SHUTDOWN {"guest": false, "reason": cause}.
 */
bool main_loop_should_exit(void);

/* The cause of the requested shutdown, SHUTDOWN_CAUSE_NONE if none. */
ShutdownCause qemu_shutdown_requested_cause(void);

#endif /* SYSTEM_RUNSTATE_H */
