/* Far transfers in IA-32e mode: a 64-bit call gate (16 bytes, type 0xC) entered by far CALL
   from ring 0 (CS:RIP pushed as quadwords) and from ring 3 (RSP0 from the TSS, SS becomes the
   null selector, SS:RSP and CS:RIP pushed as quadwords, no parameters copied) and left with
   LRETQ; far JMP from 64-bit code into compatibility-mode code and back; a far CALL through
   the 64-bit gate from compatibility mode; an interrupt taken in compatibility mode (the
   64-bit frame); far RET without REX.W (4-byte slots); and the #GP/#NP of bad gates. */
#include "lib.h"

#define GATE_SEL 0x48     /* GDT slots 9-10: a 64-bit call gate, DPL 3, to gate_target */
#define BAD_SEL  0x58     /* slots 11-12: a gate made wrong in a different way for each test */

/* A 16-byte system descriptor at `slot`: offset, selector, type, DPL, P; `upper_type` goes in
   the second half's type field, which must be 0. */
static void set_gate(int slot, u64 target, u16 sel, int type, int dpl, int present, int upper_type) {
  boot64_gdt[slot] = (target & 0xFFFF) | ((u64)sel << 16) | ((u64)(type | (dpl << 5) | (present ? 0x80 : 0)) << 40) |
                     (((target >> 16) & 0xFFFF) << 48);
  boot64_gdt[slot + 1] = (target >> 32) | ((u64)upper_type << 40);
}

/* What the gate's target saw, stored by gate_target. */
u64 g_rsp, g_ss, g_ret_rip, g_ret_cs, g_old_rsp, g_old_ss, g_calls;
u64 saved_kernel_rsp, cs_at_int;
u16 ss_after_int;
u64 compat_cs, compat_after_gate_cs, compat_esp_before, compat_esp_after;

__asm__(
  ".text\n"
  /* The gate's target: ring 0, 64-bit. Records its frame, returns with LRETQ. */
  "gate_target:\n"
  "  incq g_calls(%rip)\n"
  "  mov %rsp, g_rsp(%rip)\n"
  "  mov %ss, %eax\n"
  "  mov %rax, g_ss(%rip)\n"
  "  mov 0(%rsp), %rax\n  mov %rax, g_ret_rip(%rip)\n"
  "  mov 8(%rsp), %rax\n  mov %rax, g_ret_cs(%rip)\n"
  "  mov 16(%rsp), %rax\n  mov %rax, g_old_rsp(%rip)\n"
  "  mov 24(%rsp), %rax\n  mov %rax, g_old_ss(%rip)\n"
  "  lretq\n"

  /* far pointers (m16:32, data: .text stays instructions only): the offset is ignored through a gate */
  ".section .rodata\n"
  "gate_ptr: .long 0\n  .word 0x48\n"
  "bad_ptr: .long 0\n  .word 0x58\n"
  "data_ptr: .long 0\n  .word 0x10\n"
  "compat_ptr: .long compat_code\n  .word 0x40\n"
  ".text\n"

  /* From ring 0: LCALL through the gate, the return address after it. */
  "call_from_ring0:\n"
  "  lcall *gate_ptr(%rip)\n"
  "after_ring0_call:\n"
  "  ret\n"

  /* Into compatibility mode (ring 0, CS 0x40) and back. */
  "to_compat:\n"
  "  push %rbx\n"
  "  mov %rsp, saved_kernel_rsp(%rip)\n"
  "  ljmp *compat_ptr(%rip)\n"
  /* The 32-bit code has a section of its own, so that .text disassembles as 64-bit code. */
  ".section .text.compat,\"ax\"\n"
  ".code32\n"
  "compat_code:\n"
  "  mov %cs, %eax\n"
  "  mov %eax, compat_cs\n"
  "  mov %esp, compat_esp_before\n"
  "  lcall *gate_ptr\n"                   /* through the 64-bit gate from 32-bit code */
  "compat_after_gate:\n"
  "  mov %cs, %eax\n"
  "  mov %eax, compat_after_gate_cs\n"
  "  mov %esp, compat_esp_after\n"
  "  int3\n"                              /* delivered through the 64-bit IDT */
  "compat_after_int3:\n"
  "  ljmp $0x08, $back_to_64\n"
  ".code64\n"
  ".text\n"
  "back_to_64:\n"
  "  mov saved_kernel_rsp(%rip), %rsp\n"
  "  pop %rbx\n"
  "  ret\n"

  /* A far RET without REX.W: 4-byte slots. */
  "retf32_test:\n"
  "  lea 1f(%rip), %rax\n"
  "  sub $8, %rsp\n"
  "  movl %eax, 0(%rsp)\n"
  "  movl $0x08, 4(%rsp)\n"
  "  lretl\n"
  "1:\n"
  "  ret\n"

  /* INT 0x81 (a DPL 3 gate) from user code: back to the kernel context enter_user saved. */
  "user_return:\n"
  "  mov %ss, %ax\n"
  "  mov %ax, ss_after_int(%rip)\n"
  "  mov 8(%rsp), %rax\n"
  "  mov %rax, cs_at_int(%rip)\n"
  "  mov $0x10, %eax\n"
  "  mov %eax, %ss\n"
  "  mov %eax, %ds\n"              /* the IRETQ to ring 3 nulled DS and ES (DPL 0 < CPL 3), */
  "  mov %eax, %es\n"              /* which compatibility mode below would #GP on */
  "  mov saved_kernel_rsp(%rip), %rsp\n"
  "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
  "  ret\n"
  "enter_user:\n"
  "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
  "  mov %rsp, saved_kernel_rsp(%rip)\n"
  "  push $0x23\n  push %rsi\n  push $0x002\n  push %rdx\n  push %rdi\n"
  "  iretq\n"

  ".section .text.user,\"ax\"\n"
  ".balign 4096\n"
  "user_page:\n"
  "user64:\n"
  "  mov %rsp, user_data+0(%rip)\n"
  "  lcall *user_gate_ptr(%rip)\n"        /* ring 3 -> ring 0 through the DPL 3 gate */
  "user_after_call:\n"
  "  mov %cs, user_data+8(%rip)\n"
  "  mov %ss, user_data+16(%rip)\n"
  "  mov %rsp, user_data+24(%rip)\n"
  "  int $0x81\n"
  "user_gate_ptr: .long 0\n  .word 0x4b\n"
  ".balign 4096\n"
  "user_data:\n"
  "  .fill 512, 8, 0\n"
  "  .previous\n");

