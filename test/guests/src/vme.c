/* CR4.VME and CR4.PVI (SDM vol. 3, 20.3 and 20.4), judged against vme.expected, written
   from the SDM's pseudo-code: QEMU 7.2's TCG accepts CR4.VME but still traps CLI, STI,
   PUSHF, POPF and IRET to the monitor as if it were clear.
   With VME and IOPL 0 the 8086 program of v86-monitor.h runs: CLI and STI change VIF, PUSHF
   shows VIF as IF and IOPL as 3, POPF puts IF into VIF, INT 0x21 and 0x23 (clear in the
   interrupt redirection bitmap) go through the program's IVT and their IRETs run, INT 0x22
   (set) is #GP(0) to the monitor. Then PVI at CPL 3: CLI/STI change VIF; STI with VIP set
   is #GP(0); POPF leaves VIF alone. And VME with VIP set: STI, a POPF or IRET that would set
   IF, and a 32-bit PUSHF are #GP(0) to the monitor; the 16-bit PUSHF shows VIF (still 0). */
#include "lib.h"
#include "v86-monitor.h"

extern u8 vip_blob[], vip_blob_end[], vip_data[];
__asm__(
  ".pushsection .text.v86, \"ax\"\n"
  ".code16\n"
  ".globl vip_blob, vip_blob_end, vip_data\n"
  "vip_blob:\n"
  "  sti\n"
  "  pushfl\n"
  "  popw %ax\n"
  "  movw %ax, %cs:vip_data - vip_blob\n"
  "  pushw $0x0202\n  popf\n"
  "  pushw $0x0202\n  pushw %cs\n  pushw $1f - vip_blob\n  iret\n"
  "1: hlt\n"
  ".balign 2\n"
  "vip_data:\n  .word 0\n"
  "vip_blob_end:\n"
  ".code32\n"
  ".popsection\n");

static volatile u32 pvi_f1, pvi_f2, pvi_f3, pvi_gp, pvi_gp_eip_ok;
static void pvi_gp_hook(struct frame *f) { pvi_gp++; pvi_gp_eip_ok = *(u8 *)f->eip == 0xFB; f->eip += 1; }

static void user_pvi(void) {
  u32 a, b, c;
  __asm__ volatile("cli\n\tpushfl\n\tpopl %0\n\tsti\n\tpushfl\n\tpopl %1\n\t"
                   "pushl $0x2\n\tpopfl\n\tpushfl\n\tpopl %2" : "=r"(a), "=r"(b), "=r"(c) :: "cc");
  pvi_f1 = a; pvi_f2 = b; pvi_f3 = c;
  /* VIP set (by the kernel's IRET below) makes STI #GP(0). */
  USER_RETURN();
}
static void user_sti(void) { __asm__ volatile("sti"); USER_RETURN(); }

void kmain(void) {
  v86_setup();
  reset_counts();
  write_cr4(read_cr4() | 1);
  enter_v86(F_VM | 0x2);
  write_cr4(read_cr4() & ~1u);
  report("C: cr4.vme, iopl 0");


  reset_counts();
  memcpy((u8 *)0x28000, vip_blob, vip_blob_end - vip_blob);
  write_cr4(read_cr4() | 1);
  enter_v86_at(0x2800, F_VM | 0x100000 | 0x2);
  write_cr4(read_cr4() & ~1u);
  /* The monitor returned with the V86 flags' VIP still set (interrupt delivery keeps VIF and
     VIP); POPF cannot clear them, a 32-bit IRET at CPL 0 can. */
  __asm__ volatile("pushfl\n\tandl $0xFFE7FFFF, (%%esp)\n\tpushl %%cs\n\tpushl $1f\n\tiretl\n1:" ::: "memory", "cc");
  printf("vme with VIP: traps sti=%u popf=%u iret=%u other=%u/%x; pushf (16-bit after the refused 32-bit) %x\n",
         n_sti, n_popf, n_iret, n_gp_other, gp_err, *(volatile u16 *)(0x28000 + (vip_data - vip_blob)));

  write_cr4(read_cr4() | 2);
  enter_user(user_pvi, USER_STACK_TOP);
  printf("pvi: after cli eflags=%x after sti=%x after popf=%x\n", pvi_f1 & 0x3E7200, pvi_f2 & 0x3E7200, pvi_f3 & 0x3E7200);
  trap_hooks[13] = pvi_gp_hook;
  /* Enter ring 3 with VIP set: STI is #GP(0). */
  __asm__ volatile(
    "pushl $.Lback%=\n\tpushl %%ebp\n\tpushl %%ebx\n\tpushl %%esi\n\tpushl %%edi\n\tmovl %%esp, saved_kernel_esp\n\t"
    "pushl $0x23\n\tpushl %1\n\tpushl $0x100002\n\tpushl $0x1B\n\tpushl %0\n\t"
    "movw $0x23, %%ax\n\tmovw %%ax, %%ds\n\tmovw %%ax, %%es\n\tiretl\n"
    ".Lback%=:"
    :: "r"(user_sti), "r"(USER_STACK_TOP) : "eax", "memory");
  printf("pvi: sti with vip: gp=%u at sti=%u\n", pvi_gp, pvi_gp_eip_ok);
  write_cr4(read_cr4() & ~2u);
  exit_guest(0);
}
