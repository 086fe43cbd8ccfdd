/* paravirt: target=hvm (the bare-PC flavour: privileged instructions are VM exits, not errors) */
/* The 64-bit IDT guest/boot64.inc installed (every vector to one stub table and
   trap_dispatch), made the kernel's own: exceptions become trap gates as in the 32-bit
   flavour, the timer (vector 0x20) stays an interrupt gate; and the C dispatcher that hands
   events to the portable kernel. */
#include "../hvm/io.h"
#include "boot64.h"

void interrupts_init(void) {
  for (int v = 0; v < 32; v++) boot64_idt[v].type_attr = 0x8F;   /* trap gates */
  boot64_idt[0x20].type_attr = 0x8E;                            /* interrupt gate */
}

void interrupts_enable(void) { __asm__ volatile("sti"); }
void interrupts_disable(void) { __asm__ volatile("cli"); }
void cpu_idle(void) { __asm__ volatile("sti; hlt"); }

void timer_eoi(void);

void trap_dispatch(struct boot64_frame *f) {
  if (f->vector == 0x20) { on_timer_tick(); timer_eoi(); return; }
  if (f->vector == 14) {
    uptr cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    if (on_page_fault(cr2, (u32)f->error_code)) return;
  }
  on_fatal_trap((u32)f->vector, (u32)f->error_code, f->rip);
}
