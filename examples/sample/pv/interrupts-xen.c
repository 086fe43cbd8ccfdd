/* The virtual IDT (set_trap_table) and the event callback: the PV counterparts of the
   HVM flavour's IDT, PIC and sti/cli/hlt. Masking events is a store to vcpu_info. */
#include "xen.h"

struct xen_frame {              /* what entry.asm pushes below Xen's frame */
  u32 edi, esi, ebp, esp, ebx, edx, ecx, eax;
  u32 vector, error_code;
  u32 eip, cs, eflags;
};

extern u32 trap_stubs[32];
extern void event_entry(void);
extern void failsafe_entry(void);
static struct trap_info traps[33];
u32 timer_port;

void interrupts_init(void) {
  for (int v = 0; v < 32; v++) {
    traps[v].vector = (u8)v;
    traps[v].flags = (v == 3 || v == 4) ? 3 : 0;
    traps[v].cs = FLAT_KERNEL_CS;
    traps[v].address = trap_stubs[v];
  }
  traps[32].address = 0;
  HYPERVISOR_set_trap_table(traps);
  HYPERVISOR_set_callbacks(FLAT_KERNEL_CS, (unsigned long)event_entry, FLAT_KERNEL_CS, (unsigned long)failsafe_entry);
}

void interrupts_enable(void) { pv_irq_enable(); }
void interrupts_disable(void) { pv_irq_disable(); }
void cpu_idle(void) { pv_halt(); }

/* Event upcall: take the pending ports (Xen's two-level scan) and dispatch them. */
void event_dispatch(void) {
  volatile struct vcpu_info *vi = pv_vcpu_info;
  vi->evtchn_upcall_pending = 0;
  unsigned long sel = __atomic_exchange_n(&((struct vcpu_info *)vi)->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
  while (sel) {
    u32 w = (u32)__builtin_ctzl(sel);
    sel &= sel - 1;
    unsigned long bits = xen_shared->evtchn_pending[w] & ~xen_shared->evtchn_mask[w];
    __atomic_and_fetch(&xen_shared->evtchn_pending[w], ~bits, __ATOMIC_SEQ_CST);
    while (bits) {
      u32 port = w * 32 + (u32)__builtin_ctzl(bits);
      bits &= bits - 1;
      if (port == timer_port) on_timer_tick();
    }
  }
}

void trap_dispatch(struct xen_frame *f) {
  if (f->vector == 14 && on_page_fault(pv_read_cr2(), f->error_code)) return;
  on_fatal_trap(f->vector, f->error_code, f->eip);
}
