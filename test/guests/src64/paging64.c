/* 4-level paging: new tables under a fresh PML4 entry with 4 KiB, 2 MiB and 1 GiB pages,
   accessed and dirty bits at each level, #PF error codes and 64-bit CR2, NX with EFER.NXE
   (instruction fetch #PF with I/D), CR0.WP, INVLPG and CR3 reloads after a remap, and the
   #GP of a non-canonical data access (branches and stack references to non-canonical
   addresses, where QEMU 7.2 departs from the SDM, are in canonical64). */
#include "lib.h"

#define P 1ul
#define RW 2ul
#define US 4ul
#define A 0x20ul
#define D 0x40ul
#define PS 0x80ul
#define NX (1ul << 63)
#define ADDR(e) ((e) & 0x000FFFFFFFFFF000ul)

#define TEST_VA   0x00007F0000000000ul   /* PML4 entry 254: nothing maps it at boot */
#define VA_4K     (TEST_VA + 0x1000)
#define VA_2M     (TEST_VA + 0x200000ul)
#define VA_1G     (TEST_VA + 0x80000000ul)
#define PHYS_2M   0x400000ul             /* 4 MiB: RAM the kernel does not use */

static u64 *pdpt, *pd, *pt;
static u8 frame_a[4096] __attribute__((aligned(4096)));
static u8 frame_b[4096] __attribute__((aligned(4096)));

static void show_flags(const char *what, u64 e) {
  printf("%s: P=%lu RW=%lu US=%lu A=%lu D=%lu PS=%lu\n", what, e & 1, (e >> 1) & 1, (e >> 2) & 1, (e >> 5) & 1, (e >> 6) & 1, (e >> 7) & 1);
}

static u64 rd(u64 va) { u64 v = 0; trap_clear(); TRY("movq (%1), %0", "+r"(v) : "r"(va) : "memory"); return v; }
static void wr(u64 va, u64 v) { trap_clear(); TRY("movq %1, (%0)", : "r"(va), "r"(v) : "memory"); }
static void fault(const char *what) {
  if (last_trap.count && last_trap.vector == 14) printf("%s: vec=%02lx err=%02lx cr2=%016lx\n", what, last_trap.vector, last_trap.err, last_trap.cr2);
  else if (last_trap.count) printf("%s: vec=%02lx err=%02lx\n", what, last_trap.vector, last_trap.err);
  else printf("%s: no fault\n", what);
}

static void four_level(void) {
  u64 *pml4 = (u64 *)ADDR(read_cr3());
  pdpt = page_alloc(); pd = page_alloc(); pt = page_alloc();
  pml4[(TEST_VA >> 39) & 511] = (u64)pdpt | P | RW;
  pdpt[0] = (u64)pd | P | RW;
  pd[0] = (u64)pt | P | RW;
  pt[1] = (u64)frame_a | P | RW;
  frame_a[8] = 0x5A;
  printf("4k read through new tables: %02lx\n", rd(VA_4K + 8) & 0xFF);
  show_flags("pml4e after read", pml4[(TEST_VA >> 39) & 511]);
  show_flags("pdpte after read", pdpt[0]);
  show_flags("pde after read", pd[0]);
  show_flags("pte after read", pt[1]);
  wr(VA_4K + 16, 0x1234567890ABCDEFul);
  show_flags("pte after write", pt[1]);
  printf("identity map sees the write: %016lx\n", *(u64 *)(frame_a + 16));
  int level = 0;
  u64 *e = pte_of(VA_4K, &level);
  printf("pte_of finds it: %u (level %d)\n", e == &pt[1], level);
}

static void large_pages(void) {
  /* 2 MiB: the PDE with PS maps PHYS_2M; the offset inside is 21 bits. */
  pd[1] = PHYS_2M | P | RW | PS;
  *(volatile u64 *)(PHYS_2M + 0x12345 * 8) = 0xC0FFEE;
  printf("2m page read: %lx\n", rd(VA_2M + 0x12345 * 8));
  fault("2m page read");
  wr(VA_2M + 0x1FFFF8, 0xFACE);
  printf("2m page last qword through the identity map: %lx\n", *(volatile u64 *)(PHYS_2M + 0x1FFFF8));
  show_flags("2m pde", pd[1]);

  u32 a, b, c, d;
  cpuid(0x80000001, &a, &b, &c, &d);
  printf("cpuid pdpe1gb=%u\n", (d >> 26) & 1);
  if (!((d >> 26) & 1)) return;
  /* 1 GiB: the PDPTE with PS maps physical 0..1 GiB, so the kernel's own data shows through. */
  static volatile u64 marker = 0x600DF00Dul;
  pdpt[2] = 0 | P | RW | PS;
  printf("1g page reads the kernel's marker: %lx\n", rd(VA_1G + (u64)&marker));
  wr(VA_1G + (u64)&marker, 0xBADC0DEul);
  printf("marker after a write through the 1g page: %lx\n", marker);
  show_flags("1g pdpte", pdpt[2]);
}

