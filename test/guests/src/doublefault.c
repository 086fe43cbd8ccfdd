/* The SDM's double-fault table: contributory + contributory gives #DF(0); a benign
   first event is followed by the second one handled serially. */
#include "lib.h"

static volatile u32 zero = 0;
static volatile u32 df_count, df_err;

/* #DF is an abort: the saved CS:EIP are undefined, so resume at a known place. */
static void df_hook(struct frame *f) {
  df_count++;
  df_err = f->err;
  f->eip = recover_eip;
  f->cs = KCODE;
  recover_eip = 0;
}

static void report(const char *what) {
  if (df_count) printf("%s: double fault err=%x\n", what, df_err);
  else trap_print(what);
  df_count = 0;
}

static void set_idt_limit(u16 limit) {
  struct { u16 limit; u32 base; } __attribute__((packed)) idtr = { limit, (u32)idt };
  __asm__ volatile("lidt %0" :: "m"(idtr));
}

void kmain(void) {
  trap_hooks[8] = df_hook;
  /* #DE whose gate is absent: #NP while delivering #DE, both contributory. */
  idt[0] &= ~(1ull << 47);
  trap_clear(); TRY("divl %0", : "r"(zero) : "eax", "edx"); report("#DE via absent gate");
  idt_set_default(0, 0x8E);
  /* #GP whose gate lies beyond the IDT limit: a second #GP while delivering it. */
  set_idt_limit(13 * 8 - 1);
  trap_clear(); TRY("movw %w0, %%ds", : "r"(0x1234) : "memory"); report("#GP beyond IDT limit");
  set_idt_limit(sizeof(idt) - 1);
  __asm__ volatile("movw %w0, %%ds" :: "r"(KDATA));
  /* Benign first: INT3 through an absent gate gives #NP(3*8+2), handled normally. */
  idt[3] &= ~(1ull << 47);
  trap_clear(); TRY("int3"); report("#BP via absent gate");
  idt_set_default(3, 0x8E);
  /* #NP (contributory) whose own gate is absent, raised by INT n: #DF. */
  idt[0x50] &= ~(1ull << 47);
  idt[11] &= ~(1ull << 47);
  trap_clear(); TRY("int $0x50"); report("#NP via absent gate");
  idt_set_default(11, 0x8E);
  trap_clear(); TRY("int $0x50"); report("#NP delivered");
  exit_guest(0);
}
