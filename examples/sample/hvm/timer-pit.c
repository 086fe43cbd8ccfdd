/* paravirt: target=hvm (the bare-PC flavour: privileged instructions are VM exits, not errors) */
/* Periodic ticks from the 8254 PIT channel 0 (mode 2) through the 8259 PIC on IRQ 0,
   remapped to vector 0x20. */
#include "io.h"

#define PIT_HZ 1193182u

void timer_start(u32 hz) {
  outb(0x20, 0x11); outb(0xA0, 0x11);   /* ICW1 */
  outb(0x21, 0x20); outb(0xA1, 0x28);   /* ICW2: vectors 0x20 and 0x28 */
  outb(0x21, 0x04); outb(0xA1, 0x02);   /* ICW3 */
  outb(0x21, 0x01); outb(0xA1, 0x01);   /* ICW4 */
  outb(0xA1, 0xFF);
  outb(0x21, 0xFE);                     /* only IRQ 0 */
  u32 divisor = PIT_HZ / hz;
  outb(0x43, 0x34);                     /* channel 0, lo/hi, mode 2 */
  outb(0x40, (u8)divisor);
  outb(0x40, (u8)(divisor >> 8));
}

void timer_stop(void) { outb(0x21, 0xFF); }

void timer_eoi(void) { outb(0x20, 0x20); }
