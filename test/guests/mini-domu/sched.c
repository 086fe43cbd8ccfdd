/* A cooperative scheduler as Mini-OS has: threads with their own stacks, switched by saving
   the callee-saved registers and the stack pointer; sleeping threads have a wakeup time;
   when nothing is runnable the idle thread blocks the vCPU (SCHEDOP_block) until the
   earliest wakeup, with a one-shot timer, so an idle domain costs nothing between timers. */
#include "mini-domu.h"

#define MAX_THREADS 8
#define STACK_SIZE (16 * 1024)

struct thread {
  const char *name;
  unsigned long sp;
  int runnable, exited;
  uint64_t wakeup;          /* 0: not sleeping */
  void (*fn)(void *);
  void *arg;
};

static struct thread threads[MAX_THREADS];
static char stacks[MAX_THREADS][STACK_SIZE] __attribute__((aligned(16)));
static int nthreads;
static struct thread *current;
unsigned long idle_blocks;

void switch_threads(unsigned long *prev_sp, unsigned long next_sp);
__asm__(
  ".text\n"
  "switch_threads:\n"
  "  push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n"
  "  mov %rsp, (%rdi)\n"
  "  mov %rsi, %rsp\n"
  "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n"
  "  ret\n");

struct thread *current_thread(void) { return current; }

static void thread_start(void) {
  local_irq_enable();
  current->fn(current->arg);
  current->exited = 1;
  current->runnable = 0;
  schedule();
  do_exit("an exited thread was scheduled");
}

struct thread *create_thread(const char *name, void (*fn)(void *), void *arg) {
  if (nthreads == MAX_THREADS) do_exit("too many threads");
  struct thread *t = &threads[nthreads];
  unsigned long *sp = (unsigned long *)(stacks[nthreads] + STACK_SIZE);
  nthreads++;
  *--sp = 0;                          /* keeps thread_start's frame 16-byte aligned */
  *--sp = (unsigned long)thread_start;
  for (int i = 0; i < 6; i++) *--sp = 0;
  *t = (struct thread){ .name = name, .sp = (unsigned long)sp, .runnable = 1, .fn = fn, .arg = arg };
  return t;
}

void wake_thread(struct thread *t) { t->wakeup = 0; t->runnable = 1; }

void schedule(void) {
  int was_disabled = irqs_disabled();
  local_irq_disable();
  uint64_t now = monotonic_clock();
  for (int i = 1; i < nthreads; i++)
    if (!threads[i].runnable && !threads[i].exited && threads[i].wakeup && threads[i].wakeup <= now) wake_thread(&threads[i]);
  /* Round robin over the threads after the current one; the idle thread (0) only when none is runnable. */
  int cur = (int)(current - threads);
  struct thread *next = &threads[0];
  for (int k = 1; k <= nthreads; k++) {
    int i = (cur + k) % nthreads;
    if (i != 0 && threads[i].runnable) { next = &threads[i]; break; }
  }
  if (next != current) {
    struct thread *prev = current;
    current = next;
    switch_threads(&prev->sp, next->sp);
  }
  if (!was_disabled) local_irq_enable();
}

void msleep(uint32_t ms) {
  current->wakeup = monotonic_clock() + (uint64_t)ms * 1000000;
  current->runnable = 0;
  schedule();
}

void block_current(void) {
  current->runnable = 0;
  schedule();
}

static void idle_thread(void *arg) {
  for (;;) {
    schedule();
    local_irq_disable();
    int runnable = 0;
    uint64_t until = monotonic_clock() + 10ULL * 1000000000;   /* nothing to wait for: 10 s */
    for (int i = 1; i < nthreads; i++) {
      if (threads[i].runnable) runnable = 1;
      else if (!threads[i].exited && threads[i].wakeup && threads[i].wakeup < until) until = threads[i].wakeup;
    }
    if (!runnable) {
      idle_blocks++;
      block_domain(until);
    }
    local_irq_enable();
  }
}

void init_sched(void) {
  create_thread("idle", idle_thread, 0);
  current = &threads[0];
  printk("sched: cooperative threads, idle by SCHEDOP_block\n");
}

void run_idle_thread(void) {
  static unsigned long boot_sp;
  current = &threads[0];
  switch_threads(&boot_sp, threads[0].sp);
  do_exit("returned to the boot stack");
}
