/* A kernel that takes a breakpoint trap (int3) inside a C function. The handler stub is
   assembly with CFI describing the trap frame (.cfi_signal_frame), so a debugger stopped in
   the C handler can unwind through the trap into the interrupted function. */
typedef unsigned int u32;

#define MB_MAGIC 0x1BADB002
__attribute__((section(".multiboot"), used, aligned(4)))
static const u32 multiboot_header[3] = { MB_MAGIC, 0, (u32)-MB_MAGIC };

static inline void outb(unsigned short port, unsigned char v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static void put(char c) { outb(0x3f8, (unsigned char)c); }
static void put_hex(const char *k, u32 v) {
  while (*k) put(*k++);
  put('=');
  for (int i = 28; i >= 0; i -= 4) put("0123456789abcdef"[(v >> i) & 15]);
  put('\n');
}

struct gate { unsigned short off_lo, sel; unsigned char zero, type; unsigned short off_hi; } __attribute__((packed));
struct trap_frame { u32 eip, cs, eflags; };
static struct gate idt[4];
/* Our own flat GDT: the loader's segment caches are flat, but its GDT is not ours to rely on. */
static const unsigned long long gdt[3] = { 0, 0x00CF9A000000FFFFULL, 0x00CF92000000FFFFULL };
static struct { unsigned short limit; u32 base; } __attribute__((packed)) gdtr;
static struct { unsigned short limit; u32 base; } __attribute__((packed)) idtr;
void isr3(void);

/* The stub: CFA is the interrupted ESP (three words above ESP at entry); EIP and EFLAGS were
   pushed by the CPU at CFA-12 and CFA-4. */
__asm__(
  ".text\n"
  ".globl isr3\n"
  ".type isr3, @function\n"
  "isr3:\n"
  "  .cfi_startproc simple\n"
  "  .cfi_signal_frame\n"
  "  .cfi_def_cfa 4, 12\n"
  "  .cfi_offset 8, -12\n"
  "  .cfi_offset 9, -4\n"
  "  push %ebp\n"
  "  .cfi_adjust_cfa_offset 4\n"
  "  .cfi_offset 5, -16\n"
  "  mov %esp, %ebp\n"
  "  .cfi_def_cfa_register 5\n"
  "  push %eax\n"
  "  push %ecx\n"
  "  push %edx\n"
  "  lea 4(%ebp), %eax\n"
  "  push %eax\n"
  "  call trap_handler\n"
  "  add $4, %esp\n"
  "  pop %edx\n"
  "  pop %ecx\n"
  "  pop %eax\n"
  "  pop %ebp\n"
  "  .cfi_def_cfa 4, 12\n"
  "  iret\n"
  "  .cfi_endproc\n"
  ".size isr3, .-isr3\n");

__attribute__((noinline)) void trap_handler(struct trap_frame *f) {
  put_hex("trap_eip", f->eip);
}

__attribute__((noinline)) int fault_here(int x) {
  volatile int local = x * 3;
  __asm__ volatile("int3\n.globl after_int3\nafter_int3:" : : : "memory");
  return local + 1;
}

void kmain(void) {
  unsigned short cs = 0x08;
  gdtr.limit = sizeof gdt - 1;
  gdtr.base = (u32)gdt;
  __asm__ volatile("lgdt %0\n\tljmp $0x08, $1f\n1:\n\tmov $0x10, %%ax\n\tmov %%ax, %%ds\n\tmov %%ax, %%es\n\tmov %%ax, %%ss"
                   : : "m"(gdtr) : "eax", "memory");
  u32 a = (u32)isr3;
  idt[3] = (struct gate){ (unsigned short)a, cs, 0, 0x8E, (unsigned short)(a >> 16) };
  idtr.limit = sizeof idt - 1;
  idtr.base = (u32)idt;
  __asm__ volatile("lidt %0" : : "m"(idtr));
  int r = fault_here(14);
  put_hex("result", (u32)r);
  for (;;) __asm__ volatile("cli; hlt");
}

__attribute__((naked, noreturn)) void _start(void) {
  __asm__ volatile("mov $0x90000, %esp\n\tcall kmain\n1:\thlt\n\tjmp 1b");
}
