/* paravirt: target=pvh */
/* Periodic ticks from the local APIC timer on vector 0x20: the one interrupt controller a
   PVH domain has (no 8259 pair to remap or mask, unlike hvm64/). The APIC's registers are
   memory at 0xFEE00000, mapped uncached by hvm64/paging-x86_64.c. */
#include "../common/platform.h"

#define APIC 0xFEE00000ul
#define APIC_SVR 0xF0
#define APIC_EOI 0xB0
#define APIC_LVT_TIMER 0x320
#define APIC_INITIAL_COUNT 0x380
#define APIC_DIVIDE 0x3E0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
/* The timer counts the bus clock divided by 16; ours runs at 1 GHz. */
#define TIMER_HZ_AT_DIVIDE_16 62500000u

static void apic_write(u32 reg, u32 v) { *(volatile u32 *)(APIC + reg) = v; }

void timer_start(u32 hz) {
  apic_write(APIC_SVR, 0x1FF);          /* software-enabled, spurious vector 0xFF */
  apic_write(APIC_DIVIDE, 0x3);         /* divide by 16 */
  apic_write(APIC_LVT_TIMER, LVT_PERIODIC | 0x20);
  apic_write(APIC_INITIAL_COUNT, TIMER_HZ_AT_DIVIDE_16 / hz);
}

void timer_stop(void) {
  apic_write(APIC_LVT_TIMER, LVT_MASKED | 0x20);
  apic_write(APIC_INITIAL_COUNT, 0);
}

void timer_eoi(void) { apic_write(APIC_EOI, 0); }
