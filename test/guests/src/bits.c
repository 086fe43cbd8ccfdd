/* BT BTS BTR BTC (register, immediate and memory forms, with memory bit offsets outside
   the addressed dword, negative ones too) and BSF/BSR. Flags: CF for BT*, ZF for BSF/BSR
   (the rest are undefined); BSF/BSR destinations are undefined for a zero source. */
#include "ops.h"

#define DEF_BT(fn, insn)                                                              \
  static u32 fn##_r32(u32 a, u32 b, u32 fin, u32 *fout) {                              \
    u32 f;                                                                            \
    __asm__ volatile("pushl %3\n\tpopfl\n\t" insn "l %2, %0\n\tpushfl\n\tpopl %1"    \
                     : "+r"(a), "=&r"(f) : "r"(b), "r"(fin) : "cc");                  \
    *fout = f; return a;                                                              \
  }                                                                                   \
  static u32 fn##_r16(u32 a, u32 b, u32 fin, u32 *fout) {                              \
    u32 f;                                                                            \
    __asm__ volatile("pushl %3\n\tpopfl\n\t" insn "w %w2, %w0\n\tpushfl\n\tpopl %1"  \
                     : "+r"(a), "=&r"(f) : "r"(b), "r"(fin) : "cc");                  \
    *fout = f; return a;                                                              \
  }                                                                                   \
  static u32 fn##_i13(u32 a, u32 fin, u32 *fout) {                                     \
    u32 f;                                                                            \
    __asm__ volatile("pushl %2\n\tpopfl\n\t" insn "l $45, %0\n\tpushfl\n\tpopl %1"   \
                     : "+r"(a), "=&r"(f) : "r"(fin) : "cc");                          \
    *fout = f; return a;                                                              \
  }                                                                                   \
  static void fn##_m32(u8 *base, s32 bit, u32 fin, u32 *fout) {                        \
    u32 f;                                                                            \
    __asm__ volatile("pushl %2\n\tpopfl\n\t" insn "l %1, (%3)\n\tpushfl\n\tpopl %0"  \
                     : "=&r"(f) : "r"(bit), "r"(fin), "r"(base) : "cc", "memory");    \
    *fout = f;                                                                        \
  }                                                                                   \
  static void fn##_m16(u8 *base, s32 bit, u32 fin, u32 *fout) {                        \
    u32 f;                                                                            \
    __asm__ volatile("pushl %2\n\tpopfl\n\t" insn "w %w1, (%3)\n\tpushfl\n\tpopl %0" \
                     : "=&r"(f) : "r"(bit), "r"(fin), "r"(base) : "cc", "memory");    \
    *fout = f;                                                                        \
  }
DEF_BT(bt, "bt")
DEF_BT(bts, "bts")
DEF_BT(btr, "btr")
DEF_BT(btc, "btc")

typedef u32 (*btr_fn)(u32, u32, u32, u32 *);
typedef u32 (*bti_fn)(u32, u32, u32 *);
typedef void (*btm_fn)(u8 *, s32, u32, u32 *);

static u8 area[64];

static void fill(void) { for (u32 i = 0; i < sizeof(area); i++) area[i] = (u8)(i * 37 + 11); }

