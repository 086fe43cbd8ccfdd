/* SYSENTER/SYSEXIT: the MSRs (0x174-0x176), the flat CS/SS they load (SS = CS + 8, user
   CS = CS + 16 | 3, SS = CS + 24 | 3), ESP/EIP from the MSRs and from ECX/EDX, IF cleared
   on entry, and the #GP(0) cases: SYSENTER_CS = 0, SYSEXIT outside ring 0. */
#include "lib.h"

static u8 sysenter_stack[4096] __attribute__((aligned(16)));
static volatile u32 k_cs, k_ss, k_esp_off, k_flags, k_ecx_off, k_eax, u_cs, u_ss, u_esp_off, u_eax, u_edi, u_fault;

__asm__(
  ".text\n"
  "sysenter_entry:\n\t"
  "movl %cs, %ebx\n\tmovl %ebx, k_cs\n\tmovl %ss, %ebx\n\tmovl %ebx, k_ss\n\t"
  "movl $sysenter_stack+4096, %ebx\n\tsubl %esp, %ebx\n\tmovl %ebx, k_esp_off\n\t"
  "pushfl\n\tpopl %ebx\n\tmovl %ebx, k_flags\n\t"
  "movl %eax, k_eax\n\t"
  "addl $0x100, %eax\n\t"
  "sysexit\n");
extern char sysenter_entry[];

static void user_main(void) {
  u32 a = 0x42, di;
  __asm__ volatile("pushl %%ebp\n\tmovl %%esp, %%ecx\n\tmovl $1f, %%edx\n\tmovl $0xD1D1D1D1, %%edi\n\tsysenter\n1:\n\t"
                   "popl %%ebp\n\tmovl %%cs, %%ebx\n\tmovl %%ebx, u_cs\n\tmovl %%ss, %%ebx\n\tmovl %%ebx, u_ss\n\t"
                   "movl $user_stack+8192, %%ebx\n\tsubl %%esp, %%ebx\n\tmovl %%ebx, u_esp_off"
                   : "+a"(a), "=D"(di) :: "ebx", "ecx", "edx", "memory");
  u_eax = a; u_edi = di;
  trap_clear();
  TRY("sysexit", : : "memory");
  u_fault = last_trap.count ? (last_trap.vector << 16) | last_trap.err : 0xFFFF;
  USER_RETURN();
}

void kmain(void) {
  wrmsr(0x174, KCODE);
  wrmsr(0x175, (u32)sysenter_stack + sizeof(sysenter_stack));
  wrmsr(0x176, (u32)sysenter_entry);
  printf("msrs: cs=%x esp ok=%x eip ok=%x\n", (u32)rdmsr(0x174),
         (u32)rdmsr(0x175) == (u32)sysenter_stack + sizeof(sysenter_stack), (u32)rdmsr(0x176) == (u32)sysenter_entry);
  __asm__ volatile("sti");
  enter_user(user_main, USER_STACK_TOP);
  __asm__ volatile("cli");
  printf("in kernel: cs=%x ss=%x esp=top-%x IF=%x eax=%x\n", k_cs, k_ss, k_esp_off, k_flags & F_IF, k_eax);
  printf("back in user: cs=%x ss=%x esp=top-%x eax=%x edi=%x\n", u_cs, u_ss, u_esp_off, u_eax, u_edi);
  printf("sysexit at cpl3: vec/err=%x\n", u_fault);
  wrmsr(0x174, 0);
  trap_clear();
  TRY("sysenter", : : "ecx", "edx", "memory");
  trap_print("sysenter with cs msr 0");
  exit_guest(0);
}
