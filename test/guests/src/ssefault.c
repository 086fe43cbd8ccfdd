/* What SSE does that QEMU 7.2's TCG does not model, judged against ssefault.expected (written
   from the SDM): unmasked SIMD exceptions raise #XM with CR4.OSXMMEXCPT and #UD without,
   leaving the destination alone (pre-computation: IE, ZE; post-computation: PE); MXCSR.DE
   for a denormal operand, not under DAZ; FXRSTOR and LDMXCSR refuse reserved MXCSR bits. */
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
  exit_guest(0);
}
