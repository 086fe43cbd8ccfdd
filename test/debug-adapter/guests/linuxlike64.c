/* A 64-bit test kernel holding Linux's own data structures, laid out as Linux 6.x lays them
   out, so the debugger's Linux-aware parts can be checked against what the kernel itself says
   on the serial port: per-CPU variables reached through GS base (pcpu_hot.current_task, a
   __per_cpu_offset table, one area per CPU), the task list (init_task.tasks, a list_head
   embedded in task_struct, `__state`, `pid`, `comm`), and the printk ring buffer (a
   descriptor ring, an info array and a text data ring, records wrapping around both). Every
   record it logs goes to the serial port too, formatted as the kernel's console does, and it
   prints the task list and `current` as it sees them through %gs.
   Also: a bitfield, a union, a flexible array member and a function pointer, for the
   Variables view. Built -O2 -g. Written from the layouts' definitions; no kernel code. */
#include "boot64.h"

typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

static inline void outb(unsigned short port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static void put(char c) { outb(0x3f8, (u8)c); }
static void put_str(const char *s) { while (*s) put(*s++); }
static void put_dec(u64 v, int width, char pad) {
  char b[24]; int n = 0;
  do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n < width) b[n++] = pad;
  while (n) put(b[--n]);
}
static void put_hex(u64 v) {
  put_str("0x");
  for (int i = 60; i >= 0; i -= 4) put("0123456789abcdef"[(v >> i) & 15]);
}
static void copy(void *d, const void *s, u64 n) { u8 *a = d; const u8 *b = s; while (n--) *a++ = *b++; }
static u64 length(const char *s) { u64 n = 0; while (s[n]) n++; return n; }

/* ---- the task list ---- */
struct list_head { struct list_head *next, *prev; };

struct task_struct {
  unsigned int __state;
  void *stack;
  int on_cpu;
  unsigned int flags;
  unsigned sched_reset_on_fork : 1;
  unsigned sched_contributes_to_load : 1;
  unsigned in_iowait : 1;
  struct list_head tasks;
  int exit_state;
  int pid;
  int tgid;
  struct task_struct *real_parent;
  char comm[16];
  void (*worker)(void);
};

#define TASK_RUNNING 0x0000
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NOLOAD 0x0400
#define TASK_IDLE (TASK_UNINTERRUPTIBLE | TASK_NOLOAD)

void on_trap(struct boot64_frame *f) { (void)f; }

__attribute__((noinline)) void kthread_worker_fn(void) { __asm__ volatile(""); }

struct task_struct init_task = { .__state = TASK_RUNNING, .pid = 0, .tgid = 0, .comm = "swapper/0",
                                 .tasks = { &init_task.tasks, &init_task.tasks } };
struct task_struct task_pool[4];

static void list_add_tail(struct list_head *n, struct list_head *head) {
  n->prev = head->prev; n->next = head;
  head->prev->next = n; head->prev = n;
}

static struct task_struct *spawn(int slot, int pid, const char *comm, unsigned state, struct task_struct *parent) {
  struct task_struct *t = &task_pool[slot];
  t->__state = state; t->pid = pid; t->tgid = pid; t->real_parent = parent;
  copy(t->comm, comm, length(comm) + 1);
  t->sched_contributes_to_load = state == TASK_UNINTERRUPTIBLE;
  list_add_tail(&t->tasks, &init_task.tasks);
  return t;
}

/* ---- per-CPU data: a template section, one copy per CPU, GS base = this CPU's offset ---- */
#define NR_CPUS 2
#define DEFINE_PER_CPU(type, name) __attribute__((section(".data..percpu"))) type name
struct pcpu_hot {
  union {
    struct {
      struct task_struct *current_task;
      int preempt_count;
      int cpu_number;
    };
    u8 pad[64];
  };
};
DEFINE_PER_CPU(struct pcpu_hot, pcpu_hot);
DEFINE_PER_CPU(u64, irq_count);
extern char __per_cpu_start[], __per_cpu_end[];
u64 __per_cpu_offset[NR_CPUS];
static u8 percpu_areas[NR_CPUS][4096] __attribute__((aligned(4096)));

#define this_cpu_write8(var, v) __asm__ volatile("movq %0, %%gs:%c1" : : "r"((u64)(v)), "i"(&(var)) : "memory")
#define this_cpu_read8(var) ({ u64 r_; __asm__ volatile("movq %%gs:%c1, %0" : "=r"(r_) : "i"(&(var))); r_; })
static struct task_struct *get_current(void) { return (struct task_struct *)this_cpu_read8(pcpu_hot.current_task); }
#define current get_current()

