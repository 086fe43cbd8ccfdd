/* A small printf for the 32- and 64-bit guest libraries: %s %c %d %u %x %X, the l modifier
   (a C long: 32 or 64 bits with the guest), %p, with 0 flag and width. Numbers are formatted
   in the guest's own word so 32-bit guests need no 64-bit division. */
#include "lib.h"
#include <stdarg.h>

void print(const char *s) { while (*s) serial_putc(*s++); }

typedef unsigned long uword;
typedef long sword;

static void put_num(uword v, u32 base, int neg, int width, char pad, int upper) {
  char buf[24];
  int n = 0;
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do { buf[n++] = digits[v % base]; v /= base; } while (v);
  if (neg) {
    if (pad == '0') { serial_putc('-'); width--; } else buf[n++] = '-';
  }
  while (width-- > n) serial_putc(pad);
  while (n) serial_putc(buf[--n]);
}

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (; *fmt; fmt++) {
    if (*fmt != '%') { serial_putc(*fmt); continue; }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0;
    if (*fmt == '0') { pad = '0'; fmt++; }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') { lng = 1; fmt++; }
    switch (*fmt) {
      case 's': { const char *s = va_arg(ap, const char *); int l = 0; while (s[l]) l++; while (width-- > l) serial_putc(' '); print(s); break; }
      case 'c': serial_putc((char)va_arg(ap, int)); break;
      case 'd': { sword v = lng ? va_arg(ap, sword) : va_arg(ap, s32); put_num(v < 0 ? -(uword)v : (uword)v, 10, v < 0, width, pad, 0); break; }
      case 'u': put_num(lng ? va_arg(ap, uword) : va_arg(ap, u32), 10, 0, width, pad, 0); break;
      case 'x': put_num(lng ? va_arg(ap, uword) : va_arg(ap, u32), 16, 0, width, pad, 0); break;
      case 'X': put_num(lng ? va_arg(ap, uword) : va_arg(ap, u32), 16, 0, width, pad, 1); break;
      case 'p': put_num((uword)va_arg(ap, void *), 16, 0, 2 * sizeof(void *), '0', 0); break;
      case '%': serial_putc('%'); break;
      default: serial_putc('?'); break;
    }
  }
  va_end(ap);
  return 0;
}

void hexdump(const void *p, u32 len) {
  const u8 *b = p;
  for (u32 i = 0; i < len; i++) printf("%02x%s", b[i], (i % 16 == 15 || i + 1 == len) ? "\n" : " ");
}
