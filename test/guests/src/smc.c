/* Self-modifying code: patching an immediate of code that already ran, patching the very
   next instruction (the SDM requires the new bytes to execute), code and data sharing a
   page inside a loop, and a jump into code copied at run time. */
#include "lib.h"

/* A page of code and data together: a loop that rewrites its own immediate each turn. */
__asm__(
  ".section .text\n"
  ".align 4096\n"
  ".globl smc_page\n"
  "smc_page:\n"
  "get_imm:\n\tmovl $0x11111111, %eax\n\tret\n"
  "patch_next:\n\t"
  "movl $0x22222222, %eax\n\t"
  "movb $0x33, next_insn+1\n"          /* rewrite the immediate of the next instruction */
  "next_insn:\n\tmovl $0x00000000, %ecx\n\t"
  "addl %ecx, %eax\n\tret\n"
  "count_loop:\n\t"                     /* ecx = iterations; the add's immediate is bumped each turn */
  "xorl %eax, %eax\n"
  "1:\n\t"
  ".byte 0x05\n\t.long 0\n"             /* add eax, imm32 */
  "loop_imm = . - 4\n\t"
  "incl loop_imm\n\t"
  "decl %ecx\n\tjnz 1b\n\tret\n"
  "smc_data:\n\t.long 0\n"
  ".align 4096\n");
extern char smc_page[], get_imm[], patch_next[], count_loop[], next_insn[];

static u32 call_eax(void *fn) { u32 r; __asm__ volatile("call *%1" : "=a"(r) : "r"(fn) : "ecx", "edx", "memory"); return r; }

static u8 copy_area[64] __attribute__((aligned(16)));

void kmain(void) {
  printf("get_imm: %08x\n", call_eax(get_imm));
  *(volatile u32 *)(get_imm + 1) = 0xCAFEBABE;
  printf("after patch: %08x\n", call_eax(get_imm));
  *(volatile u8 *)(get_imm + 1) = 0x01;
  printf("after byte patch: %08x\n", call_eax(get_imm));

  printf("patch next instruction: %08x\n", call_eax(patch_next));
  printf("  again (already patched): %08x\n", call_eax(patch_next));

  u32 r;
  __asm__ volatile("call count_loop" : "=a"(r) : "c"(100) : "memory", "cc");
  printf("self-incrementing loop, 100 turns: %u\n", r);
  __asm__ volatile("call count_loop" : "=a"(r) : "c"(10) : "memory", "cc");
  printf("  again, 10 turns: %u\n", r);

  /* Code copied into a data buffer, run, changed, run again. */
  static const u8 code[] = { 0xB8, 0x78, 0x56, 0x34, 0x12, 0xC3 };   /* mov eax, 0x12345678; ret */
  memcpy(copy_area, code, sizeof(code));
  printf("copied code: %08x\n", call_eax(copy_area));
  copy_area[4] = 0x9A;
  printf("changed copy: %08x\n", call_eax(copy_area));
  copy_area[0] = 0x31; copy_area[1] = 0xC0; copy_area[2] = 0x40; copy_area[3] = 0xC3;  /* xor eax,eax; inc eax; ret */
  printf("rewritten copy: %08x\n", call_eax(copy_area));
  exit_guest(0);
}