static void page_faults(void) {
  pt[2] = 0;
  rd(VA_4K + 0x1008); fault("read not present");
  wr(VA_4K + 0x1010, 1); fault("write not present");
  pt[2] = (u64)frame_b | P;           /* read-only */
  invlpg(VA_4K + 0x1000);
  rd(VA_4K + 0x1000); fault("read read-only");
  wr(VA_4K + 0x1018, 1); fault("write read-only, CR0.WP=1");
  pd[2] = 0;
  rd(VA_2M + 0x200000 + 0x777); fault("read under a not-present pde");
  rd(0xFFFF800000001000ul); fault("read in the kernel half, pml4e not present");
  /* A write fault leaves the destination unchanged. */
  printf("frame_b[0x18] still %lx\n", *(u64 *)(frame_b + 0x18));
}

static void no_execute(void) {
  u32 a, b, c, d;
  cpuid(0x80000001, &a, &b, &c, &d);
  printf("cpuid nx=%u\n", (d >> 20) & 1);
  wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
  printf("efer nxe=%lu\n", (rdmsr(MSR_EFER) >> 11) & 1);
  frame_a[0x100] = 0xB8; frame_a[0x101] = 0x2A; frame_a[0x102] = 0; frame_a[0x103] = 0; frame_a[0x104] = 0;  /* mov eax, 42 */
  frame_a[0x105] = 0xC3;                                                                                    /* ret */
  u64 fn = VA_4K + 0x100, r = 0;
  trap_clear();
  TRY("call *%1", "+a"(r) : "r"(fn) : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
  printf("call into an executable page: rax=%lu\n", r);
  pt[1] |= NX;
  invlpg(VA_4K);
  /* A JMP, not a CALL: the fault comes after the branch, and TRY's resumption would not
     take a pushed return address back off the stack. */
  r = 0;
  trap_clear();
  TRY("jmp *%1", "+a"(r) : "r"(fn) : "memory");
  fault("jump into an NX page");
  printf("rax=%lu, faulting rip is the page: %u\n", r, last_trap.rip == fn);
  printf("data read from the NX page: %02lx\n", rd(VA_4K + 8) & 0xFF);
  pd[1] |= NX;
  invlpg(VA_2M);
  *(volatile u8 *)(PHYS_2M + 0x40) = 0xC3;
  trap_clear();
  TRY("jmp *%0", : "r"(VA_2M + 0x40) : "memory");
  fault("jump into an NX 2m page");
  pt[1] &= ~NX;
  invlpg(VA_4K);
}

static void remap(void) {
  *(u64 *)frame_a = 0xAAAAul;
  *(u64 *)frame_b = 0xBBBBul;
  pt[1] = (u64)frame_a | P | RW;
  invlpg(VA_4K);
  printf("before remap: %lx\n", rd(VA_4K));
  pt[1] = (u64)frame_b | P | RW;
  invlpg(VA_4K);
  printf("after remap and invlpg: %lx\n", rd(VA_4K));
  pt[1] = (u64)frame_a | P | RW;
  write_cr3(read_cr3());
  printf("after remap and a cr3 reload: %lx\n", rd(VA_4K));
}

static void canonical(void) {
  rd(0x0000800000000000ul); fault("read at 0x0000800000000000 (non-canonical)");
  wr(0xFFFF7FFFFFFFFFF8ul, 1); fault("write at 0xffff7ffffffffff8 (non-canonical)");
  rd(0x00007FFFFFFFFFF8ul); fault("read at 0x00007ffffffffff8 (canonical, not mapped)");
}

void kmain(void) {
  four_level();
  large_pages();
  page_faults();
  no_execute();
  remap();
  canonical();
  printf("done\n");
}
