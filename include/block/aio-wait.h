/*
 * Waiting in the main loop for conditions that other threads change.
 */
#ifndef BLOCK_AIO_WAIT_H
#define BLOCK_AIO_WAIT_H

#include "qemu/aio.h"

/*
 * Wake the main loop so that AIO_WAIT_WHILE() re-checks its condition.
 * Call after changing a condition a waiter may depend on. Any thread.
 */
void aio_wait_kick(void);

/*
 * Poll the main loop's AioContext until @cond is false. Only in the main
 * thread outside coroutine context. Whoever makes @cond false from another
 * thread must call aio_wait_kick().
 */
#define AIO_WAIT_WHILE(cond) do {                                   \
        assert(qemu_in_main_thread() && !qemu_in_coroutine());      \
        while ((cond)) {                                            \
            aio_poll(qemu_get_aio_context(), true);                 \
        }                                                           \
    } while (0)

#endif /* BLOCK_AIO_WAIT_H */
