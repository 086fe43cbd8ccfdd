/* Segmentation as QEMU's TCG models it: segment bases (wrap-around too), selector loads
   with their #GP, #NP and #SS error codes, accessed bits, LAR/LSL/VERR/VERW. Limit and
   access-type checks on data accesses, which TCG skips, are in seglimits.c. */
#include "lib.h"

#define SEL(i) ((i) << 3)
enum { S_LIM = 8, S_ED32, S_ED16, S_RO, S_XO, S_RX, S_NP, S_DPL3, S_STK, S_PAGE, S_SYS, S_CONF, S_WRAP };

#define CASE(name, code, ...) do { trap_clear(); TRY(code, __VA_ARGS__); trap_print(name); } while (0)

static void load_fs(u16 sel) { __asm__ volatile("movw %w0, %%fs" :: "r"(sel)); }

static volatile u8 *const area = (volatile u8 *)0x200000;

void kmain(void) {
  gdt_set(S_LIM, 0x200000, 0xFFF, 0x92, 0x40);
  gdt_set(S_ED32, 0x200000, 0xFFF, 0x96, 0x40);
  gdt_set(S_ED16, 0x200000, 0xFFF, 0x96, 0x00);
  gdt_set(S_RO, 0x200000, 0xFFFF, 0x90, 0x40);
  gdt_set(S_XO, 0, 0xFFFFF, 0x98, 0xC0);
  gdt_set(S_RX, 0x200000, 0xFFFF, 0x9A, 0x40);
  gdt_set(S_NP, 0, 0xFFFFF, 0x12, 0xC0);
  gdt_set(S_DPL3, 0x200000, 0xFFFF, 0xF2, 0x40);
  gdt_set(S_STK, 0, 0x2FF, 0x92, 0xC0);
  gdt_set(S_PAGE, 0x200000, 0x1, 0x92, 0xC0);
  gdt_set(S_SYS, 0x1000, 0xFF, 0x82, 0x00);
  gdt_set(S_CONF, 0, 0xFFFFF, 0x9E, 0xC0);
  gdt_set(S_WRAP, 0xFFF00000, 0xFFFFF, 0x92, 0xC0);
  for (u32 i = 0; i < 0x3000; i++) area[i] = (u8)(i ^ (i >> 8));

  u32 v = 0;



  load_fs(SEL(S_WRAP));
  CASE("wrapping base write", "movl $0xA5A55A5A, %%fs:0x300010");
  printf("  area[10] %02x %02x %02x %02x\n", area[0x10], area[0x11], area[0x12], area[0x13]);

  load_fs(SEL(S_RO));
  CASE("ro read", "movl %%fs:0x20, %0", "=r"(v)); printf("  value %08x\n", v);

  CASE("load fs exec-only code", "movw %w0, %%fs", : "r"(SEL(S_XO)));
  CASE("load fs readable code", "movw %w0, %%fs", : "r"(SEL(S_RX)));
  CASE("read via code seg", "movl %%fs:0x40, %0", "=r"(v)); printf("  value %08x\n", v);
  CASE("load fs conforming code", "movw %w0, %%fs", : "r"(SEL(S_CONF)));
  CASE("load fs not present", "movw %w0, %%fs", : "r"(SEL(S_NP)));
  CASE("load fs dpl3", "movw %w0, %%fs", : "r"(SEL(S_DPL3) | 3));
  CASE("load fs null", "movw %w0, %%fs", : "r"(0));
  CASE("load fs null rpl3", "movw %w0, %%fs", : "r"(3));
  CASE("load fs beyond gdt", "movw %w0, %%fs", : "r"(0x1000));
  __asm__ volatile("lldt %w0" :: "r"(0));
  CASE("load fs ldt sel, no ldt", "movw %w0, %%fs", : "r"(0x0C));
  CASE("load fs system seg", "movw %w0, %%fs", : "r"(SEL(S_SYS)));
  CASE("load ss null", "movw %w0, %%ss", : "r"(0));
  CASE("load ss read-only", "movw %w0, %%ss", : "r"(SEL(S_RO)));
  CASE("load ss code", "movw %w0, %%ss", : "r"(SEL(S_RX)));
  CASE("load ss not present", "movw %w0, %%ss", : "r"(SEL(S_NP)));
  CASE("load ss rpl3", "movw %w0, %%ss", : "r"(KDATA | 3));
  CASE("load ss dpl3", "movw %w0, %%ss", : "r"(SEL(S_DPL3) | 3));
  CASE("load cs via mov", ".byte 0x8E, 0xC8", : "a"(KCODE));
  CASE("far jmp to data seg", "ljmp $0x10, $0");

  __asm__ volatile("movw %w0, %%fs" :: "r"(KDATA));
  static const u16 sels[] = { 0, KCODE, KDATA, UCODE, UDATA, TSS_SEL, CODE16, SEL(S_LIM), SEL(S_ED16), SEL(S_RO),
                              SEL(S_XO), SEL(S_NP), SEL(S_DPL3) | 3, SEL(S_PAGE), SEL(S_SYS), SEL(S_CONF), 0x1000 };
  for (u32 i = 0; i < sizeof(sels) / 2; i++) {
    u32 ar = 0xEEEEEEEE, lim = 0xEEEEEEEE, f1, f2, f3, f4;
    __asm__ volatile("larl %w2, %0\n\tpushfl\n\tpopl %1" : "+r"(ar), "=r"(f1) : "r"(sels[i]) : "cc");
    __asm__ volatile("lsll %w2, %0\n\tpushfl\n\tpopl %1" : "+r"(lim), "=r"(f2) : "r"(sels[i]) : "cc");
    __asm__ volatile("verr %w1\n\tpushfl\n\tpopl %0" : "=r"(f3) : "r"(sels[i]) : "cc");
    __asm__ volatile("verw %w1\n\tpushfl\n\tpopl %0" : "=r"(f4) : "r"(sels[i]) : "cc");
    printf("sel %04x: lar %x %08x lsl %x %08x verr %x verw %x\n", sels[i], !!(f1 & F_ZF), (f1 & F_ZF) ? ar & 0x00FFFF00 : 0,
           !!(f2 & F_ZF), (f2 & F_ZF) ? lim : 0, !!(f3 & F_ZF), !!(f4 & F_ZF));
  }
  exit_guest(0);
}
