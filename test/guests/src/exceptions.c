/* Exceptions and their error codes, as the SDM lists them: #DE #DB(no) #BP #OF #BR #UD
   #NM #NP (absent IDT gate) #GP (IDT limit, privileged gate) with the faulting EIP
   (relative to the instruction: 0 for faults, its length for traps), and IF inside
   interrupt gates versus trap gates. */
#include "lib.h"

static volatile u32 zero = 0, seen_if;
static void if_hook(struct frame *f) { seen_if = read_eflags() & F_IF; (void)f; }

#define CASE(name, code, ...) do { trap_clear(); TRY(code, __VA_ARGS__); trap_print(name); } while (0)

void kmain(void) {
  u32 big = 0xFFFFFFFF;
  CASE("div0", "divl %0", : "r"(zero) : "eax", "edx");
  CASE("div overflow", "movl $2, %%edx\n\tmovl $0, %%eax\n\tdivl %0", : "r"(2u) : "eax", "edx");
  CASE("idiv min/-1", "movl $0xFFFFFFFF, %%edx\n\tmovl $0x80000000, %%eax\n\tidivl %0", : "r"(big) : "eax", "edx");
  CASE("div8 overflow", "movw $0x1000, %%ax\n\tdivb %b0", : "q"(0x10u) : "eax");
  CASE("aam 0", ".byte 0xD4, 0x00", : : "eax");
  CASE("div ok", "movl $0, %%edx\n\tmovl $100, %%eax\n\tdivl %0", : "r"(7u) : "eax", "edx");
  CASE("ud2", "ud2");
  CASE("lock nop", ".byte 0xF0, 0x90");
  CASE("0f ff", ".byte 0x0F, 0xFF");
  CASE("lock add reg", ".byte 0xF0, 0x01, 0xC0");
  CASE("int3", "int3");
  CASE("int $3", ".byte 0xCD, 0x03");
  CASE("into OF=1", "movb $0x7F, %%al\n\taddb $1, %%al\n\t.Linto%=: into", : : "eax");
  CASE("into OF=0", "xorl %%eax, %%eax\n\tinto", : : "eax");
  static s32 bounds[2] = { 10, 20 };
  CASE("bound in", "movl $15, %%eax\n\tboundl %%eax, %0", : "m"(bounds) : "eax");
  CASE("bound below", "movl $9, %%eax\n\tboundl %%eax, %0", : "m"(bounds) : "eax");
  CASE("bound above", "movl $21, %%eax\n\tboundl %%eax, %0", : "m"(bounds) : "eax");
  static s16 b16[2] = { -5, 5 };
  CASE("bound16 below", "movw $-6, %%ax\n\tboundw %%ax, %0", : "m"(b16) : "eax");
  CASE("int 0x40", "int $0x40");
  /* An absent gate: #NP with the IDT bit (2) set, EXT clear for INT n. */
  idt[0x90] &= ~(1ull << 47);
  CASE("int 0x90 absent", "int $0x90");
  /* A DPL 0 gate used by INT n at CPL 0 is fine; lower the IDT limit so 0xF0 is outside. */
  struct { u16 limit; u32 base; } __attribute__((packed)) idtr = { 0xF0 * 8 - 1, (u32)idt };
  __asm__ volatile("lidt %0" :: "m"(idtr));
  CASE("int 0xF0 beyond limit", "int $0xF0");
  CASE("int 0xEF in limit", "int $0xEF");
  idtr.limit = sizeof(idt) - 1;
  __asm__ volatile("lidt %0" :: "m"(idtr));
  /* #NM: CR0.TS set, then an x87 instruction; WAIT with TS alone does not fault (MP=0). */
  write_cr0(read_cr0() | 8);
  CASE("fnop with TS", "fnop");
  CASE("wait with TS MP=0", "wait");
  write_cr0(read_cr0() | 2);
  CASE("wait with TS MP=1", "wait");
  __asm__ volatile("clts");
  write_cr0(read_cr0() & ~2u);
  CASE("fnop after clts", "fnop");
  write_cr0(read_cr0() | 4);
  CASE("fnop with EM", "fnop");
  write_cr0(read_cr0() & ~4u);
  /* #GP(0) from privileged state changes at CPL 0. */
  /* IF on entry: an interrupt gate clears it, a trap gate keeps it. */
  trap_hooks[0x41] = if_hook;
  idt_set_default(0x41, 0x8E);
  __asm__ volatile("sti\n\tint $0x41\n\tcli");
  printf("interrupt gate IF=%x\n", seen_if);
  idt_set_default(0x41, 0x8F);
  __asm__ volatile("sti\n\tint $0x41\n\tcli");
  printf("trap gate IF=%x\n", seen_if);
  printf("IF after iret=%x\n", read_eflags() & F_IF);
  exit_guest(0);
}
