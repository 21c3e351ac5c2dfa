/*
 * Coroutine internals shared by the generic code (qemu-coroutine.c,
 * async.c) and the stack-switching backend (coroutine-ucontext.c).
 * Not for use outside util/.
 */
#ifndef QEMU_COROUTINE_INT_H
#define QEMU_COROUTINE_INT_H

#include "qemu/coroutine.h"

typedef enum CoroutineAction {
    COROUTINE_YIELD = 1,
    COROUTINE_TERMINATE = 2,
    COROUTINE_ENTER = 3,
} CoroutineAction;

struct Coroutine {
    CoroutineEntry *entry;
    void *entry_arg;
    /* Who entered us and gets control back on yield; NULL while not running. */
    Coroutine *caller;
    /* AioContext we run in; set on entry (see qemu_aio_coroutine_enter). */
    AioContext *ctx;
    /*
     * Non-NULL (the scheduler's name) from aio_co_schedule() until the
     * coroutine is entered by its context's BH. Written with atomics: any
     * thread may schedule.
     */
    const char *scheduled;
    /* Link in AioContext's list of scheduled coroutines (under its lock). */
    Coroutine *co_scheduled_next;
    /*
     * Coroutines of the same context that this coroutine woke while it was
     * running; they are entered, in order, right after it yields or
     * terminates. Only touched by the thread running this coroutine.
     */
    Coroutine *wakeup_head;
    Coroutine *wakeup_tail;
    Coroutine *wakeup_next;
    /* Link in the per-thread pool of free coroutines. */
    Coroutine *pool_next;
};

/*
 * Backend hooks (coroutine-ucontext.c).
 *
 * qemu_coroutine_new(): a coroutine with a fresh stack whose first switch
 * into it runs co->entry(co->entry_arg) and, when that returns, switches
 * back to co->caller with COROUTINE_TERMINATE; a terminated coroutine may
 * be reused (entered again with a new entry) without re-creation. Never
 * fails (aborts when out of memory, like g_malloc).
 *
 * qemu_coroutine_switch(): save @from, run @to; returns the action passed
 * by whoever switches back to @from. Updates the current coroutine.
 *
 * qemu_coroutine_delete(): free the stack and the struct; @co must not be
 * running.
 */
Coroutine *qemu_coroutine_new(void);
CoroutineAction qemu_coroutine_switch(Coroutine *from, Coroutine *to,
                                      CoroutineAction action);
void qemu_coroutine_delete(Coroutine *co);
/* The per-thread pseudo-coroutine that stands for the thread's own stack. */
Coroutine *qemu_coroutine_leader(void);

/*
 * Enter @co in @ctx (sets co->ctx) from the calling thread; then enter, in
 * order, the coroutines it woke. Aborts if @co is running or scheduled.
 */
void qemu_aio_coroutine_enter(AioContext *ctx, Coroutine *co);

/*
 * Queue @co to be entered right after the current coroutine yields or
 * terminates. Only from a coroutine running in @co's context's thread.
 */
void qemu_coroutine_queue_wakeup(Coroutine *co);

#endif /* QEMU_COROUTINE_INT_H */
