/* COM1 as a polling driver writes it: wait for THR empty (LSR bit 5). */
#include "lib.h"

#define COM1 0x3F8

void serial_init(void) {
  outb(COM1 + 1, 0x00);   /* no interrupts */
  outb(COM1 + 3, 0x80);   /* DLAB */
  outb(COM1 + 0, 0x01);   /* 115200 baud */
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x03);   /* 8N1 */
  outb(COM1 + 2, 0x00);   /* FIFO off: the simplest model both sides share */
  outb(COM1 + 4, 0x0B);   /* DTR, RTS, OUT2 */
}

void serial_putc(char c) {
  while (!(inb(COM1 + 5) & 0x20)) { }
  outb(COM1, (u8)c);
}
