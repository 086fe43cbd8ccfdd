/* Exceptions and interrupts through the 64-bit IDT: a #DF (a #GP whose gate is not present)
   and an NMI (from the local APIC) taken on their IST stacks, an IST stack for #BP at the
   same privilege level, the frames they push, error codes of the exceptions that have one
   (#GP and #NP for selectors, #UD, #DE), and interrupt vs trap gates. (Faults on IDT gates
   themselves, where QEMU 7.2 reports the gate's byte offset instead of its index, are in
   gates64.) */
#include "lib.h"

#define APIC 0xFEE00000ul
static void apic_wr(u32 off, u32 v) { *(volatile u32 *)(APIC + off) = v; }

struct seen { u64 count, err, cs, ss, rsp, rflags, frame_top, rip; };
static volatile struct seen df, nmi, bp;
u64 df_recover;   /* set by the asm of double_fault() */

static void record(volatile struct seen *s, frame_t *f) {
  s->count++;
  s->err = f->error_code;
  s->cs = f->cs;
  s->ss = f->ss;
  s->rsp = f->rsp;
  s->rflags = f->rflags;
  s->rip = f->rip;
  s->frame_top = (u64)&f->ss + 8;   /* just above the CPU's frame: the stack it switched to */
}

static void on_df(frame_t *f) {
  record(&df, f);
  f->rip = df_recover;              /* #DF's saved RIP is undefined (an abort): go on elsewhere */
}
static void on_nmi(frame_t *f) { record(&nmi, f); }
static void on_bp(frame_t *f) { record(&bp, f); }

static const char *stack_name(u64 top) {
  if (top == (u64)boot64_ist1_top) return "IST1";
  if (top == (u64)boot64_ist2_top) return "IST2";
  if (top == (u64)boot64_ist3_top) return "IST3";
  if (top > (u64)boot64_stack_top - BOOT64_STACK_BYTES && top <= (u64)boot64_stack_top) return "the kernel stack";
  return "somewhere else";
}

static u64 if_in_handler;
static void on_gate_test(frame_t *f) { (void)f; if_in_handler = (read_rflags() >> 9) & 1; }

static void show(const char *what) {
  if (!last_trap.count) { printf("%s: no fault\n", what); return; }
  printf("%s: vec=%02lx err=%04lx at+%ld\n", what, last_trap.vector, last_trap.err, (s64)(last_trap.rip - try_start));
}

static void tables(void) {
  printf("tss ist1..3 set: %u %u %u, rsp0 set: %u\n", boot64_tss.ist[1] == (u64)boot64_ist1_top,
         boot64_tss.ist[2] == (u64)boot64_ist2_top, boot64_tss.ist[3] == (u64)boot64_ist3_top, boot64_tss.rsp[0] == (u64)boot64_rsp0_top);
  printf("gate ist: nmi=%u df=%u mc=%u pf=%u\n", boot64_idt[2].ist, boot64_idt[8].ist, boot64_idt[18].ist, boot64_idt[14].ist);
  u16 tr;
  __asm__ volatile("str %0" : "=r"(tr));
  printf("tr=%04x\n", tr);
}

static void double_fault(void) {
  trap_hooks[8] = on_df;
  u8 saved = boot64_idt[13].type_attr;
  boot64_idt[13].type_attr &= 0x7F;                    /* #GP's gate not present */
  u64 rsp_before;
  __asm__ volatile("mov %%rsp, %0\n\tlea 1f(%%rip), %%rax\n\tmov %%rax, df_recover(%%rip)\n\tmov $0xFFF8, %%eax\n\tmov %%eax, %%ds\n1:"
                   : "=&r"(rsp_before) :: "rax", "memory");
  boot64_idt[13].type_attr = saved;
  trap_hooks[8] = 0;
  printf("#DF: count=%lu err=%lx cs=%04lx ss=%04lx on %s, old rsp kept: %u\n", df.count, df.err, df.cs, df.ss,
         stack_name(df.frame_top), df.rsp == rsp_before);
  u16 ds;
  __asm__ volatile("mov %%ds, %0" : "=r"(ds));
  printf("ds after the faulting load: %04x\n", ds);
}

static void nmi_on_ist(void) {
  trap_hooks[2] = on_nmi;
  apic_wr(0xF0, 0x1FF);                                /* APIC software-enabled, spurious 0xFF */
  apic_wr(0x310, 0);
  apic_wr(0x300, 0x40400);                             /* NMI to self */
  for (volatile int i = 0; i < 1000 && !nmi.count; i++) {}
  trap_hooks[2] = 0;
  printf("NMI: count=%lu cs=%04lx ss=%04lx on %s, IF was %lu\n", nmi.count, nmi.cs, nmi.ss, stack_name(nmi.frame_top), (nmi.rflags >> 9) & 1);
}

static void bp_on_ist(void) {
  trap_hooks[3] = on_bp;
  idt_set_ist(3, 3);
  u64 rsp_before;
  __asm__ volatile("mov %%rsp, %0\n\tint3" : "=r"(rsp_before) :: "memory");
  printf("#BP with IST3: on %s, old rsp kept: %u, ss=%04lx\n", stack_name(bp.frame_top), bp.rsp == rsp_before, bp.ss);
  idt_set_ist(3, 0);
  bp.count = 0;
  __asm__ volatile("mov %%rsp, %0\n\tint3" : "=r"(rsp_before) :: "memory");
  printf("#BP without IST: on %s, frame top at the old rsp rounded down to 16: %u\n", stack_name(bp.frame_top), bp.frame_top == (rsp_before & ~15ul));
  trap_hooks[3] = 0;
}

static void error_codes(void) {
  trap_clear();
  TRY("mov $0xFFF8, %%eax\n\tmov %%eax, %%es", : : "rax", "memory");
  show("mov es, 0xfff8 (beyond the GDT limit)");
  boot64_gdt[BOOT64_GDT_FREE] = 0x00CF13000000FFFFul;  /* data, not present */
  trap_clear();
  TRY("mov %0, %%es", : "r"((u32)(BOOT64_GDT_FREE << 3)) : "memory");
  show("mov es, not-present data segment");
  trap_clear();
  TRY("mov %0, %%ss", : "r"((u32)(BOOT64_GDT_FREE << 3) | 3) : "memory");
  show("mov ss, selector with RPL 3");
  trap_clear();
  TRY("ud2", : : "memory");
  show("ud2");
  trap_clear();
  TRY("xor %%edx, %%edx\n\tmov $1, %%eax\n\tmov $0, %%ecx\n\tdiv %%rcx", : : "rax", "rcx", "rdx", "memory");
  show("div by zero");
  trap_clear();
  TRY("mov $0x8000000000000000, %%rax\n\tcqo\n\tmov $-1, %%rcx\n\tidiv %%rcx", : : "rax", "rcx", "rdx", "memory");
  show("idiv overflow");
}

static void gate_types(void) {
  trap_hooks[0x40] = on_gate_test;
  __asm__ volatile("sti\n\tint $0x40\n\tcli" ::: "memory");
  printf("int 0x40 through an interrupt gate: IF in the handler=%lu\n", if_in_handler);
  boot64_idt[0x40].type_attr = 0x8F;
  __asm__ volatile("sti\n\tint $0x40\n\tcli" ::: "memory");
  printf("int 0x40 through a trap gate: IF in the handler=%lu\n", if_in_handler);
  trap_hooks[0x40] = 0;
}

void kmain(void) {
  tables();
  double_fault();
  nmi_on_ist();
  bp_on_ist();
  error_codes();
  gate_types();
  printf("done\n");
}
