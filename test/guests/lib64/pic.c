/* 8259 pair remapped to 0x20/0x28 and fully masked: SeaBIOS under QEMU and our machine
   leave it in different states, and the 64-bit tests take interrupts from the local APIC. */
#include "lib.h"

void pic_init(void) {
  outb(0x20, 0x11); outb(0xA0, 0x11);   /* ICW1: edge, cascade, ICW4 */
  outb(0x21, 0x20); outb(0xA1, 0x28);   /* ICW2: vector bases */
  outb(0x21, 0x04); outb(0xA1, 0x02);   /* ICW3: slave on IRQ2 */
  outb(0x21, 0x01); outb(0xA1, 0x01);   /* ICW4: 8086 mode */
  outb(0x21, 0xFF); outb(0xA1, 0xFF);
}
