/* Console output through console_io (printf: format.h's formatting, line-buffered), HVM
   parameters, power-off by sched_op, and the trap handler boot64.inc calls. */
#include "xen.h"
#include "boot64.h"
#include "../common/format.h"

static char line[256];
static int used;

static void flush(void) { if (used) { HCALL(HC_console_io, 0, used, line); used = 0; } }
static void putc_(char c) { line[used++] = c; if (c == '\n' || used == (int)sizeof line) flush(); }
void print(const char *s) { while (*s) putc_(*s++); }

static void console_sink(void *ctx, char c) { (void)ctx; putc_(c); }

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  format_v(console_sink, 0, fmt, ap);
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
