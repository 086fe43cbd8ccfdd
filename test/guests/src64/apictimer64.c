/* Local APIC timer interrupts in long mode: periodic ticks that wake HLT, one-shot expiry,
   a masked LVT entry, ISR/IRR/EOI as the handler sees them, and the task priority through
   CR8 (a pending interrupt of a lower priority class waits until CR8 drops). The counts are
   exact, never timing-dependent: a handler that reaches its count masks the timer itself. */
#include "lib.h"

#define APIC 0xFEE00000ul
#define SVR 0xF0
#define TPR 0x80
#define EOI 0xB0
#define ISR 0x100
#define IRR 0x200
#define LVT_TIMER 0x320
#define INIT_COUNT 0x380
#define CUR_COUNT 0x390
#define DIVIDE 0x3E0
#define MASKED (1u << 16)
#define PERIODIC (1u << 17)
#define V_PERIODIC 0x40
#define V_ONESHOT 0x51
#define V_LOW 0x32                       /* priority class 3 */

static void wr(u32 off, u32 v) { *(volatile u32 *)(APIC + off) = v; }
static u32 rd(u32 off) { return *(volatile u32 *)(APIC + off); }
static int in_reg(u32 base, u32 vec) { return (rd(base + 0x10 * (vec / 32)) >> (vec % 32)) & 1; }

static volatile u32 ticks, oneshots, lows, isr_in_handler, irr_in_handler, rip_in_hlt_loop;
extern char hlt_loop[], hlt_loop_end[];

static void on_periodic(frame_t *f) {
  ticks++;
  if (f->rip >= (u64)hlt_loop && f->rip <= (u64)hlt_loop_end) rip_in_hlt_loop++;
  if (ticks == 10) wr(LVT_TIMER, MASKED | PERIODIC | V_PERIODIC);
  wr(EOI, 0);
}

static void on_oneshot(frame_t *f) {
  (void)f;
  oneshots++;
  isr_in_handler = in_reg(ISR, V_ONESHOT);
  irr_in_handler = in_reg(IRR, V_ONESHOT);
  wr(EOI, 0);
}

static void on_low(frame_t *f) { (void)f; lows++; wr(EOI, 0); }

static void wait_ticks(u32 n) {
  while (ticks < n)
    __asm__ volatile("hlt_loop: sti\n\thlt\nhlt_loop_end: cli" ::: "memory");
}

static void read_cr8_into(u64 *v) { __asm__ volatile("mov %%cr8, %0" : "=r"(*v)); }
static void write_cr8(u64 v) { __asm__ volatile("mov %0, %%cr8" :: "r"(v) : "memory"); }

void kmain(void) {
  u32 a, b, c, d;
  cpuid(1, &a, &b, &c, &d);
  printf("cpuid apic=%u, apic base msr: enabled=%lu base=%lx\n", (d >> 9) & 1, (rdmsr(0x1B) >> 11) & 1, rdmsr(0x1B) & 0xFFFFF000ul);
  trap_hooks[V_PERIODIC] = on_periodic;
  trap_hooks[V_ONESHOT] = on_oneshot;
  trap_hooks[V_LOW] = on_low;
  wr(SVR, 0x1FF);
  wr(TPR, 0);
  printf("version register: max lvt=%u\n", (rd(0x30) >> 16) & 0xFF);

  /* Periodic: ten ticks, each one waking HLT. */
  wr(DIVIDE, 0x3);                       /* divide by 16 */
  wr(LVT_TIMER, PERIODIC | V_PERIODIC);
  wr(INIT_COUNT, 20000);
  printf("lvt timer=%x divide=%x initial=%u\n", rd(LVT_TIMER), rd(DIVIDE), rd(INIT_COUNT));
  wait_ticks(10);
  printf("periodic: %u ticks, %u of them interrupted the hlt loop, lvt now masked: %u\n", ticks, rip_in_hlt_loop, rd(LVT_TIMER) >> 16 & 1);
  wr(INIT_COUNT, 0);                     /* stops the timer */
  printf("initial count 0 stops it: current=%u\n", rd(CUR_COUNT));

  /* One-shot: counts down once, fires once, stays at zero. */
  wr(DIVIDE, 0xB);                       /* divide by 1 */
  wr(LVT_TIMER, V_ONESHOT);
  wr(INIT_COUNT, 50000);
  u32 cur = rd(CUR_COUNT);
  printf("one-shot armed: current <= initial: %u\n", cur <= 50000);
  while (!oneshots) __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
  printf("one-shot: fired %u, in the handler ISR=%u IRR=%u, after EOI ISR=%u, current=%u\n", oneshots, isr_in_handler, irr_in_handler,
         in_reg(ISR, V_ONESHOT), rd(CUR_COUNT));

  /* Masked: the count runs out and nothing is delivered or left pending. */
  wr(LVT_TIMER, MASKED | V_ONESHOT);
  wr(INIT_COUNT, 1000);
  while (rd(CUR_COUNT)) { }
  __asm__ volatile("sti\n\tnop\n\tnop\n\tcli" ::: "memory");
  printf("masked: fired %u in all, IRR=%u\n", oneshots, in_reg(IRR, V_ONESHOT));

  /* CR8 is TPR[7:4]: a class-3 interrupt waits while CR8 >= 3. */
  write_cr8(5);
  u64 cr8;
  read_cr8_into(&cr8);
  printf("cr8=%lu apic tpr=%02x\n", cr8, rd(TPR));
  wr(LVT_TIMER, V_LOW);
  wr(INIT_COUNT, 1000);
  while (rd(CUR_COUNT)) { }
  /* The count reaching zero and the interrupt reaching IRR are two events: QEMU's timer
     callback runs a little after its current-count register reads 0. Wait for IRR (bounded)
     so the line below does not depend on which side of that gap the read falls. */
  for (u32 spin = 0; spin < 1000000 && !in_reg(IRR, V_LOW); spin++) { }
  __asm__ volatile("sti\n\tnop\n\tnop\n\tcli" ::: "memory");
  printf("under cr8=5: delivered %u, pending in IRR %u\n", lows, in_reg(IRR, V_LOW));
  write_cr8(3);
  __asm__ volatile("sti\n\tnop\n\tnop\n\tcli" ::: "memory");
  printf("under cr8=3: delivered %u\n", lows);
  write_cr8(2);
  __asm__ volatile("sti\n\tnop\n\tnop\n\tcli" ::: "memory");
  read_cr8_into(&cr8);
  printf("under cr8=2: delivered %u, IRR %u, cr8=%lu tpr=%02x\n", lows, in_reg(IRR, V_LOW), cr8, rd(TPR));
  write_cr8(0);
  printf("done\n");
}