static void setup_per_cpu_areas(void) {
  for (int cpu = 0; cpu < NR_CPUS; cpu++) {
    copy(percpu_areas[cpu], __per_cpu_start, (u64)(__per_cpu_end - __per_cpu_start));
    __per_cpu_offset[cpu] = (u64)percpu_areas[cpu] - (u64)__per_cpu_start;
  }
  u64 base = __per_cpu_offset[0];
  __asm__ volatile("wrmsr" : : "c"(0xc0000101u), "a"((u32)base), "d"((u32)(base >> 32)));   /* IA32_GS_BASE */
}

/* ---- the printk ring buffer ---- */
struct dev_printk_info { char subsystem[16]; char device[48]; };
struct printk_info {
  u64 seq;
  u64 ts_nsec;
  u16 text_len;
  u8 facility;
  u8 flags : 5;
  u8 level : 3;
  u32 caller_id;
  struct dev_printk_info dev_info;
};
typedef struct { long counter; } atomic_long_t;
struct prb_data_blk_lpos { unsigned long begin; unsigned long next; };
struct prb_desc { atomic_long_t state_var; struct prb_data_blk_lpos text_blk_lpos; };
struct prb_data_ring { unsigned int size_bits; char *data; atomic_long_t head_lpos; atomic_long_t tail_lpos; };
struct prb_desc_ring {
  unsigned int count_bits;
  struct prb_desc *descs;
  struct printk_info *infos;
  atomic_long_t head_id;
  atomic_long_t tail_id;
  atomic_long_t last_finalized_id;
};
struct printk_ringbuffer { struct prb_desc_ring desc_ring; struct prb_data_ring text_data_ring; atomic_long_t fail; };

#define DESC_COUNT_BITS 4
#define TEXT_SIZE_BITS 9
#define DESCS (1u << DESC_COUNT_BITS)
#define TEXT_SIZE (1ul << TEXT_SIZE_BITS)
#define SV_SHIFT 62
#define ID_MASK ((1ul << SV_SHIFT) - 1)
#define DESC_FINALIZED 2ul
#define DESC_REUSABLE 3ul
static struct prb_desc rb_descs[DESCS];
static struct printk_info rb_infos[DESCS];
static char rb_text[TEXT_SIZE] __attribute__((aligned(8)));
struct printk_ringbuffer printk_rb_static = {
  .desc_ring = { .count_bits = DESC_COUNT_BITS, .descs = rb_descs, .infos = rb_infos,
                 .head_id = { ID_MASK }, .tail_id = { ID_MASK } },
  .text_data_ring = { .size_bits = TEXT_SIZE_BITS, .data = rb_text },
};
struct printk_ringbuffer *prb = &printk_rb_static;
static u64 next_seq;

static void drop_tail(void) {
  struct prb_desc_ring *r = &prb->desc_ring;
  struct prb_desc *d = &r->descs[r->tail_id.counter % DESCS];
  d->state_var.counter = (long)((DESC_REUSABLE << SV_SHIFT) | (u64)r->tail_id.counter);
  r->tail_id.counter = (long)(((u64)r->tail_id.counter + 1) & ID_MASK);
  prb->text_data_ring.tail_lpos.counter = (long)r->descs[r->tail_id.counter % DESCS].text_blk_lpos.begin;
}

/* Appends a finalized record: a descriptor, its info, and a data block holding the id then the text. */
__attribute__((noinline)) void log_store(int level, const char *text) {
  struct prb_desc_ring *r = &prb->desc_ring;
  struct prb_data_ring *t = &prb->text_data_ring;
  u64 len = length(text);
  u64 id = ((u64)r->head_id.counter + 1) & ID_MASK;
  if (((u64)r->tail_id.counter & ID_MASK) == ID_MASK && r->descs[ID_MASK % DESCS].state_var.counter == 0) {
    r->tail_id.counter = (long)id;    /* the first record */
  } else if (id - (u64)r->tail_id.counter >= DESCS) drop_tail();
  u64 size = (sizeof(long) + len + 7) & ~7ul;
  u64 begin = (u64)t->head_lpos.counter, next, at;
  /* A block that would reach the end of the ring starts over at 0 (as the kernel places them). */
  if (begin % TEXT_SIZE + size >= TEXT_SIZE) { next = (begin / TEXT_SIZE + 1) * TEXT_SIZE + size; at = 0; }
  else { next = begin + size; at = begin % TEXT_SIZE; }
  /* Records whose data the new block overwrites leave the ring first. */
  while ((u64)r->tail_id.counter != id && r->descs[r->tail_id.counter % DESCS].text_blk_lpos.begin + TEXT_SIZE < next) drop_tail();
  *(u64 *)&t->data[at] = id;
  copy(&t->data[at + sizeof(long)], text, len);
  t->head_lpos.counter = (long)next;
  struct prb_desc *d = &r->descs[id % DESCS];
  struct printk_info *info = &r->infos[id % DESCS];
  d->text_blk_lpos.begin = begin; d->text_blk_lpos.next = next;
  info->seq = next_seq++;
  info->ts_nsec = 1000000ull + info->seq * 123456789ull;
  info->text_len = (u16)len; info->level = (u8)level; info->facility = 0; info->flags = 0;
  info->caller_id = 0x80000000u;
  d->state_var.counter = (long)((DESC_FINALIZED << SV_SHIFT) | id);
  r->head_id.counter = (long)id;
  r->last_finalized_id.counter = (long)id;
  /* The console's line: [seconds.microseconds] text */
  put('['); put_dec(info->ts_nsec / 1000000000ull, 5, ' '); put('.'); put_dec(info->ts_nsec % 1000000000ull / 1000, 6, '0'); put_str("] ");
  put_str(text); put('\n');
}

