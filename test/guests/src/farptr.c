/* Far pointers: LDS/LES/LFS/LGS/LSS from memory (m16:32 and, with 0x66, m16:16), their
   #GP/#NP error codes for bad selectors (the destination keeps its old value), far JMP
   and CALL through memory, RETF and IRET at the same privilege, PUSH/POP of segment
   registers. */
#include "lib.h"

#define CASE(name, code, ...) do { trap_clear(); TRY(code, __VA_ARGS__); trap_print(name); } while (0)

struct far32 { u32 off; u16 sel; } __attribute__((packed));
struct far16 { u16 off; u16 sel; } __attribute__((packed));

static volatile u32 called_cs, iret_flags;
__asm__(".text\nfar_target:\n\tpushl %eax\n\tmovl %cs, %eax\n\tmovl %eax, called_cs\n\tpopl %eax\n\tlret\n"
        "jmp_target:\n\tmovl $0x4A4A, %eax\n\tjmp *jmp_back\n");
extern char far_target[], jmp_target[];
u32 jmp_back;

void kmain(void) {
  gdt_set(GDT_FREE, 0x200000, 0xFFFFF, 0x93, 0xC0);                 /* data, base 2 MiB */
  gdt_set(GDT_FREE + 1, 0, 0xFFFFF, 0x13, 0xC0);                    /* not present */
  *(volatile u32 *)0x200010 = 0xD00DF00D;
  static struct far32 p_ok = { 0x10, GDT_FREE << 3 };
  static struct far32 p_np = { 0x10, (GDT_FREE + 1) << 3 };
  static struct far32 p_null = { 0x10, 0 };
  static struct far32 p_code = { 0x10, KCODE };
  static struct far16 p16 = { 0x0010, GDT_FREE << 3 };
  u32 off = 0, v = 0;
  CASE("lfs", "lfsl %1, %0\n\tmovl %%fs:(%0), %%eax\n\tmovl %%eax, %2", "=&r"(off) : "m"(p_ok), "m"(v) : "eax", "memory");
  printf("  offset %x value via fs %08x\n", off, *(volatile u32 *)&v);
  u32 fs;
  __asm__ volatile("movl %%fs, %0" : "=r"(fs));
  printf("  fs=%x\n", fs);
  off = 0x1234;
  CASE("lgs not present", "lgsl %1, %0", "+r"(off) : "m"(p_np));
  printf("  destination kept %x\n", off);
  CASE("lgs null", "lgsl %1, %0", "+r"(off) : "m"(p_null));
  CASE("les code", "pushl %%es\n\tlesl %1, %0\n\tpopl %%es", "+r"(off) : "m"(p_code));
  CASE("lss null", "pushl %%ebp\n\tmovl %%esp, %%ebp\n\tlssl %1, %0\n\tmovl %%ebp, %%esp\n\tpopl %%ebp", "+r"(off) : "m"(p_null));
  CASE("lss ok", "movl %%ss, %%eax\n\tmovl %%esp, %%ecx\n\tlssl %1, %%edx\n\tmovl %%ss, %0\n\tmovw %%ax, %%ss\n\tmovl %%ecx, %%esp",
       "=r"(off) : "m"(p_ok) : "eax", "ecx", "edx");
  printf("  ss during lss was %x\n", off);
  CASE("lgs 16-bit", ".byte 0x66\n\tlgs %1, %%ax\n\tmovzwl %%ax, %0", "=r"(off) : "m"(p16) : "eax");
  u32 gs;
  __asm__ volatile("movl %%gs, %0" : "=r"(gs));
  printf("  offset %x gs=%x\n", off, gs);
  __asm__ volatile("movw %w0, %%fs\n\tmovw %w0, %%gs" :: "r"(KDATA));

  /* Far CALL and JMP through memory. */
  static struct far32 fcall, fjmp;
  fcall.off = (u32)far_target; fcall.sel = KCODE;
  fjmp.off = (u32)jmp_target; fjmp.sel = KCODE;
  u32 e0, e1, r;
  __asm__ volatile("movl %%esp, %0\n\tlcall *%2\n\tmovl %%esp, %1" : "=&r"(e0), "=&r"(e1) : "m"(fcall) : "eax", "memory");
  printf("far call through memory: cs=%x esp restored %x\n", called_cs, e0 - e1);
  __asm__ volatile("movl $1f, jmp_back\n\tljmp *%1\n1:" : "=a"(r) : "m"(fjmp) : "memory");
  printf("far jmp through memory: eax=%x\n", r);
  /* IRET at the same privilege: pops EIP, CS, EFLAGS only. */
  __asm__ volatile("movl %%esp, %0\n\tpushfl\n\tpushl $0x08\n\tpushl $1f\n\tpushl $0x8D7\n\tpopfl\n\tpushfl\n\tpopl %%eax\n\t"
                   "andl $0xFFFFF72A, 8(%%esp)\n\torl $0x0001, 8(%%esp)\n\tiretl\n1:\n\tpushfl\n\tpopl %2\n\tmovl %%esp, %1"
                   : "=&r"(e0), "=&r"(e1), "=&r"(iret_flags) :: "eax", "memory", "cc");
  printf("iret same privilege: esp restored %x flags %x\n", e0 - e1, iret_flags & 0x8D5);
  /* PUSH/POP segment registers (32-bit operand size: 4 bytes on the stack). */
  u32 popped;
  __asm__ volatile("movl %%esp, %0\n\tpushl %%fs\n\tmovl %%esp, %1\n\tpopl %%eax\n\tmovl %%eax, %2\n\tpushl %%eax\n\tpopl %%gs"
                   : "=&r"(e0), "=&r"(e1), "=&r"(popped) :: "eax", "memory");
  printf("push fs: esp moved %x, popped %x\n", e0 - e1, popped & 0xFFFF);
  /* A POP DS that faults leaves ESP where it was: the pushed word is still there. */
  u32 kept;
  trap_clear();
  __asm__ volatile("movl %%esp, %%ecx\n\tmovl $.Lpr%=, recover_eip\n\tmovl $.Lps%=, try_start\n\tpushl $0x1000\n"
                   ".Lps%=:\n\tpopl %%ds\n.Lpr%=:\n\tmovl $0, recover_eip\n\tmovl %%esp, %%edx\n\tsubl %%edx, %%ecx\n\t"
                   "addl %%ecx, %%esp\n\tmovl %%ecx, %0" : "=r"(kept) :: "ecx", "edx", "memory");
  __asm__ volatile("movw %w0, %%ds" :: "r"(KDATA));
  trap_print("pop ds bad");
  printf("  esp after the faulting pop: %u bytes below the start\n", kept);
  exit_guest(0);
}
