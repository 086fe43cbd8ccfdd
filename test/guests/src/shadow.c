/* Interrupt shadows with an interrupt already pending: STI lets one more instruction run
   before the interrupt (so "sti; cli" takes none and "sti; hlt" cannot miss one), POPF and
   IRET setting IF have no shadow. (MOV SS's shadow is checked with single-stepping in
   debug.c.) The pending interrupt is the PIT's IRQ0, left in the PIC's IRR while IF=0. */
#include "lib.h"

static volatile u32 ticks, marker, seen_marker;

static void irq0(struct frame *f) {
  (void)f;
  ticks++;
  seen_marker = marker;
  outb(0x21, 0xFF);           /* one delivery per case: mask until re-armed */
  pic_eoi(0);
}

/* Make IRQ0 pending (requested while IF=0) and unmasked. */
static void arm(void) {
  outb(0x21, 0xFF);
  outb(0x43, 0x30); outb(0x40, 0x10); outb(0x40, 0x00);    /* mode 0, count 16 */
  u32 guard = 0;
  while (!(pic_read_irr(0) & 1) && guard++ < 10000000) { }
  marker = 0; seen_marker = 0xFF; ticks = 0;
  outb(0x21, 0xFE);
}

void kmain(void) {
  trap_hooks[0x20] = irq0;

  arm();
  __asm__ volatile("sti\n\tmovl $1, marker\n\tmovl $2, marker\n\tcli" ::: "memory");
  printf("sti: ticks %u, marker seen by the handler %u\n", ticks, seen_marker);

  arm();
  __asm__ volatile("sti\n\tcli" ::: "memory");
  printf("sti; cli: ticks %u\n", ticks);
  __asm__ volatile("sti\n\tnop\n\tcli" ::: "memory");
  printf("  then sti; nop; cli: ticks %u, marker %u\n", ticks, seen_marker);

  arm();
  __asm__ volatile("pushl $0x202\n\tpopfl\n\tmovl $1, marker\n\tcli" ::: "memory");
  printf("popf: ticks %u, marker seen %u\n", ticks, seen_marker);

  arm();
  __asm__ volatile("pushfl\n\torl $0x200, (%%esp)\n\tpushl %%cs\n\tpushl $1f\n\tiretl\n1:\n\tmovl $1, marker\n\tcli" ::: "memory");
  printf("iret: ticks %u, marker seen %u\n", ticks, seen_marker);

  outb(0x21, 0xFF);
  exit_guest(0);
}
