/* NMIs and HLT, and the exits a VT-x hypervisor sees for them (test/vmm/nmi-exits.test.ts
   reads this guest's exit log): an ICR NMI to self whose handler sends a second one, which
   waits for the handler's IRET and is taken on return to `nmi_ret`; then HLT with IF=0
   woken three times by NMIs from LINT0 (PIT ticks through the 8259, which the handler
   acknowledges by a poll and an EOI so that INTR can rise again). */
#include "lib.h"

#define APIC 0xFEE00000u
static void wr(u32 off, u32 v) { *(volatile u32 *)(APIC + off) = v; }

static volatile u32 nmis, resend, polled, nested, in_nmi;
extern u8 nmi_ret[];

static void on_nmi(struct frame *f) {
  (void)f;
  if (in_nmi) nested++;
  in_nmi = 1;
  nmis++;
  if (resend) {
    resend = 0;
    wr(0x300, 0x40400);
    for (volatile int i = 0; i < 1000; i++) {}
  }
  if (polled) {
    outb(0x20, 0x0C);                   /* OCW3 poll: the next read acknowledges IRQ 0 */
    polled = inb(0x20) | 0x100;
    outb(0x20, 0x20);                   /* non-specific EOI */
  }
  in_nmi = 0;
}

void kmain(void) {
  wr(0xF0, 0x1FF);
  wr(0x310, 0);
  trap_hooks[2] = on_nmi;
  __asm__ volatile("cli");
  resend = 1;
  __asm__ volatile("movl $0x40400, %%eax\n\tmovl %%eax, 0xFEE00300\n\t.globl nmi_ret\nnmi_ret:\n\tnop" ::: "eax", "memory");
  for (volatile int i = 0; i < 1000; i++) {}
  printf("NMI sent inside the handler: %u taken, %u nested, returned to nmi_ret=%x\n", nmis, nested, (u32)nmi_ret);

  nmis = 0; polled = 1;
  outb(0x43, 0x34); outb(0x40, 0xA9); outb(0x40, 0x04);   /* PIT channel 0, mode 2, 1193 counts: 1 kHz */
  pic_set_mask(0xFFFE);                  /* the PIT's IRQ 0 only */
  wr(0x350, 0x400);                      /* LINT0: NMI instead of ExtINT */
  for (int i = 0; i < 3; i++) __asm__ volatile("cli\n\thlt");
  wr(0x350, 0x10700);
  printf("HLT with IF=0 woken by NMIs: %u (poll word %x)\n", nmis, polled & 0x187);
  pic_set_mask(0xFFFF);
  exit_guest(0);
}
