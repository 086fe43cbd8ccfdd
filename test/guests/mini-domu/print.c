/* Formatting and output. Before the console ring is up, text goes to Xen's console through
   console_io (what Mini-OS's early printk does); after, into the domain's console ring. */
#include "mini-domu.h"

void *memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *memcpy(void *d, const void *s, size_t n) { unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d; }
size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
int strcmp(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return (unsigned char)*a - (unsigned char)*b; }

struct out { char *buf; size_t size, len; };

static void put(struct out *o, char c) {
  if (o->len + 1 < o->size) o->buf[o->len] = c;
  o->len++;
}

static void put_num(struct out *o, unsigned long v, unsigned base, int neg, int width, char pad) {
  char tmp[24];
  int n = 0;
  do { tmp[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
  if (neg) tmp[n++] = '-';
  while (width-- > n) put(o, pad);
  while (n) put(o, tmp[--n]);
}

static int vformat(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = { buf, size, 0 };
  for (; *fmt; fmt++) {
    if (*fmt != '%') { put(&o, *fmt); continue; }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0;
    if (*fmt == '0') { pad = '0'; fmt++; }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') { lng = 1; fmt++; }
    switch (*fmt) {
      case 's': { const char *s = va_arg(ap, const char *); if (!s) s = "(null)"; while (*s) put(&o, *s++); break; }
      case 'c': put(&o, (char)va_arg(ap, int)); break;
      case 'd': { long v = lng ? va_arg(ap, long) : va_arg(ap, int); put_num(&o, v < 0 ? -(unsigned long)v : (unsigned long)v, 10, v < 0, width, pad); break; }
      case 'u': put_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 10, 0, width, pad); break;
      case 'x': put_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 16, 0, width, pad); break;
      case 'p': put(&o, '0'); put(&o, 'x'); put_num(&o, (unsigned long)va_arg(ap, void *), 16, 0, 0, ' '); break;
      case '%': put(&o, '%'); break;
      default: put(&o, '%'); put(&o, *fmt); break;
    }
  }
  if (size) o.buf[o.len < size ? o.len : size - 1] = 0;
  return (int)o.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vformat(buf, n, fmt, ap);
  va_end(ap);
  return r;
}

int printk(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vformat(buf, sizeof buf, fmt, ap);
  va_end(ap);
  size_t len = strlen(buf);
  if (console_ready) console_write(buf, len);
  else HYPERVISOR_console_io(CONSOLEIO_write, len, buf);
  return n;
}

void poweroff(void) {
  struct sched_shutdown s = { .reason = SHUTDOWN_poweroff };
  HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
  for (;;) ;
}

void do_exit(const char *why) {
  printk("mini-domu: fatal: %s\n", why);
  struct sched_shutdown s = { .reason = SHUTDOWN_crash };
  HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
  for (;;) ;
}

void do_trap(unsigned long vector, unsigned long error, unsigned long rip) {
  char msg[96];
  snprintf(msg, sizeof msg, "exception %lu error 0x%lx at rip 0x%lx", vector, error, rip);
  do_exit(msg);
}
