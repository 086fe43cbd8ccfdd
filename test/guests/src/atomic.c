/* CMPXCHG (8/16/32), CMPXCHG8B, XADD, XCHG, BSWAP, CMOVcc and SETcc over every
   combination of OF SF ZF PF CF. */
#include "ops.h"

static u32 cmpxchg32(u32 *mem, u32 *eax, u32 src, u32 fin) {
  u32 f, a = *eax;
  __asm__ volatile("pushl %3\n\tpopfl\n\tlock cmpxchgl %4, %1\n\tpushfl\n\tpopl %2"
                   : "+a"(a), "+m"(*mem), "=&r"(f) : "r"(fin), "r"(src) : "cc");
  *eax = a; return f;
}
static u32 cmpxchg16(u16 *mem, u32 *eax, u32 src, u32 fin) {
  u32 f, a = *eax;
  __asm__ volatile("pushl %3\n\tpopfl\n\tcmpxchgw %w4, %1\n\tpushfl\n\tpopl %2"
                   : "+a"(a), "+m"(*mem), "=&r"(f) : "r"(fin), "r"(src) : "cc");
  *eax = a; return f;
}
static u32 cmpxchg8(u8 *mem, u32 *eax, u32 src, u32 fin) {
  u32 f, a = *eax;
  __asm__ volatile("pushl %3\n\tpopfl\n\tcmpxchgb %b4, %1\n\tpushfl\n\tpopl %2"
                   : "+a"(a), "+m"(*mem), "=&r"(f) : "r"(fin), "q"(src) : "cc");
  *eax = a; return f;
}
static u32 cx8b(u64 *mem, u32 *eax, u32 *edx, u32 ebx, u32 ecx, u32 fin) {
  u32 f, a = *eax, d = *edx;
  __asm__ volatile("pushl %4\n\tpopfl\n\tlock cmpxchg8b %2\n\tpushfl\n\tpopl %3"
                   : "+a"(a), "+d"(d), "+m"(*mem), "=&r"(f) : "r"(fin), "b"(ebx), "c"(ecx) : "cc");
  *eax = a; *edx = d; return f;
}

