/* Our own GDT, IDT and TSS: the loader's are unspecified, and tests need known selectors. */
#include "lib.h"

u64 gdt[GDT_ENTRIES] __attribute__((aligned(8)));
u64 idt[256] __attribute__((aligned(8)));
struct tss tss __attribute__((aligned(128)));
u32 multiboot_magic;
static u8 tss_stack[8192] __attribute__((aligned(16)));
u8 user_stack[8192] __attribute__((aligned(16)));

void gdt_set(int idx, u32 base, u32 limit, u8 access, u8 flags) {
  u32 lo = (limit & 0xFFFF) | ((base & 0xFFFF) << 16);
  u32 hi = ((base >> 16) & 0xFF) | ((u32)access << 8) | (limit & 0xF0000) | ((u32)(flags & 0xF0) << 16) | (base & 0xFF000000);
  gdt[idx] = ((u64)hi << 32) | lo;
}

void gdt_set_gate(int idx, u16 sel, u32 offset, u8 access, u8 params) {
  u32 lo = (offset & 0xFFFF) | ((u32)sel << 16);
  u32 hi = (offset & 0xFFFF0000) | ((u32)access << 8) | (params & 0x1F);
  gdt[idx] = ((u64)hi << 32) | lo;
}

void idt_set(int vec, u16 sel, u32 offset, u8 type_attr) {
  u32 lo = (offset & 0xFFFF) | ((u32)sel << 16);
  u32 hi = (offset & 0xFFFF0000) | ((u32)type_attr << 8);
  idt[vec] = ((u64)hi << 32) | lo;
}

void idt_set_default(int vec, u8 type_attr) { idt_set(vec, KCODE, isr_stubs[vec], type_attr); }

extern void user_return_stub(void);

void lib_init(u32 magic, u32 mbinfo) {
  (void)mbinfo;
  multiboot_magic = magic;
  serial_init();
  pic_init();
  gdt[0] = 0;
  gdt_set(1, 0, 0xFFFFF, 0x9B, 0xC0);   /* accessed bits preset: QEMU does not set them on CS loads */
  gdt_set(2, 0, 0xFFFFF, 0x93, 0xC0);
  gdt_set(3, 0, 0xFFFFF, 0xFB, 0xC0);
  gdt_set(4, 0, 0xFFFFF, 0xF3, 0xC0);
  gdt_set(5, (u32)&tss, sizeof(tss) - 1, 0x89, 0x00);
  gdt_set(6, 0, 0xFFFF, 0x9B, 0x00);
  gdt_set(7, 0, 0xFFFF, 0x93, 0x00);
  struct { u16 limit; u32 base; } __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (u32)gdt };
  __asm__ volatile(
    "lgdt %0\n\t"
    "ljmp $0x08, $1f\n"
    "1:\tmov $0x10, %%ax\n\t"
    "mov %%ax, %%ds\n\tmov %%ax, %%es\n\tmov %%ax, %%fs\n\tmov %%ax, %%gs\n\tmov %%ax, %%ss"
    :: "m"(gdtr) : "eax", "memory");
  for (int v = 0; v < 256; v++) idt_set_default(v, 0x8E);
  idt_set_default(0x80, 0xEE);
  idt_set(0x81, KCODE, (u32)user_return_stub, 0xEE);
  struct { u16 limit; u32 base; } __attribute__((packed)) idtr = { sizeof(idt) - 1, (u32)idt };
  __asm__ volatile("lidt %0" :: "m"(idtr));
  memset(&tss, 0, sizeof(tss));
  tss.esp0 = (u32)(tss_stack + sizeof(tss_stack));
  tss.ss0 = KDATA;
  tss.iomap = sizeof(tss);   /* no I/O bitmap: every port faults above IOPL */
  __asm__ volatile("ltr %w0" :: "r"(TSS_SEL));
}
