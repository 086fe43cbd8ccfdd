/* Formatting and output. Before the console ring is up, text goes to Xen's console through
   console_io (what Mini-OS's early printk does); after, into the domain's console ring. */
#include "mini-domu.h"
#include "../common/format.h"

void *memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *memcpy(void *d, const void *s, size_t n) { unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d; }
size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
int strcmp(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return (unsigned char)*a - (unsigned char)*b; }

struct out { char *buf; size_t size, len; };

static void put(struct out *o, char c) {
  if (o->len + 1 < o->size) o->buf[o->len] = c;
  o->len++;
}

static void out_sink(void *ctx, char c) { put(ctx, c); }

static int vformat(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = { buf, size, 0 };
  format_v(out_sink, &o, fmt, ap);
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