void kmain(void) {
  for (u32 fin = 0; fin < 2; fin++) {
    u32 in = fin ? F_ARITH : 0;
    u32 m32 = 0x11223344, a = 0x11223344, f;
    f = cmpxchg32(&m32, &a, 0xAABBCCDD, in);
    printf("cmpxchg32 eq: mem=%08x eax=%08x fl=", m32, a); print_flags(f, F_ARITH);
    a = 0x01020304;
    f = cmpxchg32(&m32, &a, 0x55555555, in);
    printf(" ne: mem=%08x eax=%08x fl=", m32, a); print_flags(f, F_ARITH);
    u16 m16 = 0x8000; a = 0xFFFF8000;
    f = cmpxchg16(&m16, &a, 0x1234, in);
    printf("\ncmpxchg16 eq: mem=%04x eax=%08x fl=", m16, a); print_flags(f, F_ARITH);
    a = 0xFFFF0001;
    f = cmpxchg16(&m16, &a, 0x4321, in);
    printf(" ne: mem=%04x eax=%08x fl=", m16, a); print_flags(f, F_ARITH);
    u8 m8 = 0x7F; a = 0xABCDEF7F;
    f = cmpxchg8(&m8, &a, 0x80, in);
    printf("\ncmpxchg8 eq: mem=%02x eax=%08x fl=", m8, a); print_flags(f, F_ARITH);
    a = 0xABCDEF00;
    f = cmpxchg8(&m8, &a, 0x01, in);
    printf(" ne: mem=%02x eax=%08x fl=", m8, a); print_flags(f, F_ARITH);
    /* CMPXCHG8B defines ZF and leaves the other flags alone. */
    u64 m64 = 0x0123456789ABCDEFull; u32 d = 0x01234567; a = 0x89ABCDEF;
    f = cx8b(&m64, &a, &d, 0xCAFEBABE, 0xDEADBEEF, in);
    printf("\ncmpxchg8b eq: mem=%08x%08x edx:eax=%08x:%08x fl=", (u32)(m64 >> 32), (u32)m64, d, a); print_flags(f, F_ARITH);
    d = 0; a = 0;
    f = cx8b(&m64, &a, &d, 1, 2, in);
    printf(" ne: mem=%08x%08x edx:eax=%08x:%08x fl=", (u32)(m64 >> 32), (u32)m64, d, a); print_flags(f, F_ARITH);
    printf("\n");
  }
  static const u32 xv[] = { 0, 1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000 };
  for (u32 i = 0; i < 9; i++) {
    printf("xadd %x:", xv[i]);
    for (u32 j = 0; j < 9; j++) {
      u32 m = xv[i], r = xv[j], f;
      __asm__ volatile("lock xaddl %0, %1\n\tpushfl\n\tpopl %2" : "+r"(r), "+m"(m), "=r"(f) :: "cc");
      printf(" %08x,%08x/", m, r); print_flags(f, F_ARITH);
      u16 m16 = (u16)xv[i]; u32 r16 = xv[j];
      __asm__ volatile("xaddw %w0, %1\n\tpushfl\n\tpopl %2" : "+r"(r16), "+m"(m16), "=r"(f) :: "cc");
      printf(" %04x,%04x/", m16, r16 & 0xFFFF); print_flags(f, F_ARITH);
      u8 m8 = (u8)xv[i]; u32 r8 = xv[j];
      __asm__ volatile("xaddb %b0, %1\n\tpushfl\n\tpopl %2" : "+q"(r8), "+m"(m8), "=r"(f) :: "cc");
      printf(" %02x,%02x/", m8, r8 & 0xFF); print_flags(f, F_ARITH);
    }
    printf("\n");
  }
  {
    u32 a = 0x11111111, b = 0x22222222, m = 0x33333333;
    __asm__ volatile("xchgl %0, %1\n\txchgl %1, %2" : "+r"(a), "+r"(b), "+m"(m));
    printf("xchg: %08x %08x %08x\n", a, b, m);
    u32 v = 0x01020304;
    __asm__ volatile("bswap %0" : "+r"(v));
    printf("bswap: %08x", v);
    v = 0x80FF7F00;
    __asm__ volatile("bswap %0" : "+r"(v));
    printf(" %08x\n", v);
  }
  /* CMOVcc/SETcc for all 32 combinations of OF SF ZF PF CF, as one bit per combination. */
  static const u32 bitsel[5] = { F_OF, F_SF, F_ZF, F_PF, F_CF };
  u32 cmov_mask[16] = { 0 }, set_mask[16] = { 0 };
  for (u32 k = 0; k < 32; k++) {
    u32 fin = 0;
    for (u32 b = 0; b < 5; b++) if (k & (1u << b)) fin |= bitsel[b];
    u32 r[16], s[16];
#define CC(i, cc)                                                                  \
    { u32 x = 0, one = 1; u8 sv;                                                   \
      __asm__ volatile("pushl %3\n\tpopfl\n\tcmov" cc "l %2, %0\n\tset" cc " %1"   \
                       : "+r"(x), "=q"(sv) : "r"(one), "r"(fin) : "cc");           \
      r[i] = x; s[i] = sv; }
    CC(0, "o") CC(1, "no") CC(2, "b") CC(3, "ae") CC(4, "e") CC(5, "ne") CC(6, "be") CC(7, "a")
    CC(8, "s") CC(9, "ns") CC(10, "p") CC(11, "np") CC(12, "l") CC(13, "ge") CC(14, "le") CC(15, "g")
    for (u32 i = 0; i < 16; i++) { cmov_mask[i] |= r[i] << k; set_mask[i] |= s[i] << k; }
  }
  for (u32 i = 0; i < 16; i++) printf("cc%x: cmov %08x set %08x\n", i, cmov_mask[i], set_mask[i]);
  exit_guest(0);
}
