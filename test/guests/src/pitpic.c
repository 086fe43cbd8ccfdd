/* The 8254 PIT and the 8259 PIC pair: IMR read-back, IRR/ISR through OCW3, timer ticks in
   mode 2 and a one-shot in mode 0 delivered as vector 0x20, counter latch and read-back
   status, specific EOI, and priority between IRQ0 and the UART's IRQ4 when both are
   pending. Only timing-independent facts are printed. */
#include "lib.h"

static volatile u32 ticks, uart_irqs, order[8], norder, isr_seen, iir_seen;

static void irq0(struct frame *f) {
  (void)f;
  ticks++;
  if (norder < 8) order[norder++] = 0x20;
  if (ticks == 1) isr_seen = pic_read_isr(0);
  outb(0x20, 0x60);          /* specific EOI for IRQ0 */
}

static void irq4(struct frame *f) {
  (void)f;
  uart_irqs++;
  if (norder < 8) order[norder++] = 0x24;
  iir_seen = inb(0x3FA) & 0x0F;
  outb(0x3F9, 0x00);
  pic_eoi(4);
}

static void pit_program(u8 mode, u16 count) {
  outb(0x43, 0x30 | (mode << 1));
  outb(0x40, count & 0xFF);
  outb(0x40, count >> 8);
}

static void wait_ticks(u32 n) {
  u32 guard = 0;
  while (ticks < n && guard < 100000000) { __asm__ volatile("sti; hlt; cli"); guard++; }
}

void kmain(void) {
  printf("imr after init: %02x %02x\n", inb(0x21), inb(0xA1));
  outb(0x21, 0xA5); outb(0xA1, 0x5A);
  printf("imr written: %02x %02x\n", inb(0x21), inb(0xA1));
  pic_set_mask(0xFFFF);
  printf("isr idle: %02x %02x\n", pic_read_isr(0), pic_read_isr(1));

  trap_hooks[0x20] = irq0;
  trap_hooks[0x24] = irq4;
  pit_program(2, 11932);     /* about 10 ms */
  outb(0x43, 0xE2);          /* read-back: status of channel 0, no count */
  printf("read-back status mode/access: %02x\n", inb(0x40) & 0x3F);
  u32 in_range = 1;
  for (int i = 0; i < 50; i++) {
    outb(0x43, 0x00);        /* latch channel 0 */
    u32 lo = inb(0x40), hi = inb(0x40), c = lo | (hi << 8);
    if (c > 11932 || c == 0) in_range = 0;
  }
  printf("latched counts within 1..11932: %s\n", in_range ? "yes" : "no");
  pic_set_mask(0xFFFE);
  wait_ticks(5);
  printf("mode 2: ticks >= 5 %s, isr in handler %02x, vectors seen %x %x\n", ticks >= 5 ? "ok" : "FAILED", isr_seen, order[0], order[1]);
  printf("isr after eoi: %02x\n", pic_read_isr(0));

  /* Mode 0: one interrupt at terminal count. */
  pic_set_mask(0xFFFF);
  ticks = 0; norder = 0;
  pit_program(0, 5000);
  pic_set_mask(0xFFFE);
  wait_ticks(1);
  printf("mode 0: ticks >= 1 %s\n", ticks >= 1 ? "ok" : "FAILED");

  /* IRQ0 and IRQ4 pending together: IRQ0 first, IRQ4 only after IRQ0's EOI. */
  pic_set_mask(0xFFFF);
  pit_program(2, 2000);     /* short: the wait below polls, and polls cost virtual time */
  u32 guard = 0;
  while (!(pic_read_irr(0) & 1) && guard++ < 100000000) { }
  outb(0x3F9, 0x02);         /* UART: THR empty interrupt */
  printf("uart iir with thre enabled: %02x\n", inb(0x3FA) & 0x0F);
  outb(0x3F9, 0x00);
  outb(0x3F9, 0x02);         /* re-arm: the IIR read above cleared it */
  guard = 0;
  while (!(pic_read_irr(0) & 0x10) && guard++ < 1000000) { }
  printf("irr before sti: irq0 %x irq4 %x\n", pic_read_irr(0) & 1, (pic_read_irr(0) >> 4) & 1);
  ticks = 0; norder = 0;
  pic_set_mask(0xFFEE);
  __asm__ volatile("sti; nop; nop; nop; cli");
  printf("order: %x %x, uart irqs %u iir in handler %x\n", order[0], order[1], uart_irqs, iir_seen);
  pic_set_mask(0xFFFF);
  exit_guest(0);
}
