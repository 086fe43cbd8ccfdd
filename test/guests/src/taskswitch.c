/* Hardware task switches: JMP and CALL to a TSS descriptor, IRET back through the link
   field with NT, busy bits in the descriptors, registers saved in the outgoing TSS, CR0.TS
   set by a switch, INT n through a task gate, #GP for a call to a busy task, and a double
   fault delivered through a task gate. */
#include "lib.h"

enum { T_B = GDT_FREE, T_C, T_DF };
#define SEL(i) ((i) << 3)

static struct tss tss_b, tss_c, tss_df;
static u8 stack_b[4096] __attribute__((aligned(16))), stack_c[4096] __attribute__((aligned(16))),
          stack_df[4096] __attribute__((aligned(16)));
static volatile u32 b_tr, b_nt, b_link, b_runs, b_busy_a, b_busy_b, b_ts, b_gp, c_tr, c_nt, c_link, c_arg;

static u32 ar(u16 sel) { u32 a = 0; __asm__ volatile("larl %w1, %0" : "=r"(a) : "r"(sel) : "cc"); return (a >> 8) & 0xF; }
static u32 str(void) { u32 t = 0; __asm__ volatile("str %w0" : "=r"(t)); return t & 0xFFFF; }

static void task_b(void) {
  for (;;) {
    b_runs++;
    b_tr = str();
    b_nt = (read_eflags() >> 14) & 1;
    b_link = tss_b.link;
    b_busy_a = ar(TSS_SEL); b_busy_b = ar(SEL(T_B));
    b_ts = (read_cr0() >> 3) & 1;
    if (b_nt) {
      trap_clear();
      TRY("lcall %0, $0", : "i"(TSS_SEL) : "memory");
      b_gp = last_trap.count ? (last_trap.vector << 16) | last_trap.err : 0xFFFF;
      __asm__ volatile("iretl");          /* nested: back to the caller through the link */
    } else {
      __asm__ volatile("ljmp %0, $0" :: "i"(TSS_SEL) : "memory");
    }
  }
}

static void task_c(void) {
  for (;;) {
    c_tr = str();
    c_nt = (read_eflags() >> 14) & 1;
    c_link = tss_c.link;
    c_arg++;
    __asm__ volatile("iretl");
  }
}

static void task_df(void) {
  printf("double fault task: tr=%x link=%x nt=%x\n", str(), tss_df.link, (read_eflags() >> 14) & 1);
  exit_guest(0);
}

static void init_task(struct tss *t, void (*fn)(void), u8 *stack) {
  memset(t, 0, sizeof(*t));
  t->eip = (u32)fn; t->esp = (u32)stack + 4096; t->eflags = 2;
  t->cs = KCODE; t->ds = t->es = t->fs = t->gs = t->ss = KDATA;
  t->cr3 = read_cr3(); t->iomap = sizeof(*t);
}

void kmain(void) {
  init_task(&tss_b, task_b, stack_b);
  init_task(&tss_c, task_c, stack_c);
  init_task(&tss_df, task_df, stack_df);
  gdt_set(T_B, (u32)&tss_b, sizeof(tss_b) - 1, 0x89, 0);
  gdt_set(T_C, (u32)&tss_c, sizeof(tss_c) - 1, 0x89, 0);
  gdt_set(T_DF, (u32)&tss_df, sizeof(tss_df) - 1, 0x89, 0);
  printf("types before: a=%x b=%x\n", ar(TSS_SEL), ar(SEL(T_B)));

  write_cr0(read_cr0() & ~8u);
  __asm__ volatile("ljmp %0, $0" :: "i"(SEL(T_B)) : "memory");
  printf("jmp: b ran %u tr=%x nt=%x link=%x busy a=%x b=%x ts=%x\n", b_runs, b_tr, b_nt, b_link, b_busy_a, b_busy_b, b_ts);
  printf("  back in a: tr=%x types a=%x b=%x cr0.ts=%x\n", str(), ar(TSS_SEL), ar(SEL(T_B)), (read_cr0() >> 3) & 1);
  printf("  b's saved eip is in task_b: %s\n", tss_b.eip > (u32)task_b && tss_b.eip < (u32)task_b + 0x200 ? "yes" : "no");
  printf("  a's saved tss: cs=%x ss=%x ds=%x\n", tss.cs, tss.ss, tss.ds);

  __asm__ volatile("clts");
  __asm__ volatile("lcall %0, $0" :: "i"(SEL(T_B)) : "memory");
  printf("call: b ran %u tr=%x nt=%x link=%x busy a=%x b=%x\n", b_runs, b_tr, b_nt, b_link, b_busy_a, b_busy_b);
  printf("  call to busy task a from b: vec/err=%x\n", b_gp);
  printf("  back in a: tr=%x nt=%x types a=%x b=%x\n", str(), (read_eflags() >> 14) & 1, ar(TSS_SEL), ar(SEL(T_B)));

  idt_set(0x60, SEL(T_C), 0, 0x85);
  __asm__ volatile("int $0x60" ::: "memory");
  __asm__ volatile("int $0x60" ::: "memory");
  printf("task gate: c ran %u tr=%x nt=%x link=%x, types a=%x c=%x\n", c_arg, c_tr, c_nt, c_link, ar(TSS_SEL), ar(SEL(T_C)));

  /* #DE through an absent gate becomes #DF, delivered by a task gate to a fresh task. */
  idt_set(8, SEL(T_DF), 0, 0x85);
  idt[0] &= ~(1ull << 47);
  __asm__ volatile("xorl %%ecx, %%ecx\n\tdivl %%ecx" ::: "eax", "ecx", "edx");
  printf("no double fault\n");
  exit_guest(1);
}
