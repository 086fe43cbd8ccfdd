/* x87 as gcc -m32 code uses it: double + - * /, comparisons, int <-> double conversions
   (truncation through the control word), FSQRT, FABS/FCHS, FPREM, constants, status word. */
#include "ops.h"

typedef union { double d; u64 u; } dbits;

static void pd(const char *what, double d) {
  dbits b; b.d = d;
  printf("%s=%08x%08x ", what, (u32)(b.u >> 32), (u32)b.u);
}

static volatile double vals[] = { 0.0, -0.0, 1.0, -1.5, 3.141592653589793, 1e300, -2.5e-300,
                                  123456789.75, -987654.125, 0.1, 2.0, 1e-5 };
#define NV (sizeof(vals) / sizeof(vals[0]))

static double fsqrt(double x) { double r; __asm__("fsqrt" : "=t"(r) : "0"(x)); return r; }
static double fprem(double a, double b) {
  double r;
  __asm__("1:\n\tfprem\n\tfnstsw %%ax\n\ttestw $0x400, %%ax\n\tjnz 1b" : "=t"(r) : "0"(a), "u"(b) : "ax");
  return r;
}

void kmain(void) {
  __asm__ volatile("fninit");
  u16 cw, sw;
  __asm__ volatile("fnstcw %0\n\tfnstsw %1" : "=m"(cw), "=m"(sw));
  printf("fninit cw=%04x sw=%04x\n", cw, sw);
  for (u32 i = 0; i < NV; i++) {
    for (u32 j = 0; j < NV; j++) {
      double a = vals[i], b = vals[j];
      printf("%u,%u: ", i, j);
      pd("add", a + b); pd("sub", a - b); pd("mul", a * b);
      if (b != 0.0) pd("div", a / b);
      printf("lt%d le%d eq%d gt%d\n", a < b, a <= b, a == b, a > b);
    }
    double a = vals[i];
    int t = (a < 2147483647.0 && a > -2147483648.0) ? (int)a : 0;
    volatile int back = (int)(a * 0.0) + 12345;
    pd("\nfabs", a < 0 ? -a : a); pd("neg", -a);
    if (a >= 0) pd("sqrt", fsqrt(a));
    pd("prem", fprem(a, 3.0));
    printf("int=%d from=%08x%08x\n", t, (u32)(((dbits){ .d = (double)back }).u >> 32), (u32)((dbits){ .d = (double)(t - 7) }).u);
  }
  double pi, l2e, ln2, one, zero;
  __asm__("fldpi" : "=t"(pi)); __asm__("fldl2e" : "=t"(l2e)); __asm__("fldln2" : "=t"(ln2));
  __asm__("fld1" : "=t"(one)); __asm__("fldz" : "=t"(zero));
  pd("pi", pi); pd("l2e", l2e); pd("ln2", ln2); pd("one", one); pd("zero", zero);
  printf("\n");
  /* Integer conversions at the rounding modes' edges, as gcc emits them (fistp with a
     truncating control word), and the default round-to-nearest-even through fistpl. */
  static volatile double r[] = { 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 1e9 + 0.5 };
  for (u32 i = 0; i < 8; i++) {
    s32 near; double x = r[i];
    __asm__ volatile("fistpl %0" : "=m"(near) : "t"(x) : "st");
    printf("cvt %d: trunc=%d near=%d\n", i, (int)x, near);
  }
  __asm__ volatile("fnstsw %0" : "=m"(sw));
  printf("final sw top/cc=%04x\n", sw & 0x7F00);
  exit_guest(0);
}
