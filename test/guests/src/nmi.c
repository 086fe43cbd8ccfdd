/* NMIs from the local APIC: an ICR NMI to self is taken through vector 2 even with IF=0,
   the ICR's vector field is ignored, all-excluding-self reaches nobody on one CPU, and a
   second NMI sent from inside the NMI handler waits until the handler's IRET (NMI blocking),
   then arrives once; the same through a task gate, where the IRET that ends the NMI is the
   one that switches back to the interrupted task. Last, LINT0 programmed as NMI turns the
   8259's INTR (a PIT tick on IRQ 0) into an NMI. */
#include "lib.h"

#define APIC 0xFEE00000u
static void wr(u32 off, u32 v) { *(volatile u32 *)(APIC + off) = v; }
static u32 rd(u32 off) { return *(volatile u32 *)(APIC + off); }

static volatile u32 nmis, nested, in_nmi, resend, irr_seen;

static void on_nmi(struct frame *f) {
  (void)f;
  if (in_nmi) nested++;
  in_nmi = 1;
  nmis++;
  if (resend) {
    resend = 0;
    wr(0x300, 0x40400);                /* another NMI to self, from inside the handler */
    for (volatile int i = 0; i < 1000; i++) {}
  }
  in_nmi = 0;
}

enum { T_NMI = GDT_FREE };
#define SEL(i) ((i) << 3)
static struct tss tss_nmi;
static u8 stack_nmi[4096] __attribute__((aligned(16)));
static volatile u32 t_runs, t_tr, t_nt, t_resend, t_nested;
static u32 str(void) { u32 t = 0; __asm__ volatile("str %w0" : "=r"(t)); return t & 0xFFFF; }

static void task_nmi(void) {
  for (;;) {
    t_runs++;
    t_tr = str();
    t_nt = (read_eflags() >> 14) & 1;
    if (t_resend) {
      t_resend = 0;
      u32 before = t_runs;
      wr(0x300, 0x40400);
      for (volatile int i = 0; i < 1000; i++) {}
      if (t_runs != before) t_nested++;
    }
    __asm__ volatile("iretl");
  }
}

static void self_nmi(u32 low) { wr(0x310, 0); wr(0x300, low); for (volatile int i = 0; i < 100; i++) {} }

void kmain(void) {
  wr(0xF0, 0x1FF);
  trap_hooks[2] = on_nmi;
  __asm__ volatile("cli");
  self_nmi(0x40400);
  printf("self NMI with IF=0: %u\n", nmis);
  self_nmi(0x404EE);
  printf("vector field ignored: %u, IRR bit of 0xEE %u\n", nmis, (rd(0x200 + (0xEE >> 5) * 0x10) >> (0xEE & 31)) & 1);
  self_nmi(0x80400);
  printf("all including self: %u\n", nmis);
  self_nmi(0xC0400);
  printf("all excluding self: %u\n", nmis);
  wr(0x310, 0); self_nmi(0x00400);
  printf("physical destination 0: %u\n", nmis);
  nmis = 0; resend = 1;
  self_nmi(0x40400);
  printf("NMI sent inside the handler: %u taken, %u nested\n", nmis, nested);
  wr(0x280, 0);
  printf("ESR: %x\n", rd(0x280));

  memset(&tss_nmi, 0, sizeof(tss_nmi));
  tss_nmi.eip = (u32)task_nmi; tss_nmi.esp = (u32)stack_nmi + sizeof(stack_nmi); tss_nmi.eflags = 2;
  tss_nmi.cs = KCODE; tss_nmi.ds = tss_nmi.es = tss_nmi.fs = tss_nmi.gs = tss_nmi.ss = KDATA;
  tss_nmi.cr3 = read_cr3(); tss_nmi.iomap = sizeof(tss_nmi);
  gdt_set(T_NMI, (u32)&tss_nmi, sizeof(tss_nmi) - 1, 0x89, 0);
  idt_set(2, SEL(T_NMI), 0, 0x85);
  t_resend = 1;
  self_nmi(0x40400);
  printf("NMI through a task gate: the task ran %u times (%u nested), tr=%x nt=%x; back in tr=%x\n",
         t_runs, t_nested, t_tr, t_nt, str());

  idt_set_default(2, 0x8E);
  nmis = 0;
  pic_set_mask(0xFFFE);                  /* the PIT's IRQ 0 only */
  wr(0x350, 0x400);                      /* LINT0: NMI instead of ExtINT */
  for (u32 guard = 0; nmis == 0 && guard < 50000000; guard++) __asm__ volatile("nop");
  wr(0x350, 0x10700);
  pic_set_mask(0xFFFF);
  printf("LINT0 as NMI: an NMI from the 8259's INTR %s, IRQ 0 still in IRR (never acknowledged) %u\n",
         nmis ? "yes" : "no", pic_read_irr(0) & 1);
}
