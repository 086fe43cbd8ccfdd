/* Non-canonical addresses where QEMU 7.2's TCG departs from the SDM, judged by
   canonical64.expected (written from the SDM): a near JMP, CALL, RET or IRETQ to a
   non-canonical RIP faults with #GP(0) at the branch itself, before anything is pushed or
   popped (QEMU takes the branch and faults on the fetch); a non-canonical memory reference
   through RSP is a stack reference, #SS(0) (QEMU raises #GP); SYSRETQ with a non-canonical
   RCX is #GP(0) at ring 0 (QEMU returns to ring 3 first). A fetch #PF has I/D clear
   while EFER.NXE (and CR4.SMEP) are off. */
#include "lib.h"

#define NONCANON 0x0000800000000000ul

u64 sp_before;   /* written by the asm of AT() */

/* `pre` runs first; RSP is recorded after it; `insn` is expected to fault and the handler
   resumes after it; RSP is then put back as recorded and `post` runs. */
#define AT(pre, insn, post, ...) \
  __asm__ volatile(pre "\n\tmov %%rsp, sp_before(%%rip)\n\tmovq $1f, try_start(%%rip)\n\tmovq $2f, recover_rip(%%rip)\n1:\t" insn \
                   "\n2:\tmovq $0, recover_rip(%%rip)\n\tmov sp_before(%%rip), %%rsp\n\t" post :: __VA_ARGS__)

static void show(const char *what) {
  if (!last_trap.count) { printf("%s: no fault\n", what); return; }
  printf("%s: vec=%02lx err=%04lx at+%ld rsp unchanged=%u\n", what, last_trap.vector, last_trap.err,
         (s64)(last_trap.rip - try_start), last_trap.rsp == sp_before);
}

void kmain(void) {
  trap_clear();
  AT("", "jmp *%0", "", "r"(NONCANON) : "memory");
  show("jmp to 0000800000000000");
  trap_clear();
  AT("", "call *%0", "", "r"(NONCANON) : "memory");
  show("call to 0000800000000000");
  trap_clear();
  AT("push %0", "ret", "add $8, %%rsp", "r"(NONCANON) : "memory");
  show("ret to 0000800000000000");
  trap_clear();
  AT("mov %%rsp, %%rax\n\tpush $0x10\n\tpush %%rax\n\tpushfq\n\tpush $0x08\n\tpush %0", "iretq", "add $40, %%rsp",
     "r"(NONCANON) : "rax", "memory");
  show("iretq to 0000800000000000");
  trap_clear();
  AT("", "movq (%%rsp,%0), %%rax", "", "r"(NONCANON) : "rax", "memory");
  show("read through rsp at a non-canonical address");
  trap_clear();
  AT("", "movq (%0), %%rax", "", "r"(NONCANON) : "rax", "memory");
  show("read through rax at a non-canonical address");
  /* SYSRET checks RCX before it changes anything: the #GP is raised at ring 0 (Intel). */
  wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
  wrmsr(MSR_STAR, (0x18ul << 48) | (0x08ul << 32));
  trap_clear();
  AT("mov %0, %%rcx\n\tmov $2, %%r11d", "sysretq", "", "r"(NONCANON) : "rcx", "r11", "memory");
  show("sysretq to 0000800000000000");
  printf("the #GP came from cs=%04lx\n", last_trap.cs);
  trap_clear();
  AT("", "jmp *%0", "", "r"(0x00007FFFFFFFF000ul) : "memory");
  printf("jmp to canonical, not mapped: vec=%02lx err=%02lx cr2=%lx rip is the target=%u\n", last_trap.vector, last_trap.err,
         last_trap.cr2, last_trap.rip == 0x00007FFFFFFFF000ul);
  printf("done\n");
}
