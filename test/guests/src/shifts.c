/* SHL SHR SAR ROL ROR RCL RCR (8/16/32) and SHLD SHRD (16/32) with counts 0..33 in CL:
   results and the flags the SDM defines for that count (count masked to 5 bits; zero
   count changes nothing; OF only for 1-bit shifts; CF undefined for SHL/SHR counts >=
   the operand size; AF undefined after shifts; rotates leave SF ZF AF PF alone). */
#include "ops.h"

DEF_SHIFT(shl, "shl")
DEF_SHIFT(shr, "shr")
DEF_SHIFT(sar, "sar")
DEF_SHIFT(rol, "rol")
DEF_SHIFT(ror, "ror")
DEF_SHIFT(rcl, "rcl")
DEF_SHIFT(rcr, "rcr")

#define DEF_DSHIFT(fn, insn)                                                           \
  static u32 fn##32(u32 a, u32 b, u32 c, u32 fin, u32 *fout) {                          \
    u32 f;                                                                             \
    __asm__ volatile("pushl %4\n\tpopfl\n\t" insn "l %%cl, %2, %0\n\tpushfl\n\tpopl %1" \
                     : "+r"(a), "=&r"(f) : "r"(b), "c"(c), "r"(fin) : "cc");           \
    *fout = f; return a;                                                               \
  }                                                                                    \
  static u32 fn##16(u32 a, u32 b, u32 c, u32 fin, u32 *fout) {                          \
    u32 f;                                                                             \
    __asm__ volatile("pushl %4\n\tpopfl\n\t" insn "w %%cl, %w2, %w0\n\tpushfl\n\tpopl %1" \
                     : "+r"(a), "=&r"(f) : "r"(b), "c"(c), "r"(fin) : "cc");           \
    *fout = f; return a;                                                               \
  }
DEF_DSHIFT(shld, "shld")
DEF_DSHIFT(shrd, "shrd")

typedef u32 (*sh_fn)(u32, u32, u32, u32 *);
enum kind { K_SHL, K_SHR, K_SAR, K_ROT, K_RC };

static u32 defined_flags(enum kind k, int bits, u32 count) {
  u32 c = count & 0x1F;
  if (c == 0) return F_ARITH;                       /* nothing changes */
  u32 d;
  switch (k) {
    case K_ROT: case K_RC:
      d = F_SF | F_ZF | F_AF | F_PF | F_CF;          /* SF ZF AF PF untouched, CF set */
      break;
    default:
      d = F_SF | F_ZF | F_PF | F_CF;
      if ((k == K_SHL || k == K_SHR) && c >= (u32)bits) d &= ~F_CF;
      break;
  }
  if (c == 1) d |= F_OF;
  return d;
}

static const u32 vals[] = { 0x80000001, 0x12345678, 0xF0F0F00F };

static void sweep(const char *name, enum kind k, sh_fn f8, sh_fn f16, sh_fn f32) {
  for (int s = 0; s < 3; s++) {
    int bits = 8 << s;
    sh_fn f = s == 0 ? f8 : s == 1 ? f16 : f32;
    u32 m = size_mask(bits);
    for (u32 v = 0; v < 3; v++)
      for (u32 fin = 0; fin < 2; fin++) {
        printf("%s%d %x %s:", name, bits, vals[v] & m, fin ? "all" : "none");
        for (u32 c = 0; c <= 33; c++) {
          u32 fl;
          u32 r = f(vals[v] & m, c, fin ? F_ARITH : 0, &fl);
          printf(" %x/", r & m);
          print_flags(fl, defined_flags(k, bits, c));
        }
        printf("\n");
      }
  }
}

static void dsweep(const char *name, u32 (*f16)(u32, u32, u32, u32, u32 *), u32 (*f32)(u32, u32, u32, u32, u32 *)) {
  for (int s = 1; s < 3; s++) {
    int bits = 8 << s;
    u32 m = size_mask(bits);
    for (u32 v = 0; v < 3; v++)
      for (u32 fin = 0; fin < 2; fin++) {
        u32 other = 0xA5C3F00F & m;
        printf("%s%d %x,%x %s:", name, bits, vals[v] & m, other, fin ? "all" : "none");
        for (u32 c = 0; c <= 33; c++) {
          u32 fl, r;
          u32 mc = c & 0x1F;
          r = (s == 1 ? f16 : f32)(vals[v] & m, other, c, fin ? F_ARITH : 0, &fl);
          if (mc > (u32)bits) { printf(" u"); continue; }   /* result and flags undefined */
          u32 d = mc == 0 ? F_ARITH : (F_SF | F_ZF | F_PF | F_CF | (mc == 1 ? F_OF : 0));
          printf(" %x/", r & m);
          print_flags(fl, d);
        }
        printf("\n");
      }
  }
}

void kmain(void) {
  sweep("shl", K_SHL, shl8, shl16, shl32);
  sweep("shr", K_SHR, shr8, shr16, shr32);
  sweep("sar", K_SAR, sar8, sar16, sar32);
  sweep("rol", K_ROT, rol8, rol16, rol32);
  sweep("ror", K_ROT, ror8, ror16, ror32);
  sweep("rcl", K_RC, rcl8, rcl16, rcl32);
  sweep("rcr", K_RC, rcr8, rcr16, rcr32);
  dsweep("shld", shld16, shld32);
  dsweep("shrd", shrd16, shrd32);
  exit_guest(0);
}
