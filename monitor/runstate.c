/*
 * Shutdown requests (see include/system/runstate.h).
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qapi/qapi-events.h"
#include "system/runstate.h"

/*
 * Requested cause (SHUTDOWN_CAUSE_NONE: none): written by any thread or a
 * signal handler with a compare-and-swap, read by the main loop.
 */
static int shutdown_cause = SHUTDOWN_CAUSE_NONE;
/* The SHUTDOWN event was sent. Main thread only. */
static bool shutdown_event_sent;

static void shutdown_wakeup_bh(void *opaque)
{
    /* Nothing to do: running made aio_poll() return. */
}

void qemu_system_shutdown_request(ShutdownCause cause)
{
    int expected = SHUTDOWN_CAUSE_NONE;

    __atomic_compare_exchange_n(&shutdown_cause, &expected, (int)cause,
                                false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    /*
     * A BH rather than a bare aio_notify(): aio_poll() checks for BHs after
     * announcing that it is about to block, so the wakeup cannot be lost
     * between main_loop_should_exit() and the next aio_poll().
     */
    aio_bh_schedule_oneshot(qemu_get_aio_context(), shutdown_wakeup_bh, NULL);
}

ShutdownCause qemu_shutdown_requested_cause(void)
{
    return (ShutdownCause)qatomic_read(&shutdown_cause);
}

bool main_loop_should_exit(void)
{
    ShutdownCause cause = qemu_shutdown_requested_cause();

    if (cause == SHUTDOWN_CAUSE_NONE) {
        return false;
    }
    if (!shutdown_event_sent) {
        shutdown_event_sent = true;
        qapi_event_send_shutdown(false, cause);
    }
    return true;
}
