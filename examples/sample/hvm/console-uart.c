/* Console on the 16550 at 0x3F8, polled as a real driver does (LSR bit 5: THR empty). */
#include "io.h"

#define COM1 0x3F8

void console_init(void) {
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x80);
  outb(COM1 + 0, 0x01);
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x03);
  outb(COM1 + 2, 0x00);
  outb(COM1 + 4, 0x03);
}

void console_write(const char *s, u32 len) {
  for (u32 i = 0; i < len; i++) {
    while (!(inb(COM1 + 5) & 0x20)) { }
    outb(COM1, (u8)s[i]);
  }
}
