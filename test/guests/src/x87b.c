/* More x87, the way hand-written and compiled code uses it: rounding control (FRNDINT,
   FISTP in all four modes), precision control, 16/32/64-bit integer loads and stores,
   FXCH and register-stack moves, reversed SUBR/DIVR, FCOM/FUCOM/FTST condition codes
   (with NaN), FXAM classes, FSCALE, FXTRACT-free constants, FCHS/FABS, and the
   exceptions' sticky status bits with all exceptions masked. */
#include "ops.h"

typedef union { double d; u64 u; } dbits;
static void pd(const char *w, double d) { dbits b; b.d = d; printf("%s=%08x%08x ", w, (u32)(b.u >> 32), (u32)b.u); }
static void set_cw(u16 cw) { __asm__ volatile("fldcw %0" :: "m"(cw)); }
static u16 get_sw(void) { u16 sw; __asm__ volatile("fnstsw %0" : "=m"(sw)); return sw; }

static volatile double vals[] = { 2.5, -2.5, 3.5, -0.5, 1.4999999999, 1e10 + 0.5, -7.75, 0.0 };

void kmain(void) {
  __asm__ volatile("fninit");
  static const char *rc_name[4] = { "near", "down", "up", "zero" };
  for (u32 rc = 0; rc < 4; rc++) {
    set_cw((u16)(0x037F | (rc << 10)));
    printf("rc %s:", rc_name[rc]);
    for (u32 i = 0; i < 8; i++) {
      double x = vals[i], r;
      s64 q;
      __asm__ volatile("frndint" : "=t"(r) : "0"(x));
      __asm__ volatile("fistpll %0" : "=m"(q) : "t"(x) : "st");
      printf(" %d/%d", (s32)r, (s32)q);
    }
    printf("\n");
  }
  set_cw(0x037F);

  /* Precision control: 1/3 rounded to 24, 53 and 64 bits, stored as double. */
  static const u16 pcs[3] = { 0x007F, 0x027F, 0x037F };
  for (u32 i = 0; i < 3; i++) {
    double r;
    set_cw(pcs[i]);
    __asm__ volatile("fld1\n\tfld1\n\tfadd %%st(0), %%st(0)\n\tfaddp\n\tfld1\n\tfdivp\n\tfstpl %0" : "=m"(r));
    pd(i == 0 ? "pc24" : i == 1 ? "pc53" : "pc64", r);
  }
  printf("\n");
  set_cw(0x037F);

  /* Integer loads and stores of every width, with overflow to the integer indefinite. */
  s16 w = -1234; s32 dw = -123456789; s64 qw = -1234567890123ll;
  double a, b, c;
  __asm__ volatile("filds %1" : "=t"(a) : "m"(w));
  __asm__ volatile("fildl %1" : "=t"(b) : "m"(dw));
  __asm__ volatile("fildll %1" : "=t"(c) : "m"(qw));
  pd("fild16", a); pd("fild32", b); pd("fild64", c); printf("\n");
  s16 w2; s32 d2; s64 q2;
  double big = 1e20;
  __asm__ volatile("fists %0" : "=m"(w2) : "t"(40000.0));
  __asm__ volatile("fistl %0" : "=m"(d2) : "t"(big));
  __asm__ volatile("fistpll %0" : "=m"(q2) : "t"(big) : "st");
  printf("fist overflow: %04x %08x %08x%08x sw.IE=%x\n", (u16)w2, (u32)d2, (u32)(q2 >> 32), (u32)q2, get_sw() & 1);
  __asm__ volatile("fnclex");

  /* Stack moves and reversed operations. */
  double r1, r2, r3, r4;
  __asm__ volatile("fldl %4\n\tfldl %5\n\tfxch\n\tfsubr %%st(1), %%st(0)\n\tfstpl %0\n\tfstpl %1\n\t"
                   "fldl %4\n\tfldl %5\n\tfdivrp\n\tfstpl %2\n\tfldl %5\n\tfld %%st(0)\n\tfmulp\n\tfchs\n\tfabs\n\tfstpl %3"
                   : "=m"(r1), "=m"(r2), "=m"(r3), "=m"(r4) : "m"(vals[0]), "m"(vals[2]));
  pd("fsubr", r1); pd("st1", r2); pd("fdivrp", r3); pd("sq", r4); printf("\n");

  /* Condition codes: C3 C2 C0 from FCOM/FUCOM/FTST, FXAM classes. */
  static volatile double cmps[][2] = { { 1.0, 2.0 }, { 2.0, 1.0 }, { 3.0, 3.0 }, { -0.0, 0.0 } };
  for (u32 i = 0; i < 4; i++) {
    u16 sw;
    __asm__ volatile("fldl %2\n\tfldl %1\n\tfcompp\n\tfnstsw %0" : "=m"(sw) : "m"(cmps[i][0]), "m"(cmps[i][1]));
    printf("fcom %d,%d: c3c2c0=%x%x%x\n", (s32)cmps[i][0], (s32)cmps[i][1], (sw >> 14) & 1, (sw >> 10) & 1, (sw >> 8) & 1);
  }
  dbits nan; nan.u = 0x7FF8000000000000ull;
  u16 sw;
  __asm__ volatile("fldl %1\n\tfld1\n\tfucompp\n\tfnstsw %0" : "=m"(sw) : "m"(nan.d));
  printf("fucom nan: c3c2c0=%x%x%x ie=%x\n", (sw >> 14) & 1, (sw >> 10) & 1, (sw >> 8) & 1, sw & 1);
  __asm__ volatile("fnclex\n\tfldl %1\n\tfld1\n\tfcompp\n\tfnstsw %0" : "=m"(sw) : "m"(nan.d));
  printf("fcom nan: c3c2c0=%x%x%x ie=%x\n", (sw >> 14) & 1, (sw >> 10) & 1, (sw >> 8) & 1, sw & 1);
  __asm__ volatile("fnclex");
  static volatile double xam[] = { 1.5, -1.5, 0.0, -0.0, 1e-310, 0.0 };
  dbits inf; inf.u = 0x7FF0000000000000ull;
  xam[5] = inf.d;
  for (u32 i = 0; i < 6; i++) {
    __asm__ volatile("fldl %1\n\tfxam\n\tfnstsw %0\n\tfstp %%st(0)" : "=m"(sw) : "m"(xam[i]));
    printf("fxam %u: c3c2c1c0=%x%x%x%x\n", i, (sw >> 14) & 1, (sw >> 10) & 1, (sw >> 9) & 1, (sw >> 8) & 1);
  }
  __asm__ volatile("fldl %1\n\tftst\n\tfnstsw %0\n\tfstp %%st(0)" : "=m"(sw) : "m"(vals[3]));
  printf("ftst -0.5: c3c2c0=%x%x%x\n", (sw >> 14) & 1, (sw >> 10) & 1, (sw >> 8) & 1);

  double sc;
  __asm__ volatile("fldl %2\n\tfldl %1\n\tfscale\n\tfstp %%st(1)" : "=t"(sc) : "m"(vals[0]), "m"(vals[6]));
  pd("fscale 2.5*2^-7", sc);
  /* Masked exceptions set sticky bits: divide by zero (ZE), inexact (PE), invalid (IE). */
  __asm__ volatile("fnclex");
  double z;
  __asm__ volatile("fld1\n\tfldz\n\tfdivrp" : "=t"(z));
  u16 s1 = get_sw();
  __asm__ volatile("fnclex");
  __asm__ volatile("fld1\n\tfldl %1\n\tfdivrp" : "=t"(a) : "m"(vals[2]));
  u16 s2 = get_sw();
  __asm__ volatile("fnclex\n\tfldz\n\tfldz\n\tfdivrp" : "=t"(b));
  u16 s3 = get_sw();
  pd("1/0", z); pd("0/0", b);
  printf("\nsticky: 1/0 %02x, 1/3.5 %02x, 0/0 %02x\n", s1 & 0x3F, s2 & 0x3F, s3 & 0x3F);
  __asm__ volatile("fnclex");
  exit_guest(0);
}
