/* Virtual-8086 mode: a small 8086 program (16-bit code copied below 1 MiB, segment 0x2000)
   run three ways by the V86 monitor of v86-monitor.h (vme.c runs it under CR4.VME).
   A. Entered by IRET with IOPL 0: CLI, STI, PUSHF, POPF, INT n and IRET are #GP(0); the
      monitor emulates them, reflecting INT n through the program's own IVT. IN/OUT go by
      the TSS I/O bitmap (the UART is allowed: the program prints through it; port 0x61 is
      not). INT3 goes to the ring 0 handler through a DPL 3 gate with the V86 frame (ES, DS,
      FS, GS pushed, then zeroed). HLT is #GP and ends the run.
   B. IOPL 3: the flag instructions run natively; INT n goes to the ring 0 handler (which
      reflects it), and through a DPL 0 gate it is #GP(vector*8+2); I/O still asks the bitmap.
   E. As A with paging on: linear 0x40000 maps to physical 0x50000 (selector*16, then the
      page tables), and the supervisor page at 0x41000 gives the program a #PF with U set.
   F. As A, with INT3 through a task gate: the V86 state is saved in the monitor's TSS (EFLAGS
      with VM, paragraph selectors), and the handler task's IRET (NT) switches back into V86.
   D. Entered by a task switch to a TSS whose EFLAGS has VM, IOPL 0.
   Also: real-mode addressing (ES=0x4000 writes linear 0x40010), far CALL/RET/JMP with
   paragraph selectors (a call through 0x1F00 sees CS=0x1F00), and the frame's selectors. */
#include "lib.h"
#include "v86-monitor.h"
#include "paging.h"

static volatile u32 pf_err, pf_cr2, pf_vm;
static void pf_hook(struct frame *f) {
  pf_err = f->err; pf_cr2 = read_cr2(); pf_vm = (f->eflags & F_VM) != 0;
  *pte_for(0, 0x41000, PTE_P | PTE_W | PTE_U) |= PTE_U;   /* let the retry through */
  invlpg(0x41000);
}

static struct tss tss_bp __attribute__((aligned(128)));
static u8 stack_bp[4096] __attribute__((aligned(16)));
static volatile u32 tb_runs, tb_fl, tb_cs, tb_ip, tb_ds, tb_nt;
static void task_bp(void) {
  for (;;) {
    tb_runs++;
    tb_fl = mtss.t.eflags; tb_cs = mtss.t.cs; tb_ip = mtss.t.eip; tb_ds = mtss.t.ds;
    tb_nt = (read_eflags() >> 14) & 1;
    __asm__ volatile("iretl");
  }
}

static struct tss vtss __attribute__((aligned(128)));
static u8 vstack0[4096] __attribute__((aligned(16)));

void kmain(void) {
  v86_setup();

  reset_counts();
  enter_v86(F_VM | 0x2);
  report("A: iret entry, iopl 0");

  reset_counts();
  trap_hooks[0x21] = pmint_hook; trap_hooks[0x22] = pmint_hook;
  idt_set_default(0x21, 0xEE); idt_set_default(0x22, 0xEE);
  enter_v86(F_VM | F_IOPL3 | F_IF | 0x2);
  report("B: iopl 3");

  /* E: paging. The page tables map the first 8 MiB to themselves but for two pages. */
  idt_set_default(0x21, 0x8E); idt_set_default(0x22, 0x8E);
  trap_hooks[0x21] = 0; trap_hooks[0x22] = 0;
  reset_counts();
  *(volatile u16 *)0x50010 = 0;
  paging_identity(PTE_P | PTE_W | PTE_U);
  for (u32 i = 0; i < 1024; i++) pt_test[0][i] = pt_low[0][i];
  pd[0] = (u32)pt_test[0] | PTE_P | PTE_W | PTE_U;
  pt_test[0][0x40] = 0x50000 | PTE_P | PTE_W | PTE_U;
  pt_test[0][0x41] = 0x41000 | PTE_P | PTE_W;
  trap_hooks[14] = pf_hook;
  paging_on();
  enter_v86(F_VM | 0x2);
  paging_off();
  trap_hooks[14] = 0;
  report("E: paging, iopl 0");
  printf("  physical 50010=%x; #PF err=%x cr2=%x from v86=%u; physical 41010=%x\n",
         *(volatile u16 *)0x50010, pf_err, pf_cr2, pf_vm, *(volatile u16 *)0x41010);

  /* F: INT3 from V86 mode through a task gate, and back by the handler task's IRET. */
  reset_counts();
  memset(&tss_bp, 0, sizeof(tss_bp));
  tss_bp.eip = (u32)task_bp; tss_bp.esp = (u32)stack_bp + sizeof(stack_bp); tss_bp.eflags = 2;
  tss_bp.cs = KCODE; tss_bp.ds = tss_bp.es = tss_bp.fs = tss_bp.gs = tss_bp.ss = KDATA;
  tss_bp.cr3 = read_cr3(); tss_bp.iomap = sizeof(tss_bp);
  gdt_set(GDT_FREE + 2, (u32)&tss_bp, sizeof(tss_bp) - 1, 0x89, 0x00);
  idt_set(3, (GDT_FREE + 2) << 3, 0, 0xE5);
  enter_v86(F_VM | 0x2);
  idt_set_default(3, 0xEE);
  report("F: int3 through a task gate, iopl 0");
  printf("  handler task ran %u times with NT=%u; saved eflags=%x cs=%x ip=%x ds=%x\n",
         tb_runs, tb_nt, tb_fl & 0x3E7700, tb_cs, tb_ip, tb_ds);

  /* D: a task switch into V86 mode. The ring 0 handlers run on the V86 task's SS0:ESP0. */
  reset_counts();
  memset(&vtss, 0, sizeof(vtss));
  vtss.esp0 = (u32)(vstack0 + sizeof(vstack0)); vtss.ss0 = KDATA;
  vtss.eflags = F_VM | 0x2; vtss.eip = 0; vtss.cs = SEG; vtss.ss = 0x3000; vtss.esp = 0x1000;
  vtss.ds = 0x1111; vtss.es = 0x2222; vtss.fs = 0x3333; vtss.gs = 0x4444;
  vtss.cr3 = read_cr3(); vtss.iomap = sizeof(struct tss);
  gdt_set(GDT_FREE + 1, (u32)&vtss, sizeof(vtss) - 1, 0x89, 0x00);
  __asm__ volatile(
    "pushl $.Lback%=\n\tpushl %%ebp\n\tpushl %%ebx\n\tpushl %%esi\n\tpushl %%edi\n\tmovl %%esp, saved_kernel_esp\n\t"
    "ljmp %0, $0\n"
    ".Lback%=:"
    :: "i"((GDT_FREE + 1) << 3) : "eax", "ecx", "edx", "memory");
  report("D: task switch entry, iopl 0, no I/O bitmap");
  exit_guest(0);
}
