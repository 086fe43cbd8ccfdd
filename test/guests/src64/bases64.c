/* FS and GS bases in 64-bit mode and the other small instructions of 64-bit kernels: the base
   MSRs (FS.base, GS.base, KERNEL_GS_BASE) and the addresses they make, SWAPGS, a selector load
   clearing the base's high half; RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE under CR4.FSGSBASE (#UD
   without it, 32-bit forms zero-extending); CMPXCHG16B (success, failure, #GP when unaligned);
   LAHF/SAHF in 64-bit mode; RDTSCP's TSC_AUX. QEMU runs it with FSGSBASE and RDTSCP added to
   its CPU (bases64.qemu-cpu). QEMU 7.2's TCG takes non-canonical bases without the #GP(0) the
   SDM gives WRMSR and WRFSBASE/WRGSBASE, so those are in test/cpu/long-system.test.ts. */
#include "lib.h"

static u64 area[64] __attribute__((aligned(16)));

void kmain(void) {
  u32 a, b, c, d;
  cpuid(7, &a, &b, &c, &d);
  printf("cpuid 7 ebx fsgsbase=%u\n", b & 1);
  cpuid(1, &a, &b, &c, &d);
  printf("cpuid 1 ecx cx16=%u\n", (c >> 13) & 1);
  cpuid(0x80000001, &a, &b, &c, &d);
  printf("cpuid 80000001 ecx lahf=%u edx rdtscp=%u\n", c & 1, (d >> 27) & 1);

  /* The base MSRs and what %fs:/%gs: then address. */
  area[1] = 0x1111; area[2] = 0x2222;
  wrmsr(MSR_FS_BASE, (u64)&area[1]);
  wrmsr(MSR_GS_BASE, (u64)&area[2]);
  u64 vf, vg;
  __asm__ volatile("mov %%fs:0, %0\n\tmov %%gs:0, %1" : "=r"(vf), "=r"(vg));
  printf("fs:0=%lx gs:0=%lx\n", vf, vg);
  wrmsr(MSR_KERNEL_GS_BASE, 0xFFFF800012345678ul);
  __asm__ volatile("swapgs" ::: "memory");
  printf("after swapgs: gs.base=%016lx kernel_gs_base is area+16: %u\n", rdmsr(MSR_GS_BASE), rdmsr(MSR_KERNEL_GS_BASE) == (u64)&area[2]);
  __asm__ volatile("swapgs" ::: "memory");

  /* A selector load takes the descriptor's base (0), high half included. */
  wrmsr(MSR_FS_BASE, 0xFFFFFFFF80001000ul);
  __asm__ volatile("mov %0, %%fs" :: "r"(KDATA));
  printf("mov fs, 0x10: fs.base=%lx\n", rdmsr(MSR_FS_BASE));
  wrmsr(MSR_GS_BASE, 0xFFFFFFFF80001000ul);
  __asm__ volatile("mov %0, %%gs" :: "r"(0));
  printf("mov gs, 0: gs.base=%lx\n", rdmsr(MSR_GS_BASE));

  /* FSGSBASE: #UD until CR4.FSGSBASE. */
  trap_clear();
  u64 r = 0;
  TRY("rdfsbase %0", "=r"(r) :: "memory");
  trap_print("rdfsbase, CR4.FSGSBASE clear");
  write_cr4(read_cr4() | (1ul << 16));
  u64 in = 0xFFFF8000AABBCCDDul, out = 0;
  __asm__ volatile("wrfsbase %1\n\trdfsbase %0" : "=r"(out) : "r"(in) : "memory");
  printf("wrfsbase/rdfsbase: %016lx msr %016lx\n", out, rdmsr(MSR_FS_BASE));
  u64 wide = ~0ul;
  __asm__ volatile("rdfsbase %k0" : "+r"(wide));
  printf("rdfsbase r32: %016lx\n", wide);
  u32 small = 0x1234;
  __asm__ volatile("wrgsbase %k1\n\trdgsbase %0" : "=r"(out) : "r"(small) : "memory");
  printf("wrgsbase r32: %016lx\n", out);
  write_cr4(read_cr4() & ~(1ul << 16));
  wrmsr(MSR_FS_BASE, 0); wrmsr(MSR_GS_BASE, 0);

  /* CMPXCHG16B. */
  area[4] = 1; area[5] = 2;
  u64 lo = 1, hi = 2;
  u8 zf;
  __asm__ volatile("lock cmpxchg16b %1\n\tsetz %0" : "=q"(zf), "+m"(area[4]), "+a"(lo), "+d"(hi)
                   : "b"(0x1111111111111111ul), "c"(0x2222222222222222ul) : "memory", "cc");
  printf("cmpxchg16b equal: zf=%u mem=%lx:%lx\n", zf, area[5], area[4]);
  lo = 7; hi = 8;
  __asm__ volatile("cmpxchg16b %1\n\tsetz %0" : "=q"(zf), "+m"(area[4]), "+a"(lo), "+d"(hi)
                   : "b"(0), "c"(0) : "memory", "cc");
  printf("cmpxchg16b differs: zf=%u rdx:rax=%lx:%lx mem=%lx:%lx\n", zf, hi, lo, area[5], area[4]);
  trap_clear();
  TRY("cmpxchg16b (%0)", : "r"(&area[5]), "a"(0), "d"(0), "b"(0), "c"(0) : "memory", "cc");
  trap_print("cmpxchg16b unaligned");

  /* LAHF/SAHF in 64-bit mode. */
  u64 ah_out;
  __asm__ volatile("mov $0xd5, %%ah\n\tsahf\n\tmov $0, %%ah\n\tlahf\n\tshr $8, %%eax\n\tmovzbl %%al, %%eax\n\tmov %%rax, %0" : "=r"(ah_out) :: "rax", "cc");
  printf("sahf/lahf: %02lx\n", ah_out);

  /* RDTSCP: ECX = TSC_AUX (bits 31:0), the high half of RCX cleared. */
  wrmsr(0xC0000103, 0x5A);
  u64 rcx = ~0ul;
  __asm__ volatile("rdtscp" : "+c"(rcx) :: "rax", "rdx");
  printf("rdtscp rcx=%lx\n", rcx);
  printf("done\n");
}
