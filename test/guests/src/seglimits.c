/* Segment limit and access-type checks on data accesses: byte and page granular limits,
   expand-down segments with B=0 and B=1, writes to read-only and code segments, accesses
   through a null selector, SS-relative accesses beyond SS's limit. QEMU's TCG does not
   make these checks, so this guest's reference is seglimits.expected, written from the
   SDM (Vol. 3A 5.3 "Limit checking", 5.4 "Type checking", 6.15 #GP/#SS). */
#include "lib.h"

#define SEL(i) ((i) << 3)
enum { S_LIM = 8, S_ED32, S_ED16, S_RO, S_RX, S_STK, S_PAGE };

#define CASE(name, code, ...) do { trap_clear(); TRY(code, __VA_ARGS__); trap_print(name); } while (0)

static void load_fs(u16 sel) { __asm__ volatile("movw %w0, %%fs" :: "r"(sel)); }

static volatile u8 *const area = (volatile u8 *)0x200000;

void kmain(void) {
  gdt_set(S_LIM, 0x200000, 0xFFF, 0x93, 0x40);
  gdt_set(S_ED32, 0x200000, 0xFFF, 0x97, 0x40);
  gdt_set(S_ED16, 0x200000, 0xFFF, 0x97, 0x00);
  gdt_set(S_RO, 0x200000, 0xFFFF, 0x91, 0x40);
  gdt_set(S_RX, 0x200000, 0xFFFF, 0x9B, 0x40);
  gdt_set(S_STK, 0, 0x2FF, 0x93, 0xC0);
  gdt_set(S_PAGE, 0x200000, 0x1, 0x93, 0xC0);
  for (u32 i = 0; i < 0x3000; i++) area[i] = (u8)(i ^ (i >> 8));
  *(volatile u32 *)0x1FFFFC = 0x11223344;

  u32 v = 0;
  load_fs(SEL(S_LIM));
  CASE("lim read dword @ffc", "movl %%fs:0xFFC, %0", "=r"(v)); printf("  value %08x\n", v);
  CASE("lim read dword @ffd", "movl %%fs:0xFFD, %0", "=r"(v));
  CASE("lim read byte @fff", "movb %%fs:0xFFF, %b0", "=q"(v));
  CASE("lim read byte @1000", "movb %%fs:0x1000, %b0", "=q"(v));
  CASE("lim write word @ffe", "movw $0x1234, %%fs:0xFFE");
  CASE("lim write word @fff", "movw $0x5678, %%fs:0xFFF");
  printf("  area[ffe..1000] %02x %02x %02x\n", area[0xFFE], area[0xFFF], area[0x1000]);

  load_fs(SEL(S_ED32));
  CASE("ed32 read @fff", "movb %%fs:0xFFF, %b0", "=q"(v));
  CASE("ed32 read @1000", "movb %%fs:0x1000, %b0", "=q"(v)); printf("  value %02x\n", v & 0xFF);
  CASE("ed32 read dword @fffffffc", "movl %%fs:0xFFFFFFFC, %0", "=r"(v)); printf("  value %08x\n", v);
  CASE("ed32 read dword @fffffffd", "movl %%fs:0xFFFFFFFD, %0", "=r"(v));
  load_fs(SEL(S_ED16));
  CASE("ed16 read word @fffe", "movw %%fs:0xFFFE, %w0", "=r"(v));
  CASE("ed16 read word @ffff", "movw %%fs:0xFFFF, %w0", "=r"(v));
  CASE("ed16 read byte @10000", "movb %%fs:0x10000, %b0", "=q"(v));
  CASE("ed16 read byte @ffc", "movb %%fs:0xFFC, %b0", "=q"(v));

  load_fs(SEL(S_PAGE));
  CASE("page-granular read @1fff", "movb %%fs:0x1FFF, %b0", "=q"(v)); printf("  value %02x\n", v & 0xFF);
  CASE("page-granular read @2000", "movb %%fs:0x2000, %b0", "=q"(v));

  load_fs(SEL(S_RO));
  CASE("ro read", "movl %%fs:0x20, %0", "=r"(v)); printf("  value %08x\n", v);
  CASE("ro write", "movl $1, %%fs:0x20");
  load_fs(SEL(S_RX));
  CASE("read via code seg", "movl %%fs:0x40, %0", "=r"(v)); printf("  value %08x\n", v);
  CASE("write via code seg", "movl $1, %%fs:0x40");
  load_fs(0);
  CASE("read via null fs", "movl %%fs:0, %0", "=r"(v));
  CASE("write via null fs", "movl $1, %%fs:0");

  /* SS-relative accesses beyond a limited SS: #SS(0); the stack itself stays valid. */
  trap_clear();
  __asm__ volatile("pushl %%ebp\n\tmovw %w1, %%ss\n\tmovl $0x300000, %%ebp\n\t"
                   "movl $.Lss1, recover_eip\n\tmovl $.Lss0, try_start\n.Lss0:\n\tmovl (%%ebp), %0\n.Lss1:\n\t"
                   "movw %w2, %%ss\n\tpopl %%ebp" : "=r"(v) : "r"(SEL(S_STK)), "r"(KDATA) : "memory");
  trap_print("ss-relative read beyond limit");
  trap_clear();
  __asm__ volatile("pushl %%ebp\n\tmovw %w1, %%ss\n\tmovl $0x2FFFFC, %%ebp\n\t"
                   "movl $.Lss3, recover_eip\n\tmovl $.Lss2, try_start\n.Lss2:\n\tmovl (%%ebp), %0\n.Lss3:\n\t"
                   "movw %w2, %%ss\n\tpopl %%ebp" : "=r"(v) : "r"(SEL(S_STK)), "r"(KDATA) : "memory");
  trap_print("ss-relative read at limit");
  exit_guest(0);
}
