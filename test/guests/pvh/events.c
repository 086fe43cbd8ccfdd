/* Event channels delivered to a PVH vCPU as interrupts, three ways: the domain's callback
   vector (HVM_PARAM_CALLBACK_IRQ, type vector: injected directly, no local APIC ISR bit, no
   EOI), the vCPU's own upcall vector (HVMOP_set_evtchn_upcall_vector: through the local APIC,
   which the handler EOIs; it wins over the callback vector), and SCHEDOP_block with interrupts
   off (the event wakes the vCPU, upcall_pending says why). The events come from the console
   backend: the test feeds host input into the console ring, which notifies port 2. Also the
   pvclock Xen writes into vcpu_info once shared_info is placed. */
#include "xen.h"
#include "boot64.h"

static u8 shinfo[4096] __attribute__((aligned(4096)));
#define VI_PENDING (*(volatile u8 *)&shinfo[0])
#define VI_MASK (*(volatile u8 *)&shinfo[1])
#define VI_SEL (*(volatile u64 *)&shinfo[8])
#define EVTCHN_PENDING ((volatile u64 *)&shinfo[2048])
#define EVTCHN_MASK ((volatile u64 *)&shinfo[2560])
#define APIC(off) (*(volatile u32 *)(0xfee00000ul + (off)))

struct ring { char in[1024]; char out[2048]; u32 in_cons, in_prod, out_cons, out_prod; };
static volatile struct ring *cons;
static u32 console_port;
static volatile int got;
static char text[16];

static int isr_bit(u32 v) { return (APIC(0x100 + 0x10 * (v / 32)) >> (v % 32)) & 1; }

/* What every upcall handler does: take port events from the 2-level bitmaps, read the input. */
static void drain(void) {
  VI_PENDING = 0;
  u64 sel = __atomic_exchange_n(&VI_SEL, 0, __ATOMIC_SEQ_CST);
  if (sel & 1) {
    u64 p = EVTCHN_PENDING[0] & ~EVTCHN_MASK[0];
    EVTCHN_PENDING[0] &= ~p;
    if (p & (1ul << console_port)) {
      int n = 0;
      while (cons->in_cons != cons->in_prod && n < (int)sizeof text - 1) text[n++] = cons->in[cons->in_cons++ & 1023];
      text[n] = 0;
    }
  }
}

static void on_callback(struct boot64_frame *f) {
  printf("callback vector %lx isr=%u pending=%u\n", f->vector, isr_bit((u32)f->vector), VI_PENDING);
  drain();
  got++;
}

static void on_upcall(struct boot64_frame *f) {
  printf("upcall vector %lx isr=%u pending=%u\n", f->vector, isr_bit((u32)f->vector), VI_PENDING);
  drain();
  APIC(0xb0) = 0;                                  /* EOI */
  printf("after eoi isr=%u\n", isr_bit((u32)f->vector));
  got++;
}

static void wait_for(int n, const char *what) {
  printf("waiting %s\n", what);
  while (got < n) __asm__ volatile("sti; hlt; cli");
  printf("input %s=%s", what, text);
}

void pvh_main(u32 magic, u64 info) {
  (void)magic; (void)info;
  wrmsr(0x40000000, (u64)hypercall_page);
  u64 v;
  get_param(HVM_PARAM_CONSOLE_PFN, &v); cons = (volatile struct ring *)(v << 12);
  get_param(HVM_PARAM_CONSOLE_EVTCHN, &v); console_port = (u32)v;
  struct xen_add_to_physmap x = { DOMID_SELF, 0, 0, 0, (u64)shinfo >> 12 };
  long arc = HCALL(HC_memory_op, XENMEM_add_to_physmap, &x, 0);
  printf("add_to_physmap rc=%ld mask=%u\n", arc, VI_MASK);
  u32 ver = *(volatile u32 *)&shinfo[32], mul = *(volatile u32 *)&shinfo[32 + 24];
  s64 shift = *(volatile signed char *)&shinfo[32 + 28];
  u64 sys = *(volatile u64 *)&shinfo[32 + 16];
  printf("pvclock version=%u mul=%x shift=%ld flags=%u system_time_nonzero=%u\n", ver, mul, shift, shinfo[32 + 29], sys != 0);

  APIC(0xf0) = 0x1ff;                              /* the local APIC enabled (SVR) */
  irq_hook = 0;
  /* A: the domain's callback vector. */
  set_param(HVM_PARAM_CALLBACK_IRQ, (2ul << 56) | 0xf2);
  irq_hook = on_callback;
  wait_for(1, "A");
  /* B: the vCPU's upcall vector, through the local APIC. */
  struct xen_hvm_evtchn_upcall_vector u = { 0, 0xf3 };
  printf("set upcall vector rc=%ld\n", HCALL(HC_hvm_op, HVMOP_set_evtchn_upcall_vector, &u, 0));
  irq_hook = on_upcall;
  wait_for(2, "B");
  /* C: blocked in the hypervisor with interrupts off; the event wakes the vCPU. */
  VI_MASK = 1;
  print("blocking C\n");
  long rc = HCALL(HC_sched_op, 1, 0, 0);
  printf("woke rc=%ld pending=%u mask=%u\n", rc, VI_PENDING, VI_MASK);
  drain();
  printf("input C=%s", text);
  poweroff();
}
