/* PCID and INVPCID, judged by pcid64.expected (written from the SDM: QEMU 7.2's TCG has
   neither; it drops +pcid,+invpcid with a warning): CPUID's bits, CR4.PCIDE
   set only with CR3[11:0] = 0, CR3's PCID read back and bit 63 (no flush) not written,
   the translations every step must show after a remap (a switch to a PCID never used, a
   CR3 load without bit 63, each INVPCID type for the current PCID), global pages across
   PCIDs, and INVPCID's #GP cases. Only what the SDM requires is printed: whether a PCID
   keeps a stale translation is the processor's choice (test/cpu/pcid.test.ts covers ours). */
#include "lib.h"

#define CR4_PGE (1ul << 7)
#define CR4_PCIDE (1ul << 17)
#define NOFLUSH (1ul << 63)
#define VA 0x0000600000000000ul       /* PML4 entry 192: not mapped at boot */

static u8 frame_a[4096] __attribute__((aligned(4096)));
static u8 frame_b[4096] __attribute__((aligned(4096)));
static u64 *pt;
static u64 root;                      /* CR3 without its PCID */
static struct { u64 pcid, lin; } desc __attribute__((aligned(16)));

static u64 rd(u64 va) { u64 v = 0; trap_clear(); TRY("movq (%1), %0", "+r"(v) : "r"(va) : "memory"); return v; }
static void show(const char *what) {
  if (last_trap.count) printf("%s: vec=%02lx err=%04lx\n", what, last_trap.vector, last_trap.err);
  else printf("%s: no fault\n", what);
}
static void set_cr4(u64 v) { trap_clear(); TRY("mov %0, %%cr4", : "r"(v) : "memory"); }
static void set_cr3(u64 v) { trap_clear(); TRY("mov %0, %%cr3", : "r"(v) : "memory"); }
static void invpcid(u64 type, u64 pcid, u64 lin) {
  desc.pcid = pcid; desc.lin = lin;
  trap_clear();
  TRY("invpcid %0, %1", : "m"(desc), "r"(type) : "memory");
}
/* Point VA at frame a or b (with G when asked) without invalidating anything. */
static void map(u8 *frame, int global) { pt[0] = (u64)frame | 3 | (global ? 0x100 : 0); }
static const char *which(u64 v) { return v == 0xAAAA ? "a" : v == 0xBBBB ? "b" : "?"; }

static void build(void) {
  u64 *pml4 = (u64 *)(read_cr3() & ~0xFFFul);
  u64 *pdpt = page_alloc(), *pd = page_alloc();
  pt = page_alloc();
  pml4[(VA >> 39) & 511] = (u64)pdpt | 3;
  pdpt[0] = (u64)pd | 3;
  pd[0] = (u64)pt | 3;
  *(u64 *)frame_a = 0xAAAA;
  *(u64 *)frame_b = 0xBBBB;
  root = read_cr3() & ~0xFFFul;
}

void kmain(void) {
  u32 a, b, c, d;
  cpuid(1, &a, &b, &c, &d);
  printf("cpuid pcid=%u\n", (c >> 17) & 1);
  cpuid(7, &a, &b, &c, &d);
  printf("cpuid invpcid=%u\n", (b >> 10) & 1);
  build();

  /* Without PCIDE: INVPCID type 0/1 name PCID 0 only; types above 3 and reserved bits #GP. */
  map(frame_a, 0);
  invpcid(0, 0, VA); show("invpcid 0 pcid 0, pcide off");
  invpcid(0, 1, VA); show("invpcid 0 pcid 1, pcide off");
  invpcid(1, 2, 0); show("invpcid 1 pcid 2, pcide off");
  invpcid(2, 5, 0); show("invpcid 2 pcid 5, pcide off");
  invpcid(4, 0, 0); show("invpcid type 4");
  invpcid(0, 0x1000, VA); show("invpcid descriptor bit 12");
  invpcid(0, 0, 0x0000800000000000ul); show("invpcid 0 non-canonical");
  invpcid(1, 0, 0x0000800000000000ul); show("invpcid 1 ignores the address");

  /* CR4.PCIDE with CR3[11:0] != 0 (PWT) is refused; with 0 it is set. */
  write_cr3(root | 8);
  set_cr4(read_cr4() | CR4_PCIDE); show("pcide with cr3.pwt");
  write_cr3(root);
  set_cr4(read_cr4() | CR4_PCIDE | CR4_PGE); show("pcide with cr3[11:0]=0");
  printf("cr4.pcide=%lu\n", (read_cr4() >> 17) & 1);

  /* CR3's PCID reads back; bit 63 is not written. */
  set_cr3(root | 0x123); show("cr3 <- pcid 123");
  printf("cr3 pcid=%03lx root kept=%u\n", read_cr3() & 0xFFF, (read_cr3() & ~0xFFFul) == root);
  set_cr3(NOFLUSH | root | 0x7); show("cr3 <- pcid 7, no flush");
  printf("cr3=%s pcid=%03lx\n", (read_cr3() >> 63) ? "bit 63 set" : "bit 63 clear", read_cr3() & 0xFFF);

  /* PCID 1: cache VA -> a, remap to b. A PCID never used sees b; so does PCID 1 after a load
     without bit 63. */
  write_cr3(root | 1);
  map(frame_a, 0); invpcid(2, 0, 0);
  printf("pcid 1 reads %s\n", which(rd(VA)));
  map(frame_b, 0);
  write_cr3(root | 2);
  printf("pcid 2 (never used) reads %s\n", which(rd(VA)));
  write_cr3(root | 1);
  printf("pcid 1 after a cr3 load without bit 63 reads %s\n", which(rd(VA)));

  /* Each INVPCID type for the current PCID makes the remap visible. */
  static const char *const names[4] = { "individual address", "single context", "all contexts with globals", "all contexts" };
  for (int t = 0; t < 4; t++) {
    map(frame_a, 0); invpcid(2, 0, 0);
    rd(VA);
    map(frame_b, 0);
    invpcid(t, 1, VA); show(names[t]);
    printf("type %d (%s): pcid 1 reads %s\n", t, names[t], which(rd(VA)));
  }

  /* A global translation is one for every PCID: after INVPCID type 2 drops it, PCID 3 walks
     to the new one. */
  map(frame_a, 1); invpcid(2, 0, 0);
  printf("global in pcid 1 reads %s\n", which(rd(VA)));
  map(frame_b, 1);
  invpcid(2, 0, 0);
  write_cr3(NOFLUSH | root | 3);
  printf("global after type 2, pcid 3 reads %s\n", which(rd(VA)));

  /* Clearing PCIDE is allowed with any PCID in CR3 and drops every translation. */
  map(frame_a, 0);
  set_cr4(read_cr4() & ~CR4_PCIDE); show("clear pcide with pcid 3");
  printf("after clearing pcide: cr3 low bits=%03lx reads %s\n", read_cr3() & 0xFFF, which(rd(VA)));
  write_cr3(root);
}
