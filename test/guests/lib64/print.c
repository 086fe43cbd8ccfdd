/* A small printf: %s %c %d %u %x %X (l for 64-bit values), %p, with 0 flag and width. */
#include "lib.h"
#include <stdarg.h>

void print(const char *s) { while (*s) serial_putc(*s++); }

static void put_num(u64 v, u32 base, int neg, int width, char pad, int upper) {
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
      case 'd': { s64 v = lng ? va_arg(ap, s64) : va_arg(ap, s32); put_num(v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad, 0); break; }
      case 'u': put_num(lng ? va_arg(ap, u64) : va_arg(ap, u32), 10, 0, width, pad, 0); break;
      case 'x': put_num(lng ? va_arg(ap, u64) : va_arg(ap, u32), 16, 0, width, pad, 0); break;
      case 'X': put_num(lng ? va_arg(ap, u64) : va_arg(ap, u32), 16, 0, width, pad, 1); break;
      case 'p': put_num((u64)va_arg(ap, void *), 16, 0, 16, '0', 0); break;
      case '%': serial_putc('%'); break;
      default: serial_putc('?'); break;
    }
  }
  va_end(ap);
  return 0;
}
