/* paravirt: target=hvm (the bare-PC flavour: privileged instructions are VM exits, not errors) */
/* The IDT: trap gates for exceptions, an interrupt gate for the timer, and the C
   dispatcher that hands events to the portable kernel. */
#include "io.h"

struct trap_frame {
  u32 edi, esi, ebp, esp, ebx, edx, ecx, eax;
  u32 vector, error_code;
  u32 eip, cs, eflags;
};

extern u32 trap_stubs[33];
static u64 idt[256] __attribute__((aligned(8)));

static void set_gate(int vec, u32 handler, u8 type) {
  idt[vec] = (u64)((handler & 0xFFFF) | (0x08u << 16)) |
             ((u64)((handler & 0xFFFF0000u) | ((u32)type << 8)) << 32);
}

void interrupts_init(void) {
  for (int v = 0; v < 32; v++) set_gate(v, trap_stubs[v], 0x8F);  /* trap gates */
  set_gate(0x20, trap_stubs[32], 0x8E);                           /* interrupt gate */
  struct { u16 limit; u32 base; } __attribute__((packed)) idtr = { sizeof(idt) - 1, (u32)idt };
  __asm__ volatile("lidt %0" :: "m"(idtr));
}

void interrupts_enable(void) { __asm__ volatile("sti"); }
void interrupts_disable(void) { __asm__ volatile("cli"); }
void cpu_idle(void) { __asm__ volatile("sti; hlt"); }

void timer_eoi(void);

void trap_dispatch(struct trap_frame *f) {
  if (f->vector == 0x20) { on_timer_tick(); timer_eoi(); return; }
  if (f->vector == 14) {
    u32 cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    if (on_page_fault(cr2, f->error_code)) return;
  }
  on_fatal_trap(f->vector, f->error_code, f->eip);
}
