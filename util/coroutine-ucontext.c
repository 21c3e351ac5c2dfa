/*
 * Coroutine backend: makecontext() once to set up each stack, then
 * sigsetjmp()/siglongjmp() (without signal mask save) for every switch.
 *
 * Stacks come from mmap() with a PROT_NONE guard page below them, so an
 * overflow faults instead of silently corrupting the neighbour.
 *
 * Under AddressSanitizer (CONFIG_ASAN) every switch is announced with
 * __sanitizer_start_switch_fiber() / __sanitizer_finish_switch_fiber(),
 * otherwise ASan reports false positives for the foreign stacks.
 */
#include "qemu/osdep.h"
#include "qemu/coroutine_int.h"

#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>

#ifdef CONFIG_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
/*
 * A coroutine that terminates gives up its ASan fake stack, but when the
 * pool hands it out again it resumes inside qemu_coroutine_switch(): the
 * frames live across that switch must therefore be on the real stack
 * (matters with ASAN_OPTIONS=detect_stack_use_after_return=1).
 */
#define COROUTINE_NO_ASAN __attribute__((no_sanitize_address))
#else
#define COROUTINE_NO_ASAN
#endif

/* Enough for the block layer's deepest call chains; untouched pages of
 * the mapping never become resident. */
#define COROUTINE_STACK_SIZE (1u << 20)

typedef struct CoroutineUContext {
    Coroutine base;
    void *map;              /* mmap()ed region: guard page + stack */
    size_t map_size;
    void *stack;            /* lowest usable address of the stack */
    size_t stack_size;
    sigjmp_buf env;         /* where to resume this coroutine */
    sigjmp_buf *init_env;   /* creator's env, only during qemu_coroutine_new() */
    bool leader;            /* the thread's own stack, not an mmap()ed one */
#ifdef CONFIG_ASAN
    void *fake_stack;       /* ASan fake stack saved while switched out */
    void *creator_fake_stack;
    /* Stack of whoever entered us last: where a yield goes back to. */
    const void *caller_stack;
    size_t caller_stack_size;
#endif
} CoroutineUContext;

/*
 * Per-thread state. A coroutine may be resumed in a different thread than
 * the one it yielded in, and the compiler is entitled to cache the address
 * of a thread-local across a call; so every access goes through a
 * non-inlined function that recomputes it.
 */
static __thread CoroutineUContext tls_leader;
static __thread Coroutine *tls_current;

static __attribute__((noinline)) Coroutine *get_current(void)
{
    __asm__ __volatile__("" ::: "memory");
    return tls_current;
}

static __attribute__((noinline)) void set_current(Coroutine *co)
{
    __asm__ __volatile__("" ::: "memory");
    tls_current = co;
}

static __attribute__((noinline)) CoroutineUContext *get_leader(void)
{
    __asm__ __volatile__("" ::: "memory");
    tls_leader.leader = true;
    return &tls_leader;
}

/* The calling thread's pseudo-coroutine (its own stack). */
Coroutine *qemu_coroutine_leader(void)
{
    return &get_leader()->base;
}

/* The running coroutine, or NULL on a thread's own stack. */
Coroutine *qemu_coroutine_self(void)
{
    return get_current();
}

/* True when called from a coroutine. */
bool qemu_in_coroutine(void)
{
    return get_current() != NULL;
}

static inline COROUTINE_NO_ASAN void start_switch(CoroutineUContext *from,
                                CoroutineUContext *to,
                                CoroutineAction action)
{
#ifdef CONFIG_ASAN
    const void *bottom;
    size_t size;

    if (to->leader) {
        /* Only the coroutine that a thread entered switches back to it. */
        bottom = from->caller_stack;
        size = from->caller_stack_size;
    } else {
        bottom = to->stack;
        size = to->stack_size;
    }
    if (action == COROUTINE_TERMINATE) {
        /* Leaving for good: let ASan drop the fake stack. */
        from->fake_stack = NULL;
        __sanitizer_start_switch_fiber(NULL, bottom, size);
    } else {
        __sanitizer_start_switch_fiber(&from->fake_stack, bottom, size);
    }
#endif
}

static inline COROUTINE_NO_ASAN void finish_switch(CoroutineUContext *self,
                                 CoroutineAction action)
{
#ifdef CONFIG_ASAN
    const void *bottom;
    size_t size;

    __sanitizer_finish_switch_fiber(self->fake_stack, &bottom, &size);
    if (action == COROUTINE_ENTER) {
        self->caller_stack = bottom;
        self->caller_stack_size = size;
    }
#endif
}

