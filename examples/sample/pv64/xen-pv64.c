/* paravirt: target=pv64 */
/* The 64-bit PV flavour's platform: what pv/ does for a 32-bit PV kernel, in the x86_64 ABI.
   A 64-bit PV kernel runs in ring 3; hypercalls go through the page's SYSCALL stubs with the
   arguments in RDI, RSI, RDX, R10, R8, and paravirt.h's wrappers take the x86_64 arguments
   (update_va_mapping the whole PTE in one). */
#include "../pv/xen.h"

volatile struct vcpu_info *pv_vcpu_info;
struct shared_info *xen_shared;
static char shared_page[4096] __attribute__((aligned(4096)));
/* Event channels a word of evtchn_pending holds: 64 here. */
#define BITS (sizeof(unsigned long) * 8)

/* ---- console: console_io, and shared_info mapped first ---- */
void console_init(void) {
  xen_shared = (struct shared_info *)shared_page;
  HYPERVISOR_update_va_mapping((unsigned long)shared_page, xen_start_info->shared_info | 0x67, UVMF_INVLPG);
  pv_vcpu_info = &xen_shared->vcpu_info[0];
}

void console_write(const char *s, u32 len) {
  HYPERVISOR_console_io(CONSOLEIO_write, len, s);
}

/* ---- interrupts: the virtual IDT, and the event and failsafe callbacks by callback_op ---- */
struct xen_frame {              /* what entry.asm pushes below Xen's frame */
  u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  u64 vector, error_code;
  u64 rip, cs, rflags, rsp, ss;
};

extern u64 trap_stubs[32];
extern void event_entry(void);
extern void failsafe_entry(void);
static struct trap_info traps[33];
static u32 timer_port;

void interrupts_init(void) {
  for (int v = 0; v < 32; v++) {
    traps[v].vector = (u8)v;
    traps[v].flags = (v == 3 || v == 4) ? 3 : 0;
    traps[v].cs = FLAT_KERNEL_CS;
    traps[v].address = trap_stubs[v];
  }
  traps[32].address = 0;
  HYPERVISOR_set_trap_table(traps);
  struct callback_register event = { CALLBACKTYPE_event, 0, (unsigned long)event_entry };
  struct callback_register failsafe = { CALLBACKTYPE_failsafe, 0, (unsigned long)failsafe_entry };
  HYPERVISOR_callback_op(CALLBACKOP_register, &event);
  HYPERVISOR_callback_op(CALLBACKOP_register, &failsafe);
}

void interrupts_enable(void) { pv_irq_enable(); }
void interrupts_disable(void) { pv_irq_disable(); }
void cpu_idle(void) { pv_halt(); }

/* Event upcall: take the pending ports (Xen's two-level scan, 64 ports a word) and dispatch them. */
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
      u32 port = w * BITS + (u32)__builtin_ctzl(bits);
      bits &= bits - 1;
      if (port == timer_port) on_timer_tick();
    }
  }
}

void trap_dispatch(struct xen_frame *f) {
  if (f->vector == 14 && on_page_fault(pv_read_cr2(), (u32)f->error_code)) return;
  on_fatal_trap((u32)f->vector, (u32)f->error_code, f->rip);
}

/* ---- timer: VIRQ_TIMER on an event channel and a periodic vCPU timer ---- */
void timer_start(u32 hz) {
  struct evtchn_bind_virq bind = { VIRQ_TIMER, 0, 0 };
  HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bind);
  timer_port = bind.port;
  xen_shared->evtchn_mask[timer_port / BITS] &= ~(1UL << (timer_port % BITS));
  u64 period_ns = 1000000000ull / hz;
  HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &period_ns);
}

void timer_stop(void) {
  HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
}
