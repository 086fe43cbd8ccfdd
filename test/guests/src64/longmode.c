/* Long mode as guest/boot64.inc leaves it: EFER.LME/LMA, CR0/CR4, the 64-bit code segment,
   the higher-half alias of the identity map, page 0 left out, 64-bit arithmetic, and the
   64-bit interrupt frame (SS:RSP always pushed, RSP aligned to 16 before the push). */
#include "lib.h"

static volatile u64 cell = 0x1122334455667788ul;

static u64 frame_rsp_mod16, frame_ss, frame_cs, frame_rip, frame_old_rsp;
static void on_bp(frame_t *f) {
  frame_rsp_mod16 = ((u64)&f->ss + 8) & 15;   /* the top of the CPU's frame */
  frame_ss = f->ss;
  frame_cs = f->cs;
  frame_rip = f->rip;
  frame_old_rsp = f->rsp;
}

void kmain(void) {
  printf("multiboot magic %s\n", multiboot_magic == 0x2BADB002 || multiboot_magic == 0x36D76289 ? "ok" : "wrong");
  u32 a, b, c, d;
  cpuid(0x80000001, &a, &b, &c, &d);
  printf("cpuid 80000001 edx: lm=%u nx=%u syscall=%u\n", (d >> 29) & 1, (d >> 20) & 1, (d >> 11) & 1);
  printf("efer lme=%lu lma=%lu\n", (rdmsr(MSR_EFER) >> 8) & 1, (rdmsr(MSR_EFER) >> 10) & 1);
  printf("cr0 pe=%lu wp=%lu pg=%lu cr4 pae=%lu\n", read_cr0() & 1, (read_cr0() >> 16) & 1, read_cr0() >> 31, (read_cr4() >> 5) & 1);
  printf("cs=%04x ss=%04x\n", read_cs(), read_ss());
  printf("cr3 is boot64_pml4: %u\n", read_cr3() == (u64)boot64_pml4);

  /* The same cell through the identity map and the higher half. */
  volatile u64 *high = (volatile u64 *)((u64)&cell + 0xFFFFFFFF80000000ul);
  printf("higher half reads %016lx\n", *high);
  *high = 0xA5A5A5A5DEADBEEFul;
  printf("identity map reads %016lx\n", cell);

  /* 64-bit arithmetic the compiler emits (volatile: computed at run time). */
  volatile u64 x = 0xFEDCBA9876543210ul, y = 0x0123456789ABCDEFul;
  volatile s64 n = -1234567890123ll;
  volatile u32 sh = 37;
  printf("add %016lx sub %016lx mul %016lx\n", x + y, x - y, x * y);
  printf("div %lu rem %lu sdiv %ld\n", x / 1000003ul, x % 1000003ul, n / 77);
  printf("shl %016lx shr %016lx sar %016lx\n", y << sh, x >> sh, (u64)(n >> (sh - 20)));
  u64 rel, abs;
  __asm__("lea cell(%%rip), %0\n\tmovabs $cell, %1" : "=r"(rel), "=r"(abs));
  printf("lea cell(%%rip) == movabs $cell: %u\n", rel == abs);

  /* Page 0 is left out of the 4 KiB table: a NULL read faults with CR2 = 0. */
  trap_clear();
  u64 v = 0;
  TRY("movq 0, %0", "=r"(v) :: "memory");
  trap_print("null read");
  printf("cr2=%lx\n", last_trap.cr2);

  /* INT3 from an RSP that is 8 mod 16: the CPU aligns before pushing SS:RSP. */
  trap_hooks[3] = on_bp;
  u64 before;
  __asm__ volatile("mov %%rsp, %%rbx\n\tsub $8, %%rsp\n\tmov %%rsp, %0\n\tint3\n1:\n\tmov %%rbx, %%rsp\n\tlea 1b(%%rip), %%rax\n\tmov %%rax, frame_expect(%%rip)"
                   : "=&r"(before) :: "rax", "rbx", "memory");
  trap_hooks[3] = 0;
  extern u64 frame_expect;
  printf("int3 frame: top%%16=%lu ss=%04lx cs=%04lx rip ok=%u rsp ok=%u\n", frame_rsp_mod16, frame_ss, frame_cs,
         frame_rip == frame_expect, frame_old_rsp == before);
}

u64 frame_expect;
