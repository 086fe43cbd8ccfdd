/* paravirt: target=hvm (the bare-PC flavour: privileged instructions are VM exits, not errors) */
/* Periodic ticks from the local APIC timer on vector 0x20, as a 64-bit kernel takes them; the
   8259 pair is remapped out of the exception vectors and masked. The APIC's registers are
   memory at 0xFEE00000, mapped uncached by paging-x86_64.c. */
#include "../hvm/io.h"

#define APIC 0xFEE00000ul
#define APIC_SVR 0xF0
#define APIC_EOI 0xB0
#define APIC_LVT_TIMER 0x320
#define APIC_INITIAL_COUNT 0x380
#define APIC_DIVIDE 0x3E0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
/* The timer counts the bus clock divided by 16; QEMU's and ours run at 1 GHz. */
#define TIMER_HZ_AT_DIVIDE_16 62500000u

static void apic_write(u32 reg, u32 v) { *(volatile u32 *)(APIC + reg) = v; }

void timer_start(u32 hz) {
  outb(0x20, 0x11); outb(0xA0, 0x11);   /* ICW1 */
  outb(0x21, 0x20); outb(0xA1, 0x28);   /* ICW2: vectors 0x20 and 0x28 */
  outb(0x21, 0x04); outb(0xA1, 0x02);   /* ICW3 */
  outb(0x21, 0x01); outb(0xA1, 0x01);   /* ICW4 */
  outb(0x21, 0xFF); outb(0xA1, 0xFF);   /* all masked: the APIC delivers the timer */
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
