/* Page faults: error codes (P, W/R, U/S) and CR2 for absent PTEs and PDEs, read-only and
   supervisor pages from ring 0 and ring 3, CR0.WP, combined PDE/PTE permissions, an
   instruction fetch from an absent page, a store straddling into an absent page (no
   partial write), REP STOSB stopping at the page boundary with its registers showing the
   progress, and D bits left clear by a faulting write. */
#include "paging.h"

#define V_NP  0x40000000u   /* absent PTE */
#define V_RO  0x40001000u   /* read-only, user */
#define V_SUP 0x40002000u   /* writable, supervisor */
#define V_OK  0x40003000u   /* writable, user, just below V_NP2 */
#define V_NP2 0x40004000u   /* absent */
#define V_PRO 0x40400000u   /* PDE read-only, PTE writable, user */
#define V_PSU 0x40800000u   /* PDE supervisor, PTE user */
#define V_PNP 0x40C00000u   /* absent PDE */

#define NREC 48
static struct { const char *name; u32 count, vector, err, cr2; s32 at; } recs[NREC];
static volatile u32 nrec;
static void rec(const char *name) {
  recs[nrec].name = name; recs[nrec].count = last_trap.count; recs[nrec].vector = last_trap.vector;
  recs[nrec].err = last_trap.err; recs[nrec].cr2 = last_trap.cr2; recs[nrec].at = (s32)(last_trap.eip - try_start); nrec++;
}
static void flush(void) {
  for (u32 i = 0; i < nrec; i++) {
    if (!recs[i].count) printf("%s: no fault\n", recs[i].name);
    else printf("%s: vec=%02x err=%x cr2=%08x at+%d\n", recs[i].name, recs[i].vector, recs[i].err, recs[i].cr2, recs[i].at);
  }
  nrec = 0;
}
#define CASE(name, code, ...) do { trap_clear(); TRY(code, __VA_ARGS__); rec(name); } while (0)

static void accesses(const char *ring) {
  (void)ring;
  CASE("read absent", "movl (%0), %%eax", : "r"(V_NP + 0x10) : "eax");
  CASE("write absent", "movl $1, (%0)", : "r"(V_NP + 0x20) : "memory");
  CASE("read ro", "movl (%0), %%eax", : "r"(V_RO) : "eax");
  CASE("write ro", "movl $1, (%0)", : "r"(V_RO + 0x30) : "memory");
  CASE("read sup", "movl (%0), %%eax", : "r"(V_SUP) : "eax");
  CASE("write sup", "movl $1, (%0)", : "r"(V_SUP + 0x40) : "memory");
  CASE("write pde-ro", "movl $1, (%0)", : "r"(V_PRO + 0x50) : "memory");
  CASE("read pde-sup", "movl (%0), %%eax", : "r"(V_PSU + 0x60) : "eax");
  CASE("write pde-absent", "movl $1, (%0)", : "r"(V_PNP + 0x70) : "memory");
}

static void user_main(void) {
  accesses("user");
  CASE("user fetch from sup page", "call *%0", : "r"(V_SUP) : "memory");
  USER_RETURN();
}

void kmain(void) {
  paging_identity(PTE_P | PTE_W | PTE_U);
  volatile u32 *pt = pte_for(0, V_NP, PTE_P | PTE_W | PTE_U);
  pt[0] = 0;
  pt[1] = 0x301000 | PTE_P | PTE_U;
  pt[2] = 0x302000 | PTE_P | PTE_W;
  pt[3] = 0x303000 | PTE_P | PTE_W | PTE_U;
  pt[4] = 0;
  *pte_for(1, V_PRO, PTE_P | PTE_U) = 0x304000 | PTE_P | PTE_W | PTE_U;
  *pte_for(2, V_PSU, PTE_P | PTE_W) = 0x305000 | PTE_P | PTE_W | PTE_U;
  *(volatile u8 *)0x302000 = 0xC3;    /* a RET on the supervisor page */
  paging_on();

  printf("ring 0, wp=0:\n");
  accesses("kernel"); flush();
  printf("pte ro=%03x\n", pt[1] & 0xFFF);
  write_cr0(read_cr0() | 0x10000);
  printf("ring 0, wp=1:\n");
  accesses("kernel"); flush();
  printf("ring 3, wp=1:\n");
  enter_user(user_main, USER_STACK_TOP); flush();
  write_cr0(read_cr0() & ~0x10000u);
  printf("ring 3, wp=0:\n");
  enter_user(user_main, USER_STACK_TOP); flush();

  /* Fetch from an absent page: the fault's EIP and CR2 are the target. */
  trap_clear();
  TRY("call *%0", : "r"(V_NP + 0x100) : "memory");
  printf("fetch absent: vec=%02x err=%x cr2=%08x eip=%08x\n", last_trap.vector, last_trap.err, last_trap.cr2, last_trap.eip);

  /* A dword store that straddles into an absent page writes nothing. */
  volatile u8 *ok = (volatile u8 *)V_OK;
  ok[0xFFE] = 0x11; ok[0xFFF] = 0x22;
  CASE("straddling store", "movl $0xAABBCCDD, (%0)", : "r"(V_OK + 0xFFE) : "memory");
  CASE("straddling load", "movl (%0), %%eax", : "r"(V_OK + 0xFFD) : "eax");
  flush();
  printf("bytes before boundary %02x %02x\n", ok[0xFFE], ok[0xFFF]);

  /* REP STOSB runs up to the boundary and faults with ECX/EDI showing the progress. */
  u32 ecx = 40, edi = V_OK + 0xFF0;
  trap_clear();
  TRY("rep stosb", "+c"(ecx), "+D"(edi) : "a"(0x5A) : "memory");
  printf("rep stosb: vec=%02x err=%x cr2=%08x ecx=%u edi=%08x last byte %02x\n", last_trap.vector, last_trap.err, last_trap.cr2,
         ecx, edi, ok[0xFFF]);
  /* REP MOVSD from an absent page after some progress. */
  u32 esi = V_NP2 - 8; edi = V_OK; ecx = 5;
  trap_clear();
  TRY("rep movsl", "+c"(ecx), "+D"(edi), "+S"(esi) : : "memory");
  printf("rep movsd: vec=%02x err=%x cr2=%08x ecx=%u esi=%08x edi=%08x\n", last_trap.vector, last_trap.err, last_trap.cr2, ecx, esi, edi);

  /* A faulting write leaves the D bit clear; a successful one sets it. */
  pt[1] &= ~(u32)(PTE_A | PTE_D);
  invlpg(V_RO);
  write_cr0(read_cr0() | 0x10000);
  CASE("write ro again", "movl $1, (%0)", : "r"(V_RO) : "memory");
  flush();
  printf("pte ro D after faulting write=%x\n", (pt[1] >> 6) & 1);
  pt[3] &= ~(u32)(PTE_A | PTE_D);
  invlpg(V_OK);
  *(volatile u32 *)V_OK = 7;
  printf("pte ok after write=%03x\n", pt[3] & 0xFFF);
  exit_guest(0);
}