/* ---- values for the Variables view ---- */
struct message { u32 len; char text[]; };
union word { u64 q; u32 d[2]; u8 b[8]; };
static u8 message_store[32] __attribute__((aligned(8)));

__attribute__((noinline)) u64 schedule_point(struct task_struct *next) {
  this_cpu_write8(pcpu_hot.current_task, next);
  return (u64)next->pid; /* @schedule-point */
}

static const char *const boot_lines[] = {
  "Linux version 6.1.0-linuxlike64 (paravirt test kernel)",
  "Command line: console=ttyS0",
  "x86/fpu: x87 FPU will use FXSAVE",
  "BIOS-provided physical RAM map:",
  "printk: log_buf_len: 512 bytes",
  "Memory: 65536K available",
  "rcu: Hierarchical RCU implementation.",
  "NR_IRQS: 4352, nr_irqs: 256, preallocated irqs: 16",
  "Console: colour dummy device 80x25",
  "Calibrating delay loop... 2000.00 BogoMIPS",
  "pid_max: default: 32768 minimum: 301",
  "Mount-cache hash table entries: 512",
  "smpboot: CPU0: paravirt x86-64",
  "devtmpfs: initialized",
  "clocksource: jiffies: mask: 0xffffffff",
  "NET: Registered PF_NETLINK/PF_ROUTE protocol family",
  "thermal_sys: Registered thermal governor 'step_wise'",
  "PCI: Using configuration type 1 for base access",
  "SCSI subsystem initialized",
  "Freeing unused kernel image memory: 2048K",
  "Run /init as init process",
};

void kmain(unsigned int magic, unsigned long info) {
  (void)magic; (void)info;
  setup_per_cpu_areas();
  this_cpu_write8(pcpu_hot.current_task, &init_task);
  struct task_struct *init = spawn(0, 1, "init", TASK_INTERRUPTIBLE, &init_task);
  struct task_struct *kthreadd = spawn(1, 2, "kthreadd", TASK_INTERRUPTIBLE, &init_task);
  struct task_struct *kworker = spawn(2, 5, "kworker/0:0", TASK_IDLE, kthreadd);
  struct task_struct *blocked = spawn(3, 7, "jbd2/sda1-8", TASK_UNINTERRUPTIBLE, kthreadd);
  kworker->worker = kthread_worker_fn;
  /* CPU 1 runs kthreadd (its area written directly, as another CPU would). */
  ((struct pcpu_hot *)((u8 *)&pcpu_hot + __per_cpu_offset[1]))->current_task = kthreadd;
  ((struct pcpu_hot *)((u8 *)&pcpu_hot + __per_cpu_offset[1]))->cpu_number = 1;
  for (unsigned i = 0; i < sizeof boot_lines / sizeof boot_lines[0]; i++) log_store(i % 3 == 2 ? 4 : 6, boot_lines[i]);

  struct message *m = (struct message *)message_store;
  m->len = 5; copy(m->text, "hello", 6);
  volatile union word w = { .q = 0x1122334455667788ull };
  put_str("tasks:\n");
  struct task_struct *t = &init_task;
  do {
    put_dec((u64)t->pid, 0, ' '); put(' '); put_dec(t->__state, 0, ' '); put(' '); put_str(t->comm); put('\n');
    t = (struct task_struct *)((u8 *)t->tasks.next - __builtin_offsetof(struct task_struct, tasks));
  } while (t != &init_task);
  u64 pid = schedule_point(init);
  put_str("current "); put_hex((u64)current); put(' '); put_dec(pid, 0, ' '); put(' '); put_str(current->comm); put('\n');
  put_str("message "); put_str(m->text); put(' '); put_hex(w.q); put('\n');
  (void)blocked;
  outb(0xf4, 0); /* @linuxlike-exit */
}