/*
 * First code to run on a new stack. makecontext() only passes ints, so
 * the CoroutineUContext pointer arrives in two halves.
 */
static COROUTINE_NO_ASAN void coroutine_trampoline(int lo, int hi)
{
    uintptr_t addr = ((uintptr_t)(unsigned)hi << 32) | (unsigned)lo;
    CoroutineUContext *self = (CoroutineUContext *)addr;
    Coroutine *co = &self->base;
#ifdef CONFIG_ASAN
    const void *creator_stack;
    size_t creator_stack_size;

    __sanitizer_finish_switch_fiber(NULL, &creator_stack, &creator_stack_size);
#endif

    /* Record the resume point, then go straight back to the creator. */
    if (!sigsetjmp(self->env, 0)) {
#ifdef CONFIG_ASAN
        __sanitizer_start_switch_fiber(&self->fake_stack, creator_stack,
                                       creator_stack_size);
#endif
        siglongjmp(*self->init_env, 1);
    }

    /* Entered for real (COROUTINE_ENTER). */
    finish_switch(self, COROUTINE_ENTER);
    for (;;) {
        co->entry(co->entry_arg);
        /* The pool may hand us out again: then the switch returns here. */
        qemu_coroutine_switch(co, co->caller, COROUTINE_TERMINATE);
    }
}

/* See coroutine_int.h. */
Coroutine *qemu_coroutine_new(void)
{
    CoroutineUContext *co = g_new0(CoroutineUContext, 1);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    ucontext_t old_uc, uc;
    sigjmp_buf old_env;
    uintptr_t addr = (uintptr_t)co;

    co->map_size = COROUTINE_STACK_SIZE + page;
    co->map = mmap(NULL, co->map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    if (co->map == MAP_FAILED) {
        g_error("coroutine: cannot allocate a stack: %s", g_strerror(errno));
    }
    /* Guard page below the stack (stacks grow down on x86 and arm). */
    if (mprotect(co->map, page, PROT_NONE) < 0) {
        g_error("coroutine: cannot protect the guard page: %s",
                g_strerror(errno));
    }
    co->stack = (char *)co->map + page;
    co->stack_size = COROUTINE_STACK_SIZE;

    if (getcontext(&uc) < 0) {
        g_error("coroutine: getcontext failed: %s", g_strerror(errno));
    }
    uc.uc_link = NULL;              /* the trampoline never returns */
    uc.uc_stack.ss_sp = co->stack;
    uc.uc_stack.ss_size = co->stack_size;
    uc.uc_stack.ss_flags = 0;
    makecontext(&uc, (void (*)(void))coroutine_trampoline, 2,
                (int)(uint32_t)addr, (int)(uint32_t)(addr >> 32));

    co->init_env = &old_env;
    if (!sigsetjmp(old_env, 0)) {
#ifdef CONFIG_ASAN
        __sanitizer_start_switch_fiber(&co->creator_fake_stack, co->stack,
                                       co->stack_size);
#endif
        swapcontext(&old_uc, &uc);
    }
#ifdef CONFIG_ASAN
    __sanitizer_finish_switch_fiber(co->creator_fake_stack, NULL, NULL);
#endif
    co->init_env = NULL;
    return &co->base;
}

/* See coroutine_int.h. */
COROUTINE_NO_ASAN
CoroutineAction qemu_coroutine_switch(Coroutine *from_, Coroutine *to_,
                                      CoroutineAction action)
{
    CoroutineUContext *from = container_of(from_, CoroutineUContext, base);
    CoroutineUContext *to = container_of(to_, CoroutineUContext, base);
    int ret;

    set_current(to->leader ? NULL : to_);
    ret = sigsetjmp(from->env, 0);
    if (ret == 0) {
        start_switch(from, to, action);
        siglongjmp(to->env, action);
    }
    finish_switch(from, (CoroutineAction)ret);
    return (CoroutineAction)ret;
}

/* See coroutine_int.h. */
void qemu_coroutine_delete(Coroutine *co_)
{
    CoroutineUContext *co = container_of(co_, CoroutineUContext, base);

    assert(!co->leader);
#ifdef CONFIG_ASAN
    /* Frames that never returned left poisoned redzones: clear them so a
     * later mapping at this address does not inherit them. */
    __asan_unpoison_memory_region(co->stack, co->stack_size);
#endif
    munmap(co->map, co->map_size);
    g_free(co);
}
