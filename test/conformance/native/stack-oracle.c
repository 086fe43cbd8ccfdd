/*
 * Host-CPU oracle for stack instructions on 16-bit and 32-bit stacks: each case runs one
 * instruction in 32-bit user mode with SS either the flat data segment or a 16-bit data
 * segment (B = 0) from the LDT, both based so that the stack window has the same linear
 * address as in the emulator's test machine. Binary records on stdin and stdout (see
 * stack-oracle.ts). A fault is caught on an alternate signal stack and reported by vector.
 */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define STACK_BASE 0x00600000u   /* linear base of the 16-bit stack segment */
#define WIN_OFF 0xf00u            /* the window compared: STACK_BASE + WIN_OFF, 256 bytes */
#define WIN_SIZE 256u
#define CODE_ADDR 0x00700000u

/* Case: 8 registers (EAX..EDI, ESP as given), flags, ss kind, the kind of the selector at
   selOff (0xffff: none), code length, code, window. */
struct __attribute__((packed)) in_case {
  uint32_t regs[8]; uint32_t eflags; uint8_t ssKind; uint8_t selKind; uint16_t selOff;
  uint8_t len; uint8_t code[15]; uint8_t window[WIN_SIZE];
};
struct __attribute__((packed)) out_case {
  uint32_t regs[8]; uint32_t flags; uint32_t ssKind; uint32_t vector; uint8_t window[WIN_SIZE];
};

uint32_t in_regs[8], out_regs[8], in_flags, saved_esp, code_ptr, out_ah, out_al;
uint16_t in_ss, out_ss, saved_ss;
static sigjmp_buf recover;
static volatile uint32_t fault_vector;
static uint16_t sel_flat, sel16;

void run_case(void);
void back_label(void);
__asm__(
  ".globl run_case\n run_case:\n"
  " pusha\n mov %esp, saved_esp\n mov %ss, saved_ss\n"
  " push in_flags\n popf\n"
  " mov in_regs+0, %eax\n mov in_regs+4, %ecx\n mov in_regs+8, %edx\n mov in_regs+12, %ebx\n"
  " mov in_regs+20, %ebp\n mov in_regs+24, %esi\n mov in_regs+28, %edi\n"
  " mov in_ss, %ss\n mov in_regs+16, %esp\n"
  " jmp *code_ptr\n"
  ".globl back_label\n back_label:\n"
  " mov %eax, out_regs+0\n mov %ecx, out_regs+4\n mov %edx, out_regs+8\n mov %ebx, out_regs+12\n"
  " mov %esp, out_regs+16\n mov %ebp, out_regs+20\n mov %esi, out_regs+24\n mov %edi, out_regs+28\n"
  " mov %ss, out_ss\n lahf\n seto %al\n mov %ah, out_ah\n mov %al, out_al\n"
  " mov saved_ss, %ss\n mov saved_esp, %esp\n cld\n popa\n ret\n");

static void on_fault(int sig, siginfo_t *si, void *ctx) {
  (void)sig; (void)si;
  fault_vector = (uint32_t)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_TRAPNO];
  siglongjmp(recover, 1);
}

static uint16_t ldt_segment(int entry, uint32_t base, int is32) {
  struct user_desc d; memset(&d, 0, sizeof d);
  d.entry_number = entry; d.base_addr = base; d.limit = 0xffff; d.seg_32bit = is32; d.useable = 1;
  if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) { perror("modify_ldt"); _exit(2); }
  return (uint16_t)((entry << 3) | 4 | 3);
}

int main(void) {
  if (mmap((void *)STACK_BASE, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)STACK_BASE) { perror("mmap stack"); return 2; }
  uint8_t *code = mmap((void *)CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)CODE_ADDR) { perror("mmap code"); return 2; }
  __asm__ volatile("mov %%ss, %0" : "=r"(sel_flat));
  sel16 = ldt_segment(0, STACK_BASE, 0);
  static uint8_t altstack[65536];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  struct sigaction sa; memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault; sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigaction(SIGSEGV, &sa, NULL); sigaction(SIGBUS, &sa, NULL);
  struct in_case c;
  while (fread(&c, sizeof c, 1, stdin) == 1) {
    struct out_case o; memset(&o, 0, sizeof o);
    uint8_t *win = (uint8_t *)(STACK_BASE + WIN_OFF);
    memcpy(win, c.window, WIN_SIZE);
    if (c.selOff != 0xffff) { uint16_t s = c.selKind ? sel16 : sel_flat; memcpy(win + c.selOff, &s, 2); }
    memcpy(code, c.code, c.len);
    int32_t rel = (int32_t)((uintptr_t)back_label - (CODE_ADDR + c.len + 5));
    code[c.len] = 0xe9; memcpy(code + c.len + 1, &rel, 4);
    memcpy(in_regs, c.regs, sizeof in_regs);
    in_flags = c.eflags; in_ss = c.ssKind ? sel16 : sel_flat; code_ptr = CODE_ADDR;
    fault_vector = 0xffffffffu;
    if (sigsetjmp(recover, 1) == 0) run_case();
    if (fault_vector == 0xffffffffu) {
      memcpy(o.regs, out_regs, sizeof o.regs);
      o.flags = (out_ah & 0xff) | ((out_al & 1) << 11);
      o.ssKind = out_ss == sel16 ? 1 : out_ss == sel_flat ? 0 : 2;
      memcpy(o.window, win, WIN_SIZE);
    }
    o.vector = fault_vector;
    fwrite(&o, sizeof o, 1, stdout);
  }
  return 0;
}
