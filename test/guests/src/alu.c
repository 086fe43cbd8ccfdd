/* ADD ADC SUB SBB AND OR XOR CMP TEST INC DEC NEG NOT in 8/16/32 bits on edge operands:
   results and the flags the SDM defines (AF is undefined after logic ops). */
#include "ops.h"

DEF_OP2(add, "add")
DEF_OP2(adc, "adc")
DEF_OP2(sub, "sub")
DEF_OP2(sbb, "sbb")
DEF_OP2(and, "and")
DEF_OP2(or, "or")
DEF_OP2(xor, "xor")
DEF_OP2(cmp, "cmp")
DEF_OP2(test, "test")
DEF_OP1(inc, "inc")
DEF_OP1(dec, "dec")
DEF_OP1(neg, "neg")
DEF_OP1(not, "not")

static const u32 vals[] = { 0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
                            0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678, 0xF0E1D2C3 };
#define NV (sizeof(vals) / sizeof(vals[0]))

typedef u32 (*op2_fn)(u32, u32, u32, u32 *);
typedef u32 (*op1_fn)(u32, u32, u32 *);

static void run2(const char *name, op2_fn f8, op2_fn f16, op2_fn f32, u32 defined) {
  for (int s = 0; s < 3; s++) {
    int bits = 8 << s;
    op2_fn f = s == 0 ? f8 : s == 1 ? f16 : f32;
    u32 m = size_mask(bits);
    for (u32 cin = 0; cin < 2; cin++) {
      for (u32 i = 0; i < NV; i++) {
        printf("%s%d c%u %x:", name, bits, cin, vals[i] & m);
        for (u32 j = 0; j < NV; j++) {
          u32 fl;
          u32 r = f(vals[i] & m, vals[j] & m, cin ? F_CF : 0, &fl);
          printf(" %x/", r & m);
          print_flags(fl, defined);
        }
        printf("\n");
      }
    }
  }
}

static void run1(const char *name, op1_fn f8, op1_fn f16, op1_fn f32, u32 defined) {
  for (int s = 0; s < 3; s++) {
    int bits = 8 << s;
    op1_fn f = s == 0 ? f8 : s == 1 ? f16 : f32;
    u32 m = size_mask(bits);
    for (u32 fin = 0; fin < 2; fin++) {
      printf("%s%d in=%s:", name, bits, fin ? "all" : "none");
      for (u32 i = 0; i < NV; i++) {
        u32 fl;
        u32 r = f(vals[i] & m, fin ? F_ARITH : 0, &fl);
        printf(" %x/", r & m);
        print_flags(fl, defined);
      }
      printf("\n");
    }
  }
}

void kmain(void) {
  run2("add", add8, add16, add32, F_ARITH);
  run2("adc", adc8, adc16, adc32, F_ARITH);
  run2("sub", sub8, sub16, sub32, F_ARITH);
  run2("sbb", sbb8, sbb16, sbb32, F_ARITH);
  run2("cmp", cmp8, cmp16, cmp32, F_ARITH);
  run2("and", and8, and16, and32, F_ARITH & ~F_AF);
  run2("or", or8, or16, or32, F_ARITH & ~F_AF);
  run2("xor", xor8, xor16, xor32, F_ARITH & ~F_AF);
  run2("test", test8, test16, test32, F_ARITH & ~F_AF);
  /* INC/DEC leave CF alone: the preserved input CF is part of the defined result. */
  run1("inc", inc8, inc16, inc32, F_ARITH);
  run1("dec", dec8, dec16, dec32, F_ARITH);
  run1("neg", neg8, neg16, neg32, F_ARITH);
  run1("not", not8, not16, not32, F_ARITH);
  exit_guest(0);
}
