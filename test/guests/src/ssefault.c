/* What SSE does that QEMU 7.2's TCG does not model, judged against ssefault.expected (written
   from the SDM): unmasked SIMD exceptions raise #XM with CR4.OSXMMEXCPT and #UD without,
   leaving the destination alone (pre-computation: IE, ZE; post-computation: PE); MXCSR.DE
   for a denormal operand, not under DAZ; FXRSTOR and LDMXCSR refuse reserved MXCSR bits;
   XGETBV/XSETBV, XSAVE and XRSTOR (standard form, x87 and SSE). */
#include "lib.h"

static u32 mxcsr_now(void) { u32 v; __asm__ volatile("stmxcsr %0" : "=m"(v)); return v; }
static void mxcsr_set(u32 v) { __asm__ volatile("ldmxcsr %0" :: "m"(v)); }
static u32 vec(void) { return last_trap.count ? last_trap.vector : 99; }

static volatile float one = 1.0f, zero = 0.0f, three = 3.0f, minus = -1.0f;
static volatile double denorm = 1e-310, done = 1.0;
static u8 fx[512] __attribute__((aligned(16)));

static void unmasked(const char *what, u32 mxcsr, volatile float *a, volatile float *b, int sqrt) {
  float out = 0;
  mxcsr_set(mxcsr);
  trap_clear();
  if (sqrt) TRY("movss %1, %%xmm1\n\tsqrtss %2, %%xmm1\n\tmovss %%xmm1, %0", "=m"(out) : "m"(*a), "m"(*b) : "xmm1");
  else TRY("movss %1, %%xmm1\n\tdivss %2, %%xmm1\n\tmovss %%xmm1, %0", "=m"(out) : "m"(*a), "m"(*b) : "xmm1");
  /* On a fault the store after it is skipped: read XMM1 itself. */
  u32 x1;
  __asm__ volatile("movd %%xmm1, %0" : "=r"(x1));
  printf("%s: vector %u mxcsr %04x xmm1 %08x\n", what, vec(), mxcsr_now(), x1);
  mxcsr_set(0x1F80);
}

static u8 xs[576] __attribute__((aligned(64)));
static const u32 pattern[4] __attribute__((aligned(16))) = { 0x11223344, 0x55667788, 0x99aabbcc, 0xddeeff00 };

static void cpuid1(u32 *c) { u32 a, b, d; cpuid(1, &a, &b, c, &d); }

/* XSAVE/XRSTOR through XCR0 (QEMU 7.2 hangs on this code with -cpu ...,+xsave). Both
   components hold non-initial state before XSAVE (FCW 027F, XMM5 non-zero), so XSTATE_BV
   must read 3. */
static void xsave_area(void) {
  u32 c;
  cpuid1(&c);
  if (!(c & (1u << 26))) { printf("no xsave\n"); return; }
  write_cr4(read_cr4() | (1u << 18));
  cpuid1(&c);
  u32 lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  printf("osxsave %u xcr0 %08x:%08x\n", (c >> 27) & 1, hi, lo);
  __asm__ volatile("xsetbv" :: "a"(3), "d"(0), "c"(0));
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  u32 a, b, d;
  cpuid(0xd, &a, &b, &c, &d);
  printf("xcr0 %08x leaf 0xd subleaf 0: %08x size %u\n", lo, a & 3, b);
  u16 cw = 0x027F;
  __asm__ volatile("fninit\n\tfldcw %0" :: "m"(cw));
  mxcsr_set(0x1FA0);
  __asm__ volatile("movdqa %0, %%xmm5\n\txsave %1" : : "m"(pattern), "m"(xs), "a"(3), "d"(0) : "xmm5", "memory");
  printf("xsave: fcw %04x xstate_bv %08x mxcsr %08x xmm5 %08x %08x\n", xs[0] | (xs[1] << 8), *(u32 *)(xs + 512), *(u32 *)(xs + 24),
         *(u32 *)(xs + 160 + 5 * 16), *(u32 *)(xs + 160 + 5 * 16 + 12));
  *(u32 *)(xs + 512) = 1;    /* SSE in its initial state: XRSTOR zeroes the XMM registers, MXCSR still comes from memory */
  *(u32 *)(xs + 24) = 0x1F80;
  u32 x5;
  __asm__ volatile("xrstor %1\n\tmovd %%xmm5, %0" : "=r"(x5) : "m"(xs), "a"(3), "d"(0) : "xmm5");
  printf("xrstor: mxcsr %04x xmm5 %08x\n", mxcsr_now(), x5);
  *(u32 *)(xs + 512) = 4;    /* a component XCR0 does not enable */
  trap_clear();
  TRY("xrstor %0", : "m"(xs), "a"(3), "d"(0));
  printf("xrstor with xstate_bv bit 2: vector %u\n", vec());
}

void kmain(void) {
  write_cr0((read_cr0() & ~4u) | 2u);
  write_cr4(read_cr4() | 0x600u);
  unmasked("1/0 zm clear", 0x1F80 & ~0x200u, &one, &zero, 0);
  unmasked("sqrt(-1) im clear", 0x1F80 & ~0x080u, &minus, &minus, 1);
  unmasked("1/3 pm clear", 0x1F80 & ~0x1000u, &one, &three, 0);
  unmasked("1/3 pm clear, flags set before", (0x1F80 & ~0x1000u) | 0x01, &one, &three, 0);
  write_cr4(read_cr4() & ~0x400u);
  unmasked("1/0 zm clear without osxmmexcpt", 0x1F80 & ~0x200u, &one, &zero, 0);
  write_cr4(read_cr4() | 0x400u);

  for (u32 m = 0; m < 2; m++) {
    u32 mx = m ? 0x1FC0 : 0x1F80;    /* DAZ in the second round */
    double r;
    mxcsr_set(mx);
    __asm__ volatile("movsd %1, %%xmm0\n\taddsd %2, %%xmm0\n\tmovsd %%xmm0, %0" : "=m"(r) : "m"(denorm), "m"(done) : "xmm0");
    printf("denormal + 1 under mxcsr %04x: mxcsr %04x\n", mx, mxcsr_now());
  }
  mxcsr_set(0x1F80);

  __asm__ volatile("fxsave %0" : "=m"(fx));
  *(u32 *)(fx + 24) = 0x00010000 | 0x1F80;
  trap_clear();
  TRY("fxrstor %0", : "m"(fx));
  printf("fxrstor with mxcsr bit 16: vector %u error %u mxcsr %04x\n", vec(), last_trap.err, mxcsr_now());
  u32 bad = 0x80001F80;
  trap_clear();
  TRY("ldmxcsr %0", : "m"(bad));
  printf("ldmxcsr with bit 31: vector %u error %u mxcsr %04x\n", vec(), last_trap.err, mxcsr_now());
  xsave_area();
  exit_guest(0);
}
