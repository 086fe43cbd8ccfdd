/* Helpers for computation guests: run one instruction with chosen input flags and
   capture the result and EFLAGS. Used by the guests the host CPU also runs. */
#ifndef OPS_H
#define OPS_H
#include "lib.h"

/* Two-operand ops: dst = dst OP src. */
#define DEF_OP2(fn, insn)                                                              \
  static u32 fn##32(u32 a, u32 b, u32 fin, u32 *fout) {                                  \
    u32 f;                                                                              \
    __asm__ volatile("pushl %3\n\tpopfl\n\t" insn "l %2, %0\n\tpushfl\n\tpopl %1"      \
                     : "+r"(a), "=&r"(f) : "r"(b), "r"(fin) : "cc");                    \
    *fout = f; return a;                                                                \
  }                                                                                     \
  static u32 fn##16(u32 a, u32 b, u32 fin, u32 *fout) {                                  \
    u32 f;                                                                              \
    __asm__ volatile("pushl %3\n\tpopfl\n\t" insn "w %w2, %w0\n\tpushfl\n\tpopl %1"    \
                     : "+r"(a), "=&r"(f) : "r"(b), "r"(fin) : "cc");                    \
    *fout = f; return a;                                                                \
  }                                                                                     \
  static u32 fn##8(u32 a, u32 b, u32 fin, u32 *fout) {                                   \
    u32 f;                                                                              \
    __asm__ volatile("pushl %3\n\tpopfl\n\t" insn "b %b2, %b0\n\tpushfl\n\tpopl %1"    \
                     : "+q"(a), "=&r"(f) : "q"(b), "r"(fin) : "cc");                    \
    *fout = f; return a;                                                                \
  }

/* One-operand ops on dst. */
#define DEF_OP1(fn, insn)                                                              \
  static u32 fn##32(u32 a, u32 fin, u32 *fout) {                                         \
    u32 f;                                                                              \
    __asm__ volatile("pushl %2\n\tpopfl\n\t" insn "l %0\n\tpushfl\n\tpopl %1"          \
                     : "+r"(a), "=&r"(f) : "r"(fin) : "cc");                            \
    *fout = f; return a;                                                                \
  }                                                                                     \
  static u32 fn##16(u32 a, u32 fin, u32 *fout) {                                         \
    u32 f;                                                                              \
    __asm__ volatile("pushl %2\n\tpopfl\n\t" insn "w %w0\n\tpushfl\n\tpopl %1"         \
                     : "+r"(a), "=&r"(f) : "r"(fin) : "cc");                            \
    *fout = f; return a;                                                                \
  }                                                                                     \
  static u32 fn##8(u32 a, u32 fin, u32 *fout) {                                          \
    u32 f;                                                                              \
    __asm__ volatile("pushl %2\n\tpopfl\n\t" insn "b %b0\n\tpushfl\n\tpopl %1"         \
                     : "+q"(a), "=&r"(f) : "r"(fin) : "cc");                            \
    *fout = f; return a;                                                                \
  }

/* Shift/rotate by CL. */
#define DEF_SHIFT(fn, insn)                                                            \
  static u32 fn##32(u32 a, u32 c, u32 fin, u32 *fout) {                                  \
    u32 f;                                                                              \
    __asm__ volatile("pushl %3\n\tpopfl\n\t" insn "l %%cl, %0\n\tpushfl\n\tpopl %1"    \
                     : "+r"(a), "=&r"(f) : "c"(c), "r"(fin) : "cc");                    \
    *fout = f; return a;                                                                \
  }                                                                                     \
  static u32 fn##16(u32 a, u32 c, u32 fin, u32 *fout) {                                  \
    u32 f;                                                                              \
    __asm__ volatile("pushl %3\n\tpopfl\n\t" insn "w %%cl, %w0\n\tpushfl\n\tpopl %1"   \
                     : "+r"(a), "=&r"(f) : "c"(c), "r"(fin) : "cc");                    \
    *fout = f; return a;                                                                \
  }                                                                                     \
  static u32 fn##8(u32 a, u32 c, u32 fin, u32 *fout) {                                   \
    u32 f;                                                                              \
    __asm__ volatile("pushl %3\n\tpopfl\n\t" insn "b %%cl, %b0\n\tpushfl\n\tpopl %1"   \
                     : "+q"(a), "=&r"(f) : "c"(c), "r"(fin) : "cc");                    \
    *fout = f; return a;                                                                \
  }

static inline u32 size_mask(int bits) { return bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1; }

/* Flags as letters, defined ones only ('-' where masked out): O S Z A P C. */
static inline void print_flags(u32 f, u32 defined) {
  static const struct { u32 bit; char c; } t[] = {
    { F_OF, 'O' }, { F_SF, 'S' }, { F_ZF, 'Z' }, { F_AF, 'A' }, { F_PF, 'P' }, { F_CF, 'C' } };
  for (int i = 0; i < 6; i++)
    serial_putc(!(defined & t[i].bit) ? '-' : (f & t[i].bit) ? t[i].c : '.');
}
#endif
