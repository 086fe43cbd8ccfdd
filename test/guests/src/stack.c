/* Stack instructions: PUSH ESP (the value before the push), POP ESP, POP into a memory
   operand addressed through ESP, PUSHA/POPA (POPA skips ESP), ENTER with nesting levels
   0..3 and LEAVE, RET imm16, PUSH imm8 sign extension, PUSHF/POPF of arithmetic flags,
   and 16-bit forms. Values are printed relative to the stack top, so they are the same on
   any stack. */
#include "ops.h"

u32 stack_area[256] __attribute__((aligned(16)));
#define TOP ((u32)&stack_area[256])

/* Run `body` on stack_area with ESP = TOP; EBP and ESP are restored whatever the body leaves. */
#define ON_STACK(body, ...) \
  __asm__ volatile("pushl %%ebp\n\tmovl %%esp, %%ebp\n\tmovl $stack_area+1024, %%esp\n\tpushl %%ebp\n\t" body "\n\tmovl $stack_area+1020, %%esp\n\tpopl %%ebp\n\tmovl %%ebp, %%esp\n\tpopl %%ebp" \
                   __VA_ARGS__)

static u32 retn_target(void);
__asm__(".text\nretn_callee:\n\tmovl $0x5151, %eax\n\tret $12\n");

/* Outputs are globals: locals would be addressed through the ESP/EBP the asm changes. */
static volatile u32 a, b, c, d, esp_after, ebp_after, level;

void kmain(void) {
  memset(stack_area, 0, sizeof(stack_area));
  ON_STACK("movl %%esp, %%ecx\n\tpushl %%esp\n\tpopl %%eax\n\tsubl %%eax, %%ecx\n\tmovl %%ecx, %0",
           : "=m"(a) : : "eax", "ecx", "memory");
  printf("push esp pushes the old value: old-pushed=%x\n", a);

  ON_STACK("movl %%esp, %%ecx\n\tpushl $0x100\n\tpushl %%esp\n\taddl $0, (%%esp)\n\tpopl %%esp\n\tmovl %%esp, %%eax\n\tmovl %%ecx, %%esp\n\tsubl %%eax, %%ecx\n\tmovl %%ecx, %0",
           : "=m"(b) : : "eax", "ecx", "memory");
  printf("pop esp loads the popped value: top-esp=%x\n", b);

  /* POP [ESP+4]: the address uses ESP after the pop. */
  ON_STACK("pushl $0xAAAA\n\tpushl $0xBBBB\n\tpushl $0xCCCC\n\tpopl 4(%%esp)\n\tpopl %%eax\n\tpopl %%ecx\n\tmovl %%eax, %0\n\tmovl %%ecx, %1",
           : "=m"(a), "=m"(b) : : "eax", "ecx", "memory");
  printf("pop 4(%%esp): next=%x after=%x\n", a, b);

  /* PUSHA stores the ESP from before it; POPA skips it. */
  ON_STACK("movl $1, %%eax\n\tmovl $2, %%ecx\n\tmovl $3, %%edx\n\tmovl $4, %%ebx\n\tmovl $6, %%esi\n\tmovl $7, %%edi\n\t"
           "pushal\n\tmovl 12(%%esp), %%eax\n\tmovl %%eax, %0\n\tmovl $0x99, 12(%%esp)\n\tmovl $0x55, 16(%%esp)\n\tmovl %%esp, %3\n\tpopal\n\t"
           "movl %%ebx, %1\n\tmovl %%esp, %2",
           : "=m"(a), "=m"(b), "=m"(c), "=m"(d) : : "eax", "ecx", "edx", "ebx", "esi", "edi", "memory");
  printf("pusha saved esp=top-%x, popa: ebx=%x esp moved %x\n", TOP - a, b, c - d);

  /* ENTER size, level: level copies level-1 frame pointers and pushes the new one. */
  for (level = 0; level <= 3; level++) {
    u32 frame[8];
    ON_STACK("movl $stack_area+1024, %%ebp\n\tsubl $64, %%ebp\n\tmovl $0x1111, (%%ebp)\n\tmovl %%ebp, %%eax\n\taddl $-4, %%eax\n\t"
             "movl %%eax, -4(%%ebp)\n\tmovl $0x2222, -8(%%ebp)\n\tmovl $0x3333, -12(%%ebp)\n\tmovl %%ebp, %%esp\n\tsubl $32, %%esp\n\t"
             "cmpl $0, %[lv]\n\tjne 1f\n\tenter $8, $0\n\tjmp 4f\n"
             "1:\tcmpl $1, %[lv]\n\tjne 2f\n\tenter $8, $1\n\tjmp 4f\n"
             "2:\tcmpl $2, %[lv]\n\tjne 3f\n\tenter $8, $2\n\tjmp 4f\n"
             "3:\tenter $8, $3\n"
             "4:\tmovl %%esp, %[ea]\n\tmovl %%ebp, %[eb]\n\tleave",
             : [ea] "=m"(esp_after), [eb] "=m"(ebp_after) : [lv] "m"(level) : "eax", "memory");
    for (u32 i = 0; i < 8; i++) frame[i] = stack_area[256 - 16 - 8 - 8 + i];
    printf("enter 8,%u: ebp=top-%x esp=top-%x words", level, TOP - ebp_after, TOP - esp_after);
    for (u32 i = 0; i < 8; i++) {
      u32 w = frame[i];
      if (w >= TOP - 1024 && w <= TOP) printf(" top-%x", TOP - w); else printf(" %x", w);
    }
    printf("\n");
  }

  /* RET imm16 pops the return address and then the arguments. */
  ON_STACK("pushl $1\n\tpushl $2\n\tpushl $3\n\tmovl %%esp, %%ecx\n\tcall retn_callee\n\tmovl %%esp, %%edx\n\tsubl %%ecx, %%edx\n\tmovl %%edx, %0\n\tmovl %%eax, %1",
           : "=m"(a), "=m"(b) : : "eax", "ecx", "edx", "memory");
  printf("ret 12: esp moved %x eax=%x\n", a, b);
  (void)retn_target;

  ON_STACK("pushl $-2\n\tpopl %%eax\n\tmovl %%eax, %0\n\tpushw $-3\n\tpopw %%ax\n\tmovl %%eax, %1",
           : "=m"(a), "=m"(b) : : "eax", "memory");
  printf("push imm8 -2 -> %08x, pushw -3 -> ax=%04x\n", a, b & 0xFFFF);

  /* PUSHF/POPF: the arithmetic flags and DF round-trip; bit 1 always reads 1 (IF is left
     out: a user-mode host run has it set). */
  ON_STACK("pushl $0x0CD5\n\tpopfl\n\tpushfl\n\tpopl %%eax\n\tpushl $0\n\tpopfl\n\tpushfl\n\tpopl %%ecx\n\tcld\n\tmovl %%eax, %0\n\tmovl %%ecx, %1",
           : "=m"(c), "=m"(d) : : "eax", "ecx", "memory", "cc");
  printf("popf 0cd5 -> %x, popf 0 -> %x\n", c & 0x0DD7, d & 0x0DD7);

  /* 16-bit PUSHF and POPF touch only the low half. */
  ON_STACK("pushl $0x0001\n\tpopfl\n\tpushw $0x08C4\n\tpopfw\n\tpushfl\n\tpopl %%eax\n\tmovl %%eax, %0",
           : "=m"(a) : : "eax", "memory", "cc");
  printf("popfw 08c4 -> %x\n", a & 0x0DD7);
  exit_guest(0);
}

static u32 retn_target(void) { return 0; }
