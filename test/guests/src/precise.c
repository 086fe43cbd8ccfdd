/* Precise faults from ring 3 (the #PF handler runs on the TSS stack, so user stack faults
   are deliverable): pushes, CALL, PUSHA, ENTER and POP-to-memory that fault leave ESP and
   EIP as they were; read-modify-write, XCHG, CMPXCHG8B (which always writes) and MOVS into
   read-only or absent pages change nothing; error codes and CR2 for each. */
#include "paging.h"

#define U_STACK_LO 0x40000000u   /* absent */
#define U_STACK    0x40001000u   /* user stack page: ESP starts at its base */
#define U_RO       0x40002000u   /* user read-only */
#define U_NP       0x40003000u   /* absent */

#define NREC 32
static struct { const char *name; u32 count, vector, err, cr2, eip_off, esp, eax, esi, edi; } recs[NREC];
static volatile u32 nrec;
static void rec(const char *name) {
  recs[nrec].name = name; recs[nrec].count = last_trap.count; recs[nrec].vector = last_trap.vector;
  recs[nrec].err = last_trap.err; recs[nrec].cr2 = last_trap.cr2; recs[nrec].eip_off = last_trap.eip - try_start;
  recs[nrec].esp = last_trap.uesp; recs[nrec].eax = last_trap.eax; recs[nrec].esi = last_trap.esi; recs[nrec].edi = last_trap.edi;
  nrec++;
}
/* Each case switches to the user stack page (ESP = its base) and back, inside the asm. */
#define UCASE(name, code, ...) do { trap_clear(); \
  __asm__ volatile("movl %%esp, saved_user_esp\n\tmovl $0x40001000, %%esp\n\t" \
                   "movl $.Lst%=, try_start\n\tmovl $.Lrec%=, recover_eip\n.Lst%=:\n\t" code "\n.Lrec%=:\n\tmovl $0, recover_eip\n\t" \
                   "movl saved_user_esp, %%esp" : __VA_ARGS__); rec(name); } while (0)
volatile u32 saved_user_esp;

static void user_main(void) {
  UCASE("push", "pushl %%eax", : "a"(0x1234) : "memory");
  UCASE("call", "call .Lst%=", : : "memory");
  UCASE("pusha", "pushal", : : "memory");
  UCASE("enter", "enter $16, $0", : : "memory", "ebp");
  UCASE("push imm", "pushl $5", : : "memory");
  UCASE("pop to absent", "movl $0x40001800, %%esp\n\t.Lp%=: popl 0x40003000", : : "memory");
  UCASE("add to ro", "addl %%eax, 0x40002000", : "a"(1) : "memory");
  u32 x = 0x77;
  UCASE("xchg with ro", "xchgl %%eax, 0x40002004", "+a"(x) : : "memory");
  UCASE("cmpxchg8b ro, not equal", "cmpxchg8b 0x40002008", : "a"(1), "d"(2), "b"(3), "c"(4) : "memory");
  UCASE("cmpxchg8b ro, equal", "cmpxchg8b 0x40002008", : "a"(0x08080808), "d"(0x0C0C0C0C), "b"(3), "c"(4) : "memory");
  UCASE("movsl into ro", "movsl", : "S"(0x40002010), "D"(0x40002020) : "memory");
  UCASE("movsl from absent", "movsl", : "S"(0x40003010), "D"(0x40001000 - 0) : "memory");
  UCASE("lodsl absent", "lodsl", : "S"(0x40003ffe) : "eax", "memory");
  UCASE("inc absent", "incl 0x40003100", : : "memory");
  USER_RETURN();
}

void kmain(void) {
  paging_identity(PTE_P | PTE_W | PTE_U);
  volatile u32 *pt = pte_for(0, U_STACK_LO, PTE_P | PTE_W | PTE_U);
  pt[0] = 0;
  pt[1] = 0x301000 | PTE_P | PTE_W | PTE_U;
  pt[2] = 0x302000 | PTE_P | PTE_U;
  pt[3] = 0;
  for (u32 i = 0; i < 1024; i++) ((volatile u32 *)0x302000)[i] = i * 0x04040404u;
  paging_on();
  enter_user(user_main, USER_STACK_TOP);
  for (u32 i = 0; i < nrec; i++) {
    if (!recs[i].count) { printf("%s: no fault\n", recs[i].name); continue; }
    /* Which of PUSHA's eight stores faults first is not architectural: check the range. */
    if (recs[i].name[1] == 'u' && recs[i].name[4] == 'a')
      printf("%s: vec=%02x err=%x cr2 within the pushed area %s at+%u esp=%08x", recs[i].name, recs[i].vector, recs[i].err,
             recs[i].cr2 >= U_STACK - 32 && recs[i].cr2 < U_STACK ? "yes" : "no", recs[i].eip_off, recs[i].esp);
    else
      printf("%s: vec=%02x err=%x cr2=%08x at+%u esp=%08x", recs[i].name, recs[i].vector, recs[i].err, recs[i].cr2,
             recs[i].eip_off, recs[i].esp);
    if (recs[i].name[0] == 'm' || recs[i].name[0] == 'l') printf(" esi=%08x edi=%08x", recs[i].esi, recs[i].edi);
    if (recs[i].name[0] == 'x') printf(" eax=%08x", recs[i].eax);
    printf("\n");
  }
  printf("ro page words: %08x %08x %08x %08x %08x\n", ((volatile u32 *)0x302000)[0], ((volatile u32 *)0x302000)[1],
         ((volatile u32 *)0x302000)[2], ((volatile u32 *)0x302000)[3], ((volatile u32 *)0x302000)[8]);
  exit_guest(0);
}
