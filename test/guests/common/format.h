/* The printf formatting the test guests share (common/print.c for the 32- and 64-bit guest
   libraries, pvh/xen.c, mini-domu/print.c); each passes its own sink for the characters.
   %s (NULL prints "(null)") %c %d %u %x %X %p ("0x" and the address) %%, the l modifier
   (a C long: 32 or 64 bits with the guest), the 0 flag and a width; any other conversion
   prints as written. Numbers are formatted in the guest's own word, so 32-bit guests need
   no 64-bit division. */
#ifndef GUESTS_FORMAT_H
#define GUESTS_FORMAT_H
#include <stdarg.h>

typedef void (*format_sink)(void *ctx, char c);

static void format_num(format_sink put, void *ctx, unsigned long v, unsigned base, int neg, int width, char pad, int upper) {
  char buf[24];
  int n = 0;
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do { buf[n++] = digits[v % base]; v /= base; } while (v);
  if (neg) {
    if (pad == '0') { put(ctx, '-'); width--; } else buf[n++] = '-';
  }
  while (width-- > n) put(ctx, pad);
  while (n) put(ctx, buf[--n]);
}

static void format_v(format_sink put, void *ctx, const char *fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') { put(ctx, *fmt); continue; }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0;
    if (*fmt == '0') { pad = '0'; fmt++; }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') { lng = 1; fmt++; }
    switch (*fmt) {
      case 's': {
        const char *s = va_arg(ap, const char *);
        if (!s) s = "(null)";
        int l = 0;
        while (s[l]) l++;
        while (width-- > l) put(ctx, ' ');
        while (*s) put(ctx, *s++);
        break;
      }
      case 'c': put(ctx, (char)va_arg(ap, int)); break;
      case 'd': {
        long v = lng ? va_arg(ap, long) : va_arg(ap, int);
        format_num(put, ctx, v < 0 ? -(unsigned long)v : (unsigned long)v, 10, v < 0, width, pad, 0);
        break;
      }
      case 'u': format_num(put, ctx, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 10, 0, width, pad, 0); break;
      case 'x': format_num(put, ctx, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 16, 0, width, pad, 0); break;
      case 'X': format_num(put, ctx, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 16, 0, width, pad, 1); break;
      case 'p': put(ctx, '0'); put(ctx, 'x'); format_num(put, ctx, (unsigned long)va_arg(ap, void *), 16, 0, 0, ' ', 0); break;
      case '%': put(ctx, '%'); break;
      case 0: return;  /* a format that ends in '%' */
      default: put(ctx, '%'); put(ctx, *fmt); break;
    }
  }
}

#endif
