/* SMEP, SMAP and UMIP: CPUID leaf 7, a ring-0 fetch from a user page (#PF I/D|P), ring-0 data
   accesses to a user page with EFLAGS.AC clear (#PF) and set (STAC, POPF) and cleared again
   (CLAC), and SGDT/SIDT/SLDT/STR/SMSW at ring 3 with CR4.UMIP (#GP) and without. Implicit
   supervisor accesses to user pages (a descriptor from an LDT on a user page) fault whatever
   EFLAGS.AC says in the SDM, while QEMU 7.2 lets AC=1 allow them; that case is judged against
   the SDM in test/cpu/smep-smap-umip.test.ts. */
#include "lib.h"

static volatile u32 pdir[1024] __attribute__((aligned(4096)));
static volatile u32 ptab[1024] __attribute__((aligned(4096)));
static u8 upage[4096] __attribute__((aligned(4096)));

#define SMEP (1u << 20)
#define SMAP (1u << 21)
#define UMIP (1u << 11)

struct rec { const char *name; u32 count, vector, err; };
static struct rec recs[16];
static u32 nrec;
static void keep(const char *name) {
  recs[nrec].name = name; recs[nrec].count = last_trap.count; recs[nrec].vector = last_trap.vector; recs[nrec].err = last_trap.err; nrec++;
}
static void flush(void) {
  for (u32 i = 0; i < nrec; i++) {
    if (!recs[i].count) printf("%s: no fault\n", recs[i].name);
    else printf("%s: vec=%02x err=%04x\n", recs[i].name, recs[i].vector, recs[i].err);
  }
  nrec = 0;
}

static void show(const char *what, u32 cr2_want) {
  printf("%s: ", what);
  if (!last_trap.count) printf("no fault\n");
  else printf("vec=%02x err=%04x cr2 ok %d\n", last_trap.vector, last_trap.err, last_trap.cr2 == cr2_want);
}

static u8 dt[8];
static void user_umip(void) {
  u16 sel; u32 cr0w;
  trap_clear(); TRY("sgdt %0", "=m"(dt)); keep("sgdt");
  trap_clear(); TRY("sidt %0", "=m"(dt)); keep("sidt");
  trap_clear(); TRY("sldt %0", "=r"(sel)); keep("sldt");
  trap_clear(); TRY("str %0", "=r"(sel)); keep("str");
  trap_clear(); TRY("smsw %0", "=r"(cr0w)); keep("smsw");
  USER_RETURN();
}

void kmain(void) {
  u32 a, b, c, d;
  cpuid(0, &a, &b, &c, &d);
  u32 max = a;
  cpuid(7, &a, &b, &c, &d);
  printf("leaf 7 present %d smep=%x smap=%x umip=%x\n", max >= 7, (b >> 7) & 1, (b >> 20) & 1, (c >> 2) & 1);

  printf("umip off at ring 3:\n");
  enter_user(user_umip, USER_STACK_TOP);
  flush();
  write_cr4(read_cr4() | UMIP);
  printf("umip on at ring 3:\n");
  enter_user(user_umip, USER_STACK_TOP);
  flush();
  trap_clear(); TRY("sgdt %0", "=m"(dt)); trap_print("umip on, sgdt at ring 0");
  write_cr4(read_cr4() & ~UMIP);

  /* mov eax, 0x1234; ret */
  upage[0] = 0xB8; upage[1] = 0x34; upage[2] = 0x12; upage[3] = 0; upage[4] = 0; upage[5] = 0xC3;
  for (u32 i = 0; i < 1024; i++) ptab[i] = (i << 12) | 3;
  ptab[(u32)upage >> 12] |= 4;
  pdir[0] = (u32)ptab | 7;
  write_cr3((u32)pdir);
  write_cr0(read_cr0() | 0x80010000);
  u32 up = (u32)upage, v = 0;

  write_cr4(read_cr4() | SMEP);
  trap_clear(); TRY("movl (%1), %0", "+r"(v) : "r"(up)); show("smep, read user page", up);
  trap_clear(); TRY("call *%0", : "r"(up) : "eax", "memory"); show("smep, call into user page", up);
  write_cr4(read_cr4() & ~SMEP);
  u32 r; __asm__ volatile("call *%1" : "=a"(r) : "r"(up) : "ecx", "edx", "memory");
  printf("no smep, call into user page: %x\n", r);

  write_cr4(read_cr4() | SMAP);
  trap_clear(); TRY("movl (%1), %0", "+r"(v) : "r"(up)); show("smap, ac=0 read", up);
  trap_clear(); TRY("movl $1, 8(%0)", : "r"(up) : "memory"); show("smap, ac=0 write", up + 8);
  __asm__ volatile(".byte 0x0f,0x01,0xcb" ::: "memory");       /* stac */
  trap_clear(); TRY("movl (%1), %0", "+r"(v) : "r"(up)); show("smap, stac read", up);
  printf("eflags.ac=%x\n", (read_eflags() >> 18) & 1);
  __asm__ volatile(".byte 0x0f,0x01,0xca" ::: "memory");       /* clac */
  trap_clear(); TRY("movl (%1), %0", "+r"(v) : "r"(up)); show("smap, clac read", up);
  __asm__ volatile("pushfl\n\torl $0x40000, (%%esp)\n\tpopfl" ::: "memory", "cc");
  trap_clear(); TRY("movl (%1), %0", "+r"(v) : "r"(up)); show("smap, popf ac=1 read", up);

  __asm__ volatile("pushfl\n\tandl $~0x40000, (%%esp)\n\tpopfl" ::: "memory", "cc");
  write_cr4(read_cr4() & ~SMAP);

  write_cr0(read_cr0() & 0x7FFFFFFF);
  exit_guest(0);
}
