/* Processor identification without vendor-specific values: the ID and AC flags toggle,
   CPUID's leaf 0 maximum and the leaf 1 feature bits our guests rely on, RDTSC moving
   forward, CR4.TSD, CR0.ET hardwired, CR4 bits writable, SMSW. */
#include "lib.h"

static int toggles(u32 bit) {
  u32 a, b;
  __asm__ volatile("pushfl\n\tpopl %0\n\tmovl %0, %1\n\txorl %2, %1\n\tpushl %1\n\tpopfl\n\tpushfl\n\tpopl %1\n\tpushl %0\n\tpopfl"
                   : "=&r"(a), "=&r"(b) : "ri"(bit) : "cc");
  return ((a ^ b) & bit) != 0;
}

static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

static volatile u32 user_fault;
static void user_main(void) {
  trap_clear();
  TRY("rdtsc", : : "eax", "edx");
  user_fault = last_trap.count ? (last_trap.vector << 16) | last_trap.err : 0xFFFF;
  USER_RETURN();
}

void kmain(void) {
  printf("eflags.id toggles %x, eflags.ac toggles %x\n", toggles(1u << 21), toggles(1u << 18));
  u32 a, b, c, d;
  cpuid(0, &a, &b, &c, &d);
  printf("leaf 0 max >= 1: %s\n", a >= 1 ? "yes" : "no");
  cpuid(1, &a, &b, &c, &d);
  const u32 need = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 11) | (1u << 13) | (1u << 15);
  printf("leaf 1 edx & fpu|pse|tsc|msr|pae|cx8|sep|pge|cmov = %08x (want %08x)\n", d & need, need);
  printf("family >= 6: %s\n", ((a >> 8) & 0xF) >= 6 ? "yes" : "no");

  u64 t0 = rdtsc(), t1 = rdtsc();
  printf("rdtsc moves forward: %s\n", t1 > t0 ? "yes" : "no");
  /* TSC writes through MSR 0x10 are left out: QEMU's TCG ignores them. */
  u64 t3 = rdtsc();
  write_cr4(read_cr4() | 4);
  u64 t4 = rdtsc();
  printf("rdtsc at cpl0 with tsd: %s\n", t4 >= t3 ? "ok" : "went back");
  enter_user(user_main, USER_STACK_TOP);
  printf("rdtsc at cpl3 with tsd: vec/err %x\n", user_fault);
  write_cr4(read_cr4() & ~4u);
  enter_user(user_main, USER_STACK_TOP);
  printf("rdtsc at cpl3 without tsd: vec/err %x\n", user_fault);

  write_cr0(0x00000001);
  printf("cr0 written 00000001 reads %08x\n", read_cr0() & 0xE005003F);
  write_cr0(0x00000033);
  printf("cr0 written 00000033 reads %08x\n", read_cr0() & 0xE005003F);
  u32 msw;
  __asm__ volatile("smsw %0" : "=r"(msw));
  printf("smsw %04x\n", msw & 0xFFFF);
  __asm__ volatile("lmsw %w0" :: "r"(0x0003));
  printf("lmsw 3 -> cr0 %08x\n", read_cr0() & 0xE005003F);
  __asm__ volatile("lmsw %w0" :: "r"(0x0000));
  printf("lmsw 0 cannot clear PE -> cr0 %08x\n", read_cr0() & 0xE005003F);
  write_cr0(0x00000011);
  write_cr4(0x000000BC);
  printf("cr4 written bc reads %02x\n", read_cr4());
  write_cr4(0);
  printf("cr4 written 0 reads %02x\n", read_cr4());
  exit_guest(0);
}
