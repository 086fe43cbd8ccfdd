/* printf for the 32- and 64-bit guest libraries, to the serial port (the formatting is
   format.h's, shared with the Xen test guests), and hexdump. */
#include "lib.h"
#include "format.h"

void print(const char *s) { while (*s) serial_putc(*s++); }

static void serial_sink(void *ctx, char c) { (void)ctx; serial_putc(c); }

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  format_v(serial_sink, 0, fmt, ap);
  va_end(ap);
  return 0;
}

void hexdump(const void *p, u32 len) {
  const u8 *b = p;
  for (u32 i = 0; i < len; i++) printf("%02x%s", b[i], (i % 16 == 15 || i + 1 == len) ? "\n" : " ");
}
