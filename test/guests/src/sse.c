/* SSE to SSSE3 the way compiled code uses them: this file alone is built with
   gcc -msse2 -msse3 -mssse3 -mfpmath=sse -O2 -ftree-vectorize (see the Makefile), so its copy,
   fill and sum loops become MOVDQU/MOVDQA/PXOR/PADDD code and its double and float
   arithmetic scalar SSE. Then the instructions by intrinsics: packed integer and float
   operations, shuffles, conversions in the four MXCSR rounding modes, MXCSR's sticky flags,
   DAZ/FTZ, the #UD and #NM rules of CR0 and CR4, FXSAVE/FXRSTOR. Values are printed as hex
   bits. Judged against QEMU with SSE (sse.qemu-cpu); what QEMU 7.2 does not model is in
   ssefault.c, judged against the SDM. */
#include <emmintrin.h>
#include <pmmintrin.h>
#include <tmmintrin.h>
#include "lib.h"

typedef union { double d; u64 u; } dbits;
typedef union { float f; u32 u; } fbits;
static u32 db_hi(double d) { dbits b; b.d = d; return (u32)(b.u >> 32); }
static u32 db_lo(double d) { dbits b; b.d = d; return (u32)b.u; }
static u32 fb(float f) { fbits b; b.f = f; return b.u; }
static u32 get_mxcsr(void) { return _mm_getcsr(); }
/* The exception flags without DE: QEMU 7.2's TCG never reports denormal operands (the SDM
   and the host CPU do; ssefault.c checks DE against the SDM, the host oracle everywhere). */
static u32 flags(void) { return _mm_getcsr() & 0x3D; }
static void set_mxcsr(u32 v) { _mm_setcsr(v); }
static void pr128(const char *w, __m128i v) {
  u32 x[4]; _mm_storeu_si128((__m128i *)x, v);
  printf("%s=%08x %08x %08x %08x\n", w, x[3], x[2], x[1], x[0]);
}

static u8 src[1024] __attribute__((aligned(16))), dst[1024] __attribute__((aligned(16)));

