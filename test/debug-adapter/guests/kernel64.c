/* The debugger's 64-bit test kernel (gcc -m64 -g): calls to step through, 64-bit values, a
   software interrupt whose C handler calls a function (the stack through the 64-bit interrupt
   frame), and serial output the test compares with what the debugger shows. */
#include "boot64.h"

typedef unsigned long long u64;
typedef unsigned char u8;

static inline void outb(unsigned short port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); } /* @outb-asm */

static void put(char c) { outb(0x3f8, (u8)c); }
static void put_str(const char *s) { while (*s) put(*s++); }
static void put_hex(u64 v) {
  put_str("0x");
  for (int i = 60; i >= 0; i -= 4) put("0123456789abcdef"[(v >> i) & 15]);
  put('\n');
}

struct point { long x; long y; };

volatile u64 trap_count;
volatile u64 trap_vector;
u64 big_global = 0xfedcba9876543210ull;

__attribute__((noinline)) u64 square(u64 x) {
  return x * x; /* @square-body */
}

__attribute__((noinline)) u64 mix(u64 a, struct point *p) {
  u64 s = square((u64)p->x); /* @mix-call */
  u64 r = (a ^ s) + (u64)p->y; /* @mix-after */
  return r;
}

__attribute__((noinline)) void handler_work(u64 vector) {
  trap_count++; /* @handler-work */
  trap_vector = vector;
}

void on_trap(struct boot64_frame *f) {
  handler_work(f->vector); /* @on-trap */
}

__attribute__((noinline)) void trigger(void) {
  __asm__ volatile("int $0x30"); /* @trigger-int */
  put_str("back from int 0x30\n"); /* @after-int */
}

void kmain(unsigned int magic, unsigned long info) {
  struct point pt = { 7, -3 };
  u64 value = big_global;
  put_str("kernel64\n"); /* @kmain-first */
  u64 r = mix(value, &pt); /* @kmain-mix */
  put_hex(r); /* @kmain-print */
  trigger(); /* @kmain-trigger */
  put_hex(trap_count * 0x100 + trap_vector);
  (void)magic; (void)info;
  outb(0xf4, (u8)(r & 0x7f)); /* @kmain-exit */
}