extern char gate_target[], after_ring0_call[], compat_after_gate[], compat_after_int3[], user_page[], user_data[], user64[];
extern char user_after_call[], user_return[];
void call_from_ring0(void);
void to_compat(void);
void retf32_test(void);
void enter_user(u64 rip, u64 rsp, u64 cs);

static u8 user_stack[4096] __attribute__((aligned(4096)));
static u64 *const user_data64 = (u64 *)user_data;

static void make_user(void *p) {
  u64 *e = pte_of((u64)p, 0);
  *e |= 4;
  invlpg((u64)p);
}

static u64 bp_cs, bp_ss, bp_rip, bp_rsp_ok;
static void on_bp(frame_t *f) {
  bp_cs = f->cs; bp_ss = f->ss; bp_rip = f->rip;
  bp_rsp_ok = f->rsp == compat_esp_after;
}

static void bad_call(const char *what) {
  trap_clear();
  TRY("lcall *bad_ptr(%%rip)", : : "memory");
  trap_print(what);
}

void kmain(void) {
  set_gate(9, (u64)gate_target, KCODE, 0xC, 3, 1, 0);

  /* Ring 0 through the gate: same privilege, two quadwords pushed, no stack switch. */
  u64 rsp_before;
  __asm__ volatile("mov %%rsp, %0" : "=r"(rsp_before));
  call_from_ring0();
  printf("ring 0 call: calls=%lu cs=%04lx pushed 16 bytes: %u ret rip ok: %u ss=%04lx\n", g_calls, g_ret_cs,
         g_rsp == rsp_before - 8 - 16, g_ret_rip == (u64)after_ring0_call, g_ss);

  /* Ring 3 through the same gate: RSP0, null SS, the user SS:RSP on the new stack. */
  make_user(user_page);
  make_user(user_data);
  make_user(user_stack);
  idt_set_handler(0x81, user_return);
  idt_set_dpl(0x81, 3);
  u64 urs = (u64)user_stack + sizeof(user_stack) - 16;
  enter_user((u64)user64, urs, UCODE64);
  printf("ring 3 call: calls=%lu on rsp0: %u ss=%04lx old cs=%04lx old ss=%04lx old rsp ok: %u ret rip ok: %u\n", g_calls,
         g_rsp == (u64)boot64_rsp0_top - 32, g_ss, g_ret_cs, g_old_ss, g_old_rsp == user_data64[0],
         g_ret_rip == (u64)user_after_call);
  printf("back in ring 3: cs=%04lx ss=%04lx rsp restored: %u; int 0x81 from cs=%04lx, kernel ss=%04x\n",
         user_data64[1] & 0xFFFF, user_data64[2] & 0xFFFF, user_data64[3] == user_data64[0], cs_at_int & 0xFFFF, ss_after_int);

  /* Compatibility mode: far JMP in, the 64-bit gate from 32-bit code, INT3, far JMP out. */
  trap_hooks[3] = on_bp;
  to_compat();
  trap_hooks[3] = 0;
  printf("compat: cs=%04lx; through the gate: calls=%lu ret cs=%04lx ret rip ok: %u, back in cs=%04lx, esp restored: %u\n",
         compat_cs, g_calls, g_ret_cs, g_ret_rip == (u64)compat_after_gate, compat_after_gate_cs,
         compat_esp_after == compat_esp_before);
  printf("int3 in compat: cs=%04lx ss=%04lx rip ok: %u rsp ok: %u\n", bp_cs, bp_ss, bp_rip == (u64)compat_after_int3, bp_rsp_ok);

  retf32_test();
  printf("lret with 4-byte slots: ok\n");

  /* Bad gates: not present; a non-zero type in the upper half; a 16-bit call gate; a gate to
     32-bit code; a far call to a data segment. */
  set_gate(11, (u64)gate_target, KCODE, 0xC, 0, 0, 0);
  bad_call("gate not present");
  set_gate(11, (u64)gate_target, KCODE, 0xC, 0, 1, 0xC);
  bad_call("upper half type 0xc");
  set_gate(11, (u64)gate_target, KCODE, 0x4, 0, 1, 0);
  bad_call("16-bit call gate");
  set_gate(11, (u64)gate_target, BOOT64_KCODE32, 0xC, 0, 1, 0);
  bad_call("gate to 32-bit code");
  trap_clear();
  TRY("lcall *data_ptr(%%rip)", : : "memory");
  trap_print("far call to a data segment");
  printf("done\n");
}
