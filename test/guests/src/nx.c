/* NX: CPUID.80000001H:EDX.NX, EFER.NXE and SCE, and the XD bit (63) of PAE entries at the PDE
   and PTE levels: an instruction fetch #PF with I/D|P once NXE is set, while data reads and
   writes of the same pages still work; clearing NXE makes the pages executable-by-nobody again
   only through the reserved bit, whose #PF (RSVD|P, which QEMU 7.2 reports without P) is
   tested against the SDM in test/cpu/nx.test.ts instead. EFER.SCE is written but
   not printed: the SDM makes it read/write on every CPU with EFER, QEMU's 32-bit Intel models
   drop it (test/cpu/nx.test.ts reads it back). */
#include "lib.h"

static volatile u64 pdpt[4] __attribute__((aligned(32)));
static volatile u64 pdir[2][512] __attribute__((aligned(4096)));
static volatile u64 ptab[512] __attribute__((aligned(4096)));
static u8 code[4096] __attribute__((aligned(4096)));

#define XD (1ull << 63)
#define VX 0x40000000u     /* 4 KiB page -> code[], XD in the PTE */
#define VOK 0x40001000u    /* the same page, executable */
#define VBIG 0x40200000u   /* 2 MiB page -> 0x600000, XD in the PDE */
#define EFER 0xC0000080u

static void fetch(const char *what, u32 target) {
  trap_clear();
  TRY("jmp *%0", : "r"(target));
  printf("%s: ", what);
  if (!last_trap.count) { printf("no fault\n"); return; }
  printf("vec=%02x err=%04x eip=target %d cr2=target %d\n", last_trap.vector, last_trap.err,
         last_trap.eip == target, last_trap.cr2 == target);
}

static void read(const char *what, u32 addr) {
  u32 v = 0;
  trap_clear();
  TRY("movl (%1), %0", "+r"(v) : "r"(addr));
  printf("%s: ", what);
  if (last_trap.count) printf("vec=%02x err=%04x cr2=addr %d\n", last_trap.vector, last_trap.err, last_trap.cr2 == addr);
  else printf("value %x\n", v);
}

static u32 call(u32 target) {
  u32 v;
  __asm__ volatile("call *%1" : "=a"(v) : "r"(target) : "ecx", "edx", "memory");
  return v;
}

void kmain(void) {
  u32 a, b, c, d;
  cpuid(0x80000000, &a, &b, &c, &d);
  u32 max = a;
  cpuid(0x80000001, &a, &b, &c, &d);
  printf("cpuid nx=%x (max ext leaf >= 0x80000001: %d)\n", (d >> 20) & 1, max >= 0x80000001);
  printf("efer.nxe=%x\n", (u32)rdmsr(EFER) & 0x800);

  /* mov eax, 0x1234; ret */
  code[0] = 0xB8; code[1] = 0x34; code[2] = 0x12; code[3] = 0; code[4] = 0; code[5] = 0xC3;
  *(volatile u32 *)0x600000 = 0x6060;
  pdpt[0] = (u32)pdir[0] | 1;
  pdpt[1] = (u32)pdir[1] | 1;
  for (u32 i = 0; i < 4; i++) pdir[0][i] = (i << 21) | 0x83;
  pdir[1][0] = (u32)ptab | 3;
  ptab[0] = (u32)code | 3 | XD;
  ptab[1] = (u32)code | 3;
  pdir[1][1] = 0x600000 | 0x83 | XD;
  write_cr4(read_cr4() | 0x20);
  write_cr3((u32)pdpt);
  write_cr0(read_cr0() | 0x80000000);

  printf("nxe=0 call executable alias: %x\n", call(VOK));

  wrmsr(EFER, rdmsr(EFER) | 0x801);          /* NXE | SCE */
  printf("efer.nxe=%x\n", (u32)rdmsr(EFER) & 0x800);
  read("nxe=1 read XD pte page", VX);
  read("nxe=1 read XD pde page", VBIG);
  *(volatile u32 *)(VBIG + 4) = 0x77;
  printf("nxe=1 write XD pde page: %x\n", *(volatile u32 *)0x600004);
  fetch("nxe=1 fetch XD pte page", VX);
  fetch("nxe=1 fetch XD pde page", VBIG + 0x10);
  printf("nxe=1 call executable alias: %x\n", call(VOK));

  /* XD in the PDE covers every PTE below it; the change takes effect at the CR3 load. */
  pdir[1][0] |= XD;
  write_cr3((u32)pdpt);
  fetch("nxe=1 fetch under XD pde", VOK);
  read("nxe=1 read under XD pde", VOK);

  /* Clearing NXE makes bit 63 reserved again. */
  wrmsr(EFER, rdmsr(EFER) & ~0x800ull);
  write_cr3((u32)pdpt);
  printf("efer.nxe=%x\n", (u32)rdmsr(EFER) & 0x800);
  pdir[1][0] &= ~XD;
  write_cr3((u32)pdpt);
  printf("nxe=0 again call executable alias: %x\n", call(VOK));

  write_cr0(read_cr0() & 0x7FFFFFFF);
  write_cr4(read_cr4() & ~0x20u);
  exit_guest(0);
}