__attribute__((noinline)) static void copy(u8 *d, const u8 *s, u32 n) { for (u32 i = 0; i < n; i++) d[i] = s[i]; }
__attribute__((noinline)) static void fill(u8 *d, u8 v, u32 n) { for (u32 i = 0; i < n; i++) d[i] = v; }
__attribute__((noinline)) static u32 sum32(const u32 *p, u32 n) { u32 s = 0; for (u32 i = 0; i < n; i++) s += p[i] ^ (i * 2654435761u); return s; }
__attribute__((noinline)) static u32 fnv(const u8 *p, u32 n) { u32 h = 2166136261u; for (u32 i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u; return h; }

static void memory_loops(void) {
  for (u32 i = 0; i < sizeof src; i++) src[i] = (u8)(i * 37 + (i >> 3));
  static const u32 offs[][3] = { { 0, 0, 1024 }, { 1, 3, 700 }, { 15, 0, 513 }, { 7, 9, 64 }, { 0, 16, 17 } };
  for (u32 k = 0; k < 5; k++) {
    fill(dst, 0xA5, sizeof dst);
    copy(dst + offs[k][0], src + offs[k][1], offs[k][2] - offs[k][0]);
    printf("copy %u: fnv %08x\n", k, fnv(dst, sizeof dst));
  }
  printf("sum32 %08x\n", sum32((const u32 *)src, sizeof src / 4));
}

static volatile double dv[] = { 1.0, -2.5, 3.141592653589793, 1e-310, 1e300, -0.0, 7.0 / 3.0, 2147483647.5 };
static volatile float fv[] = { 1.5f, -0.1f, 3.4e38f, 1e-40f, 16777217.0f, -7.25f, 0.3f, 100.0f };

__attribute__((noinline)) static double poly(double x) { return ((x * 0.25 - 1.5) * x + 2.0) * x - 0.125; }
__attribute__((noinline)) static float dotf(const volatile float *a, u32 n) { float s = 0; for (u32 i = 0; i < n; i++) s += a[i] * a[(i + 3) & 7]; return s; }

static void float_code(void) {
  set_mxcsr(0x1F80);
  for (u32 i = 0; i < 8; i++) {
    double x = dv[i];
    double r = poly(x), q = x / 3.0, s = __builtin_sqrt(x < 0 ? -x : x);
    printf("d%u poly %08x%08x div3 %08x%08x sqrt %08x%08x int %08x float %08x\n", i, db_hi(r), db_lo(r), db_hi(q), db_lo(q),
           db_hi(s), db_lo(s), (u32)(s32)(x > -2e9 && x < 2e9 ? x : 0), fb((float)x));
  }
  float d = dotf(fv, 8);
  printf("dotf %08x min %08x max %08x\n", fb(d), fb(fv[1] < fv[5] ? fv[1] : fv[5]), fb(fv[2] > fv[4] ? fv[2] : fv[4]));
  printf("mxcsr flags after the float code %02x\n", flags());
}

static void conversions(void) {
  static const char *rc_name[4] = { "near", "down", "up", "zero" };
  static volatile double cv[] = { 2.5, -2.5, 3.5, -0.5, 1.4999999, -1e10, 2147483647.4, -2147483648.6 };
  for (u32 rc = 0; rc < 4; rc++) {
    set_mxcsr(0x1F80 | (rc << 13));
    printf("rc %s:", rc_name[rc]);
    for (u32 i = 0; i < 8; i++) {
      __m128d v = _mm_set_sd(cv[i]);
      printf(" %08x/%08x", (u32)_mm_cvtsd_si32(v), (u32)_mm_cvttsd_si32(v));
    }
    __m128 f = _mm_cvtpd_ps(_mm_set_pd(1.0 / 3.0, -2.0 / 3.0));
    __m128 g = _mm_cvtepi32_ps(_mm_set_epi32(16777217, -16777219, 0x7fffffff, 3));
    __m128d h = _mm_div_pd(_mm_set_pd(1.0, -1.0), _mm_set_pd(3.0, 7.0));
    printf(" | %08x %08x | %08x %08x %08x %08x | %08x%08x", fb(_mm_cvtss_f32(f)), fb(_mm_cvtss_f32(_mm_shuffle_ps(f, f, 1))),
           fb(_mm_cvtss_f32(g)), fb(_mm_cvtss_f32(_mm_shuffle_ps(g, g, 1))), fb(_mm_cvtss_f32(_mm_shuffle_ps(g, g, 2))),
           fb(_mm_cvtss_f32(_mm_shuffle_ps(g, g, 3))), db_hi(_mm_cvtsd_f64(h)), db_lo(_mm_cvtsd_f64(h)));
    printf(" flags %02x\n", flags());
  }
  /* FISTTP truncates whatever the x87 RC says. */
  u16 cw = 0x0F7F; s32 t;   /* RC = up */
  volatile double x = -2.75;
  __asm__ volatile("fldcw %1\n\tfldl %2\n\tfisttpl %0" : "=m"(t) : "m"(cw), "m"(x));
  printf("fisttp -2.75 rc up: %d\n", t);
  cw = 0x037F; __asm__ volatile("fldcw %0" :: "m"(cw));
}

static void flags_and_modes(void) {
  static const struct { const char *name; double a, b; int op; } cases[] = {
    { "1/3", 1.0, 3.0, 3 }, { "1/0", 1.0, 0.0, 3 }, { "0/0", 0.0, 0.0, 3 }, { "big*big", 1e300, 1e300, 2 },
    { "tiny*tiny", 1e-300, 1e-300, 2 }, { "denorm+1", 1e-310, 1.0, 0 }, { "denorm*2", 1e-310, 2.0, 2 }, { "1-1", 1.0, 1.0, 1 },
  };
  static const u32 modes[] = { 0x1F80, 0x9F80, 0x1FC0, 0x5F80 };
  for (u32 m = 0; m < 4; m++) {
    printf("mxcsr %04x:", modes[m]);
    for (u32 i = 0; i < 8; i++) {
      set_mxcsr(modes[m]);
      __m128d a = _mm_set_sd(cases[i].a), b = _mm_set_sd(cases[i].b), r;
      switch (cases[i].op) {
        case 0: r = _mm_add_sd(a, b); break;
        case 1: r = _mm_sub_sd(a, b); break;
        case 2: r = _mm_mul_sd(a, b); break;
        default: r = _mm_div_sd(a, b); break;
      }
      double v = _mm_cvtsd_f64(r);
      printf(" %s=%08x%08x/%02x", cases[i].name, db_hi(v), db_lo(v), flags());
    }
    printf("\n");
  }
  set_mxcsr(0x1F80);
  __m128 n = _mm_sqrt_ps(_mm_set_ps(-1.0f, 4.0f, 0.0f, -0.0f));
  pr128("sqrtps -1 4 0 -0", _mm_castps_si128(n));
  printf("flags %02x\n", flags());
  set_mxcsr(0x1F80);
  __m128 mn = _mm_min_ps(_mm_castsi128_ps(_mm_set_epi32(0x7fc00000, 0, 0x80000000, 0x3f800000)), _mm_set_ps(1.0f, -0.0f, 0.0f, 2.0f));
  pr128("minps with nan and zeros", _mm_castps_si128(mn));
  __m128d cmp = _mm_cmplt_pd(_mm_set_pd(1.0, 2.0), _mm_set_pd(__builtin_nan(""), 3.0));
  pr128("cmpltpd", _mm_castpd_si128(cmp));
  printf("flags %02x comisd %d ucomisd %d\n", flags(), _mm_comilt_sd(_mm_set_sd(1.0), _mm_set_sd(2.0)), _mm_ucomieq_sd(_mm_set_sd(1.0), _mm_set_sd(__builtin_nan(""))));
}

static void integer_ops(void) {
  __m128i a = _mm_set_epi32(0x80007fff, 0x12345678, 0xfffe0001, 0x7f80ff01);
  __m128i b = _mm_set_epi32(0x0001ffff, 0x9abcdef0, 0x00020003, 0x80017ffe);
  pr128("paddsw", _mm_adds_epi16(a, b)); pr128("psubusb", _mm_subs_epu8(a, b)); pr128("pmaddwd", _mm_madd_epi16(a, b));
  pr128("pmulhw", _mm_mulhi_epi16(a, b)); pr128("pmuludq", _mm_mul_epu32(a, b)); pr128("paddq", _mm_add_epi64(a, b));
  pr128("packsswb", _mm_packs_epi16(a, b)); pr128("packuswb", _mm_packus_epi16(a, b)); pr128("packssdw", _mm_packs_epi32(a, b));
  pr128("pcmpgtw", _mm_cmpgt_epi16(a, b)); pr128("pavgb", _mm_avg_epu8(a, b)); pr128("psadbw", _mm_sad_epu8(a, b));
  pr128("pshufd 1b", _mm_shuffle_epi32(a, 0x1b)); pr128("pshufhw", _mm_shufflehi_epi16(a, 0x93)); pr128("pshuflw", _mm_shufflelo_epi16(b, 0x39));
  pr128("punpcklbw", _mm_unpacklo_epi8(a, b)); pr128("punpckhqdq", _mm_unpackhi_epi64(a, b));
  pr128("psraw 3", _mm_srai_epi16(a, 3)); pr128("psrlq 33", _mm_srli_epi64(a, 33)); pr128("pslldq 5", _mm_slli_si128(a, 5));
  pr128("psrldq 7", _mm_srli_si128(b, 7)); pr128("psllw xmm 17", _mm_sll_epi16(a, _mm_cvtsi32_si128(17)));
  printf("pmovmskb %04x movmskps %x pextrw %04x\n", _mm_movemask_epi8(a), _mm_movemask_ps(_mm_castsi128_ps(b)), _mm_extract_epi16(b, 5));
  pr128("pinsrw", _mm_insert_epi16(a, 0xbeef, 6));
  __m128 f = _mm_set_ps(4.0f, 3.0f, 2.0f, 1.0f), g = _mm_set_ps(-8.0f, 0.5f, 10.0f, -1.0f);
  pr128("shufps", _mm_castps_si128(_mm_shuffle_ps(f, g, 0xb1))); pr128("unpckhps", _mm_castps_si128(_mm_unpackhi_ps(f, g)));
  pr128("haddps", _mm_castps_si128(_mm_hadd_ps(f, g))); pr128("addsubps", _mm_castps_si128(_mm_addsub_ps(f, g)));
  pr128("movshdup", _mm_castps_si128(_mm_movehdup_ps(g))); pr128("movddup", _mm_castpd_si128(_mm_movedup_pd(_mm_set_pd(1.0, -3.0))));
  pr128("lddqu", _mm_lddqu_si128((const __m128i *)(src + 3)));
  pr128("andnps", _mm_castps_si128(_mm_andnot_ps(f, g)));
  /* SSSE3 */
  pr128("pshufb", _mm_shuffle_epi8(a, _mm_set_epi32(0x80010203, 0x0f0e0d0c, 0x8f07a605, 0x04030201)));
  pr128("phaddsw", _mm_hadds_epi16(a, b)); pr128("phsubd", _mm_hsub_epi32(a, b)); pr128("pmaddubsw", _mm_maddubs_epi16(a, b));
  pr128("psignw", _mm_sign_epi16(a, b)); pr128("pmulhrsw", _mm_mulhrs_epi16(a, b)); pr128("pabsb", _mm_abs_epi8(a));
  pr128("palignr 5", _mm_alignr_epi8(a, b, 5)); pr128("palignr 20", _mm_alignr_epi8(a, b, 20));
}

static u8 fx[512] __attribute__((aligned(16)));

static void guards(void) {
  u32 cr0 = read_cr0(), cr4 = read_cr4();
  /* Unmasked exceptions (#XM) are in ssefault.c: QEMU 7.2's TCG does not raise them. */
  trap_clear();
  write_cr0(cr0 | 8);        /* TS */
  TRY("xorps %%xmm0, %%xmm0", : : "xmm0");
  printf("xorps with cr0.ts: vector %u\n", last_trap.count ? last_trap.vector : 99);
  write_cr0(cr0);
  trap_clear();
  write_cr4(cr4 & ~0x200u);  /* OSFXSR off */
  TRY("xorps %%xmm0, %%xmm0", : : "xmm0");
  printf("xorps without cr4.osfxsr: vector %u\n", last_trap.count ? last_trap.vector : 99);
  write_cr4(cr4);
  trap_clear();
  TRY("movaps %0, %%xmm0", : "m"(fx[8]) : "xmm0");
  printf("movaps misaligned: vector %u\n", last_trap.count ? last_trap.vector : 99);

  /* FXSAVE/FXRSTOR: MXCSR and XMM survive a round trip through memory. */
  set_mxcsr(0x3FA0);
  __asm__ volatile("movdqu %0, %%xmm5\n\tfxsave %1" : : "m"(src[32]), "m"(fx) : "xmm5", "memory");
  printf("fxsave: fcw %04x mxcsr %08x mask-nonzero %u xmm5 %08x %08x\n", fx[0] | (fx[1] << 8), *(u32 *)(fx + 24), *(u32 *)(fx + 28) != 0,
         *(u32 *)(fx + 160 + 5 * 16), *(u32 *)(fx + 160 + 5 * 16 + 12));
  *(u32 *)(fx + 24) = 0x1F80;
  fx[160 + 5 * 16] ^= 0xff;
  u32 x5;
  __asm__ volatile("fxrstor %1\n\tmovd %%xmm5, %0" : "=r"(x5) : "m"(fx) : "xmm5");
  printf("fxrstor: mxcsr %08x xmm5 %08x\n", get_mxcsr(), x5);
  set_mxcsr(0x1F80);
}

__attribute__((noinline)) static void run(void) {
  memory_loops();
  float_code();
  conversions();
  flags_and_modes();
  integer_ops();
  guards();
}

/* No SSE code may run before CR0.EM is clear and CR4.OSFXSR/OSXMMEXCPT are set. */
void kmain(void) {
  write_cr0((read_cr0() & ~4u) | 2u);
  write_cr4(read_cr4() | 0x600u);
  run();
  exit_guest(0);
}
