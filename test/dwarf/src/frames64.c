/* x86-64 frames for the DWARF tests: a call chain (recursion, a struct on the stack, 64-bit
   values beyond 2^53) that stops at an int3 in leaf(), once from ordinary calls and once from
   a handler entered through a 64-bit interrupt frame built by frames64-stub.S, with and
   without an error code; and at one in scaled(), whose double argument lives in XMM0. Freestanding (no libc); the test runs it natively under gdb on the
   x86-64 host, whose unwinder and variable printing are the oracle for ours. */
typedef unsigned long u64;

struct pair { long a; u64 b; };

volatile u64 sink;
u64 big = 0xfedcba9876543210UL;
struct pair global_pair = { -5, 0x8000000000000001UL };
double ratio = 2.5;
int counters[4] = { 1, -2, 3, -4 };
const char *label = "frames64";

void fake_interrupt(void (*handler)(u64), u64 arg);
void fake_interrupt_error(void (*handler)(u64), u64 arg, u64 error);

__attribute__((noinline)) u64 leaf(u64 x, int depth, struct pair *p) {
  u64 local = x * 3 + p->b;
  long negative = -(long)depth - 1;
  __asm__ volatile("int3");
  sink = local + (u64)negative;
  return local + depth;
}

__attribute__((noinline)) u64 middle(u64 x, int n) {
  struct pair pr = { n, x ^ big };
  u64 r = leaf(x + 1, n, &pr);
  return r * 2 + pr.b;
}

__attribute__((noinline)) u64 outer(int n) {
  if (n > 0) return outer(n - 1) + 1;
  return middle(0x123456789aUL, n);
}

__attribute__((noinline)) void handler64(u64 arg) {
  struct pair frame_pair = { (long)arg, arg << 4 };
  sink += leaf(arg, 7, &frame_pair);
}

/* A double in XMM0 at -O2 (DWARF register 17): its value comes from the register's bytes. */
__attribute__((noinline)) double scaled(double d, int k) {
  __asm__ volatile("int3");
  return d * k + ratio;
}

__attribute__((noreturn)) void _start(void) {
  sink = outer(3);
  sink += (u64)scaled(ratio * 3, 4);
  fake_interrupt(handler64, 0x42);
  fake_interrupt_error(handler64, 0x43, 0xe0);
  for (;;) __asm__ volatile("mov $60, %%eax; xor %%edi, %%edi; syscall" ::: "rax", "rdi", "memory");
}
