/* Small instructions compilers and hand-written kernels lean on: LAHF/SAHF, CBW/CWDE/
   CWD/CDQ, MOVSX/MOVZX, XLAT, LEA with every scale and negative displacements, NEG/NOT,
   CLC/STC/CMC, SETcc after CMP of signed/unsigned edges, BSWAP of 16-bit-zeroed halves,
   and LOOPE/LOOPNE. Printed values only, so the host CPU can check them too. */
#include "ops.h"

void kmain(void) {
  static const u32 fl[] = { 0, F_CF, F_ZF | F_PF, F_SF | F_AF, F_ARITH };
  for (u32 i = 0; i < 5; i++) {
    u32 ah, f;
    __asm__ volatile("pushl %2\n\tpopfl\n\tmovl $0, %%eax\n\tlahf\n\tmovl %%eax, %0\n\tmovl $0xFF00, %%eax\n\tsahf\n\tpushfl\n\tpopl %1"
                     : "=&r"(ah), "=&r"(f) : "r"(fl[i]) : "eax", "cc");
    printf("lahf with %03x: ah=%02x; sahf ff: ", fl[i], (ah >> 8) & 0xFF); print_flags(f, F_ARITH); printf("\n");
  }
  static const u32 sx[] = { 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0x12345678, 0x87654321 };
  for (u32 i = 0; i < 7; i++) {
    u32 a = sx[i], b = sx[i], c = sx[i], d = 0xDDDD, e = sx[i], g = 0xEEEE;
    __asm__ volatile("cbw" : "+a"(a));
    __asm__ volatile("cwde" : "+a"(b));
    __asm__ volatile("cwd" : "+a"(c), "+d"(d));
    __asm__ volatile("cdq" : "+a"(e), "=d"(g));
    u32 m1, m2, m3, m4;
    __asm__ volatile("movsbl %b1, %0" : "=r"(m1) : "q"(sx[i]));
    __asm__ volatile("movswl %w1, %0" : "=r"(m2) : "r"(sx[i]));
    __asm__ volatile("movzbl %b1, %0" : "=r"(m3) : "q"(sx[i]));
    m4 = 0xABCD0000;
    __asm__ volatile("movsbw %b1, %w0" : "+r"(m4) : "q"(sx[i]));
    printf("%08x: cbw %08x cwde %08x cwd %04x:%08x cdq %08x movsx %08x %08x movzx %08x movsbw %08x\n",
           sx[i], a, b, d & 0xFFFF, c, g, m1, m2, m3, m4);
  }
  static const u8 table[16] = "0123456789ABCDEF";
  u32 x = 0x12345607;
  __asm__ volatile("xlat" : "+a"(x) : "b"(table) : "memory");
  printf("xlat: %08x\n", x);
  u32 base = 0x1000, idx = 0xFFFFFFF0, l1, l2, l3, l4, l5;
  __asm__ volatile("leal (%1,%2,1), %0" : "=r"(l1) : "r"(base), "r"(idx));
  __asm__ volatile("leal 4(%1,%2,2), %0" : "=r"(l2) : "r"(base), "r"(idx));
  __asm__ volatile("leal -8(%1,%2,4), %0" : "=r"(l3) : "r"(base), "r"(idx));
  __asm__ volatile("leal 0x7FFFFFFF(%1,%2,8), %0" : "=r"(l4) : "r"(base), "r"(idx));
  __asm__ volatile("leal (,%1,8), %0" : "=r"(l5) : "r"(idx));
  printf("lea: %08x %08x %08x %08x %08x\n", l1, l2, l3, l4, l5);
  u32 f1, f2, f3;
  __asm__ volatile("pushl $0\n\tpopfl\n\tstc\n\tpushfl\n\tpopl %0\n\tcmc\n\tpushfl\n\tpopl %1\n\tcmc\n\tclc\n\tpushfl\n\tpopl %2"
                   : "=r"(f1), "=r"(f2), "=r"(f3) :: "cc");
  printf("stc/cmc/clc: %x %x %x\n", f1 & 1, f2 & 1, f3 & 1);
  static const u32 cmpv[][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 0x7FFFFFFF, 0x80000000 }, { 0x80000000, 0x7FFFFFFF }, { 0xFFFFFFFF, 1 } };
  for (u32 i = 0; i < 6; i++) {
    u8 b, be, l, le, o, s;
    __asm__ volatile("cmpl %7, %6\n\tsetb %0\n\tsetbe %1\n\tsetl %2\n\tsetle %3\n\tseto %4\n\tsets %5"
                     : "=m"(b), "=m"(be), "=m"(l), "=m"(le), "=m"(o), "=m"(s) : "r"(cmpv[i][0]), "r"(cmpv[i][1]) : "cc");
    printf("cmp %08x,%08x: b%u be%u l%u le%u o%u s%u\n", cmpv[i][0], cmpv[i][1], b, be, l, le, o, s);
  }
  u32 cnt, pos;
  static const u8 zs[8] = { 0, 0, 0, 5, 0, 0, 0, 0 };
  __asm__ volatile("movl $8, %%ecx\n\tmovl $-1, %%esi\n1:\n\tincl %%esi\n\tcmpb $0, (%2,%%esi)\n\tloope 1b\n\tmovl %%ecx, %0"
                   : "=r"(cnt), "=S"(pos) : "r"(zs) : "ecx", "cc", "memory");
  printf("loope stops at %u with ecx=%u\n", pos, cnt);
  __asm__ volatile("movl $8, %%ecx\n\tmovl $-1, %%esi\n1:\n\tincl %%esi\n\tcmpb $5, (%2,%%esi)\n\tloopne 1b\n\tmovl %%ecx, %0"
                   : "=r"(cnt), "=S"(pos) : "r"(zs) : "ecx", "cc", "memory");
  printf("loopne stops at %u with ecx=%u\n", pos, cnt);
  exit_guest(0);
}
