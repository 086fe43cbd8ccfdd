/* Console output through console_io, a small printf (%s %c %d %u %x, l for 64-bit, width and
   0 flag), HVM parameters, power-off by sched_op, and the trap handler boot64.inc calls. */
#include "xen.h"
#include "boot64.h"
#include <stdarg.h>

static char line[256];
static int used;

static void flush(void) { if (used) { HCALL(HC_console_io, 0, used, line); used = 0; } }
static void putc_(char c) { line[used++] = c; if (c == '\n' || used == (int)sizeof line) flush(); }
void print(const char *s) { while (*s) putc_(*s++); }

static void put_num(u64 v, u32 base, int neg, int width, char pad) {
  char buf[24];
  int n = 0;
  do { buf[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
  if (neg) buf[n++] = '-';
  while (width-- > n) putc_(pad);
  while (n) putc_(buf[--n]);
}

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (; *fmt; fmt++) {
    if (*fmt != '%') { putc_(*fmt); continue; }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0;
    if (*fmt == '0') { pad = '0'; fmt++; }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') { lng = 1; fmt++; }
    switch (*fmt) {
      case 's': print(va_arg(ap, const char *)); break;
      case 'c': putc_((char)va_arg(ap, int)); break;
      case 'd': { s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int); put_num(v < 0 ? -v : v, 10, v < 0, width, pad); break; }
      case 'u': put_num(lng ? va_arg(ap, u64) : va_arg(ap, u32), 10, 0, width, pad); break;
      case 'x': put_num(lng ? va_arg(ap, u64) : va_arg(ap, u32), 16, 0, width, pad); break;
      default: putc_(*fmt);
    }
  }
  va_end(ap);
  return 0;
}

long get_param(u32 index, u64 *value) {
  struct xen_hvm_param p = { DOMID_SELF, 0, index, 0 };
  long rc = HCALL(HC_hvm_op, HVMOP_get_param, &p, 0);
  *value = p.value;
  return rc;
}

long set_param(u32 index, u64 value) {
  struct xen_hvm_param p = { DOMID_SELF, 0, index, value };
  return HCALL(HC_hvm_op, HVMOP_set_param, &p, 0);
}

void poweroff(void) {
  u32 reason = 0;
  flush();
  HCALL(HC_sched_op, 2, &reason, 0);
  for (;;) __asm__ volatile("cli; hlt");
}

void (*volatile irq_hook)(struct boot64_frame *f);

void pvh_trap(struct boot64_frame *f) {
  if (f->vector >= 0x20 && irq_hook) { irq_hook(f); return; }
  printf("trap %lx at %lx\n", f->vector, f->rip);
  u32 reason = 3;                                  /* SHUTDOWN_crash */
  flush();
  HCALL(HC_sched_op, 2, &reason, 0);
  for (;;) __asm__ volatile("cli; hlt");
}