static void one(const char *name, btr_fn r32, btr_fn r16, bti_fn i13, btm_fn m32, btm_fn m16) {
  static const u32 offs[] = { 0, 1, 15, 16, 31, 32, 33, 63, 255 };
  const u32 d = F_CF | F_ZF;   /* ZF unaffected: must still equal its input */
  for (u32 fin = 0; fin < 2; fin++) {
    u32 in = fin ? F_ARITH : 0;
    printf("%s r32 %s:", name, fin ? "all" : "none");
    for (u32 i = 0; i < 9; i++) { u32 fl; u32 r = r32(0x9ABC5D6E, offs[i], in, &fl); printf(" %08x/", r); print_flags(fl, d); }
    printf("\n%s r16 %s:", name, fin ? "all" : "none");
    for (u32 i = 0; i < 9; i++) { u32 fl; u32 r = r16(0x5D6E, offs[i], in, &fl); printf(" %04x/", r & 0xFFFF); print_flags(fl, d); }
    { u32 fl; u32 r = i13(0x00002000, in, &fl); printf("\n%s imm45: %08x/", name, r); print_flags(fl, d); }
    static const s32 moffs[] = { -200, -129, -33, -1, 0, 7, 31, 32, 100, 255 };
    printf("\n%s m32 %s:", name, fin ? "all" : "none");
    fill();
    for (u32 i = 0; i < 10; i++) { u32 fl; m32(area + 32, moffs[i], in, &fl); print_flags(fl, d); serial_putc(' '); }
    printf("\n");
    hexdump(area, sizeof(area));
    printf("%s m16 %s:", name, fin ? "all" : "none");
    fill();
    for (u32 i = 0; i < 10; i++) { u32 fl; m16(area + 32, moffs[i], in, &fl); print_flags(fl, d); serial_putc(' '); }
    printf("\n");
    hexdump(area, sizeof(area));
  }
}

static u32 bsf32(u32 v, u32 *fout) {
  u32 r = 0xDEAD, f;
  __asm__ volatile("bsfl %2, %0\n\tpushfl\n\tpopl %1" : "+r"(r), "=&r"(f) : "r"(v) : "cc");
  *fout = f; return r;
}
static u32 bsr32(u32 v, u32 *fout) {
  u32 r = 0xDEAD, f;
  __asm__ volatile("bsrl %2, %0\n\tpushfl\n\tpopl %1" : "+r"(r), "=&r"(f) : "r"(v) : "cc");
  *fout = f; return r;
}
static u32 bsf16(u32 v, u32 *fout) {
  u32 r = 0xDEAD, f;
  __asm__ volatile("bsfw %w2, %w0\n\tpushfl\n\tpopl %1" : "+r"(r), "=&r"(f) : "r"(v) : "cc");
  *fout = f; return r & 0xFFFF;
}
static u32 bsr16(u32 v, u32 *fout) {
  u32 r = 0xDEAD, f;
  __asm__ volatile("bsrw %w2, %w0\n\tpushfl\n\tpopl %1" : "+r"(r), "=&r"(f) : "r"(v) : "cc");
  *fout = f; return r & 0xFFFF;
}

void kmain(void) {
  one("bt", bt_r32, bt_r16, bt_i13, bt_m32, bt_m16);
  one("bts", bts_r32, bts_r16, bts_i13, bts_m32, bts_m16);
  one("btr", btr_r32, btr_r16, btr_i13, btr_m32, btr_m16);
  one("btc", btc_r32, btc_r16, btc_i13, btc_m32, btc_m16);
  static const u32 vals[] = { 0, 1, 2, 0x80, 0x8000, 0x10000, 0x80000000, 0xFFFFFFFF, 0x00F0F000, 0x12345678, 0x00010000 };
  for (u32 i = 0; i < sizeof(vals) / 4; i++) {
    u32 f1, f2, f3, f4;
    u32 a = bsf32(vals[i], &f1), b = bsr32(vals[i], &f2), c = bsf16(vals[i], &f3), e = bsr16(vals[i], &f4);
    printf("bs %08x: bsf32 %x zf%u bsr32 %x zf%u bsf16 %x zf%u bsr16 %x zf%u\n", vals[i],
           (f1 & F_ZF) ? 0 : a, !!(f1 & F_ZF), (f2 & F_ZF) ? 0 : b, !!(f2 & F_ZF),
           (f3 & F_ZF) ? 0 : c, !!(f3 & F_ZF), (f4 & F_ZF) ? 0 : e, !!(f4 & F_ZF));
  }
  exit_guest(0);
}
