/* MUL IMUL (one, two and three operands) and DIV IDIV in 8/16/32 bits: full results;
   flags CF and OF for multiplies (the rest are undefined), none for divides. */
#include "ops.h"

static const u32 vals[] = { 0, 1, 2, 3, 7, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10001,
                            0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678, 0xFEDCBA98 };
#define NV (sizeof(vals) / 4)

static void mul1(void) {
  for (u32 i = 0; i < NV; i++) {
    for (u32 j = 0; j < NV; j++) {
      u32 a = vals[i], b = vals[j], lo, hi, f;
      printf("%x*%x:", a, b);
      lo = a & 0xFF;
      __asm__ volatile("mulb %b2\n\tpushfl\n\tpopl %1" : "+a"(lo), "=r"(f) : "q"(b) : "cc");
      printf(" mul8 %04x/", lo & 0xFFFF); print_flags(f, F_CF | F_OF);
      lo = a & 0xFF;
      __asm__ volatile("imulb %b2\n\tpushfl\n\tpopl %1" : "+a"(lo), "=r"(f) : "q"(b) : "cc");
      printf(" imul8 %04x/", lo & 0xFFFF); print_flags(f, F_CF | F_OF);
      lo = a;
      __asm__ volatile("mulw %w3\n\tpushfl\n\tpopl %1" : "+a"(lo), "=r"(f), "=d"(hi) : "r"(b) : "cc");
      printf(" mul16 %04x:%04x/", hi & 0xFFFF, lo & 0xFFFF); print_flags(f, F_CF | F_OF);
      lo = a;
      __asm__ volatile("imulw %w3\n\tpushfl\n\tpopl %1" : "+a"(lo), "=r"(f), "=d"(hi) : "r"(b) : "cc");
      printf(" imul16 %04x:%04x/", hi & 0xFFFF, lo & 0xFFFF); print_flags(f, F_CF | F_OF);
      lo = a;
      __asm__ volatile("mull %3\n\tpushfl\n\tpopl %1" : "+a"(lo), "=r"(f), "=d"(hi) : "r"(b) : "cc");
      printf(" mul32 %08x:%08x/", hi, lo); print_flags(f, F_CF | F_OF);
      lo = a;
      __asm__ volatile("imull %3\n\tpushfl\n\tpopl %1" : "+a"(lo), "=r"(f), "=d"(hi) : "r"(b) : "cc");
      printf(" imul32 %08x:%08x/", hi, lo); print_flags(f, F_CF | F_OF);
      lo = a;
      __asm__ volatile("imull %2, %0\n\tpushfl\n\tpopl %1" : "+r"(lo), "=r"(f) : "r"(b) : "cc");
      printf(" imul2 %08x/", lo); print_flags(f, F_CF | F_OF);
      lo = a;
      __asm__ volatile("imulw %w2, %w0\n\tpushfl\n\tpopl %1" : "+r"(lo), "=r"(f) : "r"(b) : "cc");
      printf(" imul2w %04x/", lo & 0xFFFF); print_flags(f, F_CF | F_OF);
      printf("\n");
    }
    u32 r, f;
    __asm__ volatile("imull $-3, %2, %0\n\tpushfl\n\tpopl %1" : "=r"(r), "=r"(f) : "r"(vals[i]) : "cc");
    printf("imul3 %x*-3 = %08x/", vals[i], r); print_flags(f, F_CF | F_OF);
    __asm__ volatile("imull $100000, %2, %0\n\tpushfl\n\tpopl %1" : "=r"(r), "=r"(f) : "r"(vals[i]) : "cc");
    printf(" *100000 = %08x/", r); print_flags(f, F_CF | F_OF);
    __asm__ volatile("imulw $-300, %w2, %w0\n\tpushfl\n\tpopl %1" : "=r"(r), "=r"(f) : "r"(vals[i]) : "cc");
    printf(" w*-300 = %04x/", r & 0xFFFF); print_flags(f, F_CF | F_OF);
    printf("\n");
  }
}

/* Dividends and divisors chosen so that no quotient overflows (that is the #DE guest's job). */
static void div1(void) {
  static const u32 dd[] = { 0, 1, 100, 0x7FFF, 0x12345678, 0x80000000, 0xFFFFFFFF, 0xFFFFFF9C };
  static const u32 dv[] = { 1, 3, 7, 10, 0x100, 0x7FFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFF9, 0x12345 };
  for (u32 i = 0; i < sizeof(dd) / 4; i++)
    for (u32 j = 0; j < sizeof(dv) / 4; j++) {
      u32 n = dd[i], d = dv[j], q, r;
      printf("%x/%x:", n, d);
      q = n; r = 0;
      __asm__ volatile("divl %3" : "+a"(q), "+d"(r) : "0"(q), "r"(d));
      printf(" div32 %x r%x", q, r);
      s32 sn = (s32)n, sd = (s32)d;
      if (!(sn == (s32)0x80000000 && sd == -1)) {
        q = n; r = sn < 0 ? 0xFFFFFFFF : 0;
        __asm__ volatile("idivl %3" : "+a"(q), "+d"(r) : "0"(q), "r"(d));
        printf(" idiv32 %x r%x", q, r);
      }
      if ((d & 0xFFFF) && (n & 0xFFFF) / (d & 0xFFFF) <= 0xFFFF) {
        q = n & 0xFFFF; r = 0;
        __asm__ volatile("divw %w3" : "+a"(q), "+d"(r) : "0"(q), "r"(d));
        printf(" div16 %x r%x", q & 0xFFFF, r & 0xFFFF);
      }
      if ((d & 0xFF) && (n & 0xFFFF) / (d & 0xFF) <= 0xFF) {
        q = n & 0xFFFF;
        __asm__ volatile("divb %b1" : "+a"(q) : "q"(d));
        printf(" div8 %x r%x", q & 0xFF, (q >> 8) & 0xFF);
      }
      s32 n8 = (s8)(n & 0xFF), d8 = (s8)(d & 0xFF);
      if (d8 && !(n8 / d8 > 127 || n8 / d8 < -128)) {
        q = (u32)(s32)(s16)(s8)(n & 0xFF) & 0xFFFF;
        __asm__ volatile("idivb %b1" : "+a"(q) : "q"(d));
        printf(" idiv8 %x r%x", q & 0xFF, (q >> 8) & 0xFF);
      }
      printf("\n");
    }
}

void kmain(void) {
  mul1();
  div1();
  exit_guest(0);
}
