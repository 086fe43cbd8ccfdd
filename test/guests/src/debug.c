/* Debug exceptions (#DB, vector 1): single-stepping with EFLAGS.TF (a trap after each
   instruction, DR6.BS), TF set by POPF taking effect after the next instruction, the
   MOV SS interrupt shadow, hardware breakpoints through DR0-DR3/DR7 on
   execution (a fault: RF lets it go on), on data writes and reads (traps), DR6's B0-B3,
   and INT3 beside them. */
#include "lib.h"

static volatile u32 steps, step_eips[64], dr6s[64], rf_set;
static volatile u32 resume_stop;

static void db_hook(struct frame *f) {
  u32 dr6;
  __asm__ volatile("movl %%dr6, %0" : "=r"(dr6));
  if (steps < 64) { step_eips[steps] = f->eip; dr6s[steps] = dr6; }
  steps++;
  __asm__ volatile("movl %0, %%dr6" :: "r"(0u));
  if (resume_stop && f->eip == resume_stop) f->eflags &= ~F_TF;
  if (rf_set) f->eflags |= 0x10000;      /* RF: do not break again on this instruction */
}

extern char step_start[], step_end[], shadow_at[], shadow_next[], bp_here[], after_popf[];
static volatile u32 data_word, read_word = 5;

static void show(const char *what, u32 base) {
  printf("%s: %u traps", what, steps);
  for (u32 i = 0; i < steps && i < 12; i++) printf(" +%x/%04x", step_eips[i] - base, dr6s[i] & 0x600F);
  printf("\n");
  steps = 0;
}

void kmain(void) {
  trap_hooks[1] = db_hook;
  u32 dr6, dr7;
  __asm__ volatile("movl %%dr6, %0\n\tmovl %%dr7, %1" : "=r"(dr6), "=r"(dr7));
  printf("dr6 at start %08x dr7 %08x\n", dr6 & 0xFFFFEFFF, dr7);
  __asm__ volatile("movl %0, %%dr6" :: "r"(0u));
  __asm__ volatile("movl %%dr6, %0" : "=r"(dr6));
  printf("dr6 written 0 reads %08x\n", dr6 & 0xFFFFEFFF);

  /* TF: one trap after each instruction, starting after the one that follows the POPF
     setting it; the POPF clearing it still traps (TF was set when it began). */
  resume_stop = 0;
  __asm__ volatile(
    "pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n"
    "step_start:\n\t"
    "nop\n\tmovl $1, %%eax\n\taddl %%eax, %%eax\n\tjmp 1f\n\tud2\n1:\n\t"
    "pushfl\n\tandl $0xFFFFFEFF, (%%esp)\n\tpopfl\n"
    "step_end:\n\tnop" ::: "eax", "memory", "cc");
  show("single-step", (u32)step_start);

  /* MOV SS delays the trap past the next instruction. */
  __asm__ volatile(
    "pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\t"
    "movw %%ss, %%ax\n"
    "shadow_at:\n\tmovw %%ax, %%ss\n\tnop\n"
    "shadow_next:\n\tnop\n\t"
    "pushfl\n\tandl $0xFFFFFEFF, (%%esp)\n\tpopfl\n\tnop" ::: "eax", "memory", "cc");
  show("mov ss shadow", (u32)shadow_at);

  /* Execution breakpoint: a fault at the instruction; RF lets it execute on return. */
  rf_set = 1;
  __asm__ volatile("movl %0, %%dr0\n\tmovl %1, %%dr7" :: "r"(bp_here), "r"(0x00000001u));
  __asm__ volatile("nop\n\tnop\nbp_here:\n\tmovl $7, %%eax\n\tnop" ::: "eax");
  __asm__ volatile("movl %0, %%dr7" :: "r"(0u));
  show("execute breakpoint", (u32)bp_here);
  rf_set = 0;

  /* Data breakpoints: write-only on DR1 (4 bytes), read/write on DR2 (4 bytes); traps. */
  __asm__ volatile("movl %0, %%dr1\n\tmovl %1, %%dr2\n\tmovl %2, %%dr7" :: "r"(&data_word), "r"(&read_word),
                   "r"((1u << 2) | (1u << 4) | (0x1u << 20) | (0x3u << 22) | (0x3u << 24) | (0x3u << 26)));
  u32 v;
  data_word = 1;
  v = read_word;
  v += data_word;
  read_word = v;
  __asm__ volatile("movl %0, %%dr7" :: "r"(0u));
  printf("data breakpoints: %u traps, dr6 low:", steps);
  for (u32 i = 0; i < steps && i < 8; i++) printf(" %04x", dr6s[i] & 0x600F);
  printf(" value %u\n", v);
  steps = 0;

  /* INT3 is #BP (vector 3), not #DB. */
  trap_clear();
  TRY("int3");
  trap_print("int3");
  exit_guest(0);
}
