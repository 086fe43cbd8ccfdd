/* DAA DAS AAA AAS over every AL with each AF/CF input, AAM and AAD over every AL with
   several bases; AX results and the flags the SDM defines for each instruction. */
#include "ops.h"

#define DEF_BCD(fn, insn)                                                          \
  static u32 fn(u32 ax, u32 fin, u32 *fout) {                                       \
    u32 f;                                                                          \
    __asm__ volatile("pushl %2\n\tpopfl\n\t" insn "\n\tpushfl\n\tpopl %1"          \
                     : "+a"(ax), "=&r"(f) : "r"(fin) : "cc");                       \
    *fout = f; return ax & 0xFFFF;                                                  \
  }
DEF_BCD(daa, "daa")
DEF_BCD(das, "das")
DEF_BCD(aaa, "aaa")
DEF_BCD(aas, "aas")
DEF_BCD(aam10, "aam $10")
DEF_BCD(aam16, "aam $16")
DEF_BCD(aam7, "aam $7")
DEF_BCD(aad10, "aad $10")
DEF_BCD(aad7, "aad $7")
DEF_BCD(aad0, "aad $0")

typedef u32 (*bcd_fn)(u32, u32, u32 *);

static void sweep(const char *name, bcd_fn f, u32 ah, u32 defined, int with_flags_in) {
  for (u32 k = 0; k < (with_flags_in ? 4u : 1u); k++) {
    u32 fin = ((k & 1) ? F_AF : 0) | ((k & 2) ? F_CF : 0);
    for (u32 al = 0; al < 256; al++) {
      if (al % 8 == 0) printf("%s a%u c%u %02x:", name, k & 1, k >> 1, al);
      u32 fl;
      u32 r = f((ah << 8) | al, fin, &fl);
      printf(" %04x/", r);
      print_flags(fl, defined);
      if (al % 8 == 7) printf("\n");
    }
  }
}

void kmain(void) {
  const u32 szapc = F_SF | F_ZF | F_AF | F_PF | F_CF;
  sweep("daa", daa, 0x12, szapc, 1);
  sweep("das", das, 0x12, szapc, 1);
  sweep("aaa", aaa, 0x12, F_AF | F_CF, 1);
  sweep("aaa", aaa, 0xFF, F_AF | F_CF, 1);
  sweep("aas", aas, 0x12, F_AF | F_CF, 1);
  sweep("aas", aas, 0x00, F_AF | F_CF, 1);
  sweep("aam10", aam10, 0x55, F_SF | F_ZF | F_PF, 0);
  sweep("aam16", aam16, 0x55, F_SF | F_ZF | F_PF, 0);
  sweep("aam7", aam7, 0x55, F_SF | F_ZF | F_PF, 0);
  sweep("aad10", aad10, 0x07, F_SF | F_ZF | F_PF, 0);
  sweep("aad10", aad10, 0x39, F_SF | F_ZF | F_PF, 0);
  sweep("aad7", aad7, 0x05, F_SF | F_ZF | F_PF, 0);
  sweep("aad0", aad0, 0x99, F_SF | F_ZF | F_PF, 0);
  exit_guest(0);
}
