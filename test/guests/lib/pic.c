/* 8259 pair: remapped to 0x20/0x28 and fully masked at start, because the firmware
   (SeaBIOS under QEMU, none under our machine) leaves it in different states. */
#include "lib.h"

void pic_init(void) {
  outb(0x20, 0x11); outb(0xA0, 0x11);   /* ICW1: edge, cascade, ICW4 */
  outb(0x21, 0x20); outb(0xA1, 0x28);   /* ICW2: vector bases */
  outb(0x21, 0x04); outb(0xA1, 0x02);   /* ICW3: slave on IRQ2 */
  outb(0x21, 0x01); outb(0xA1, 0x01);   /* ICW4: 8086 mode, normal EOI */
  outb(0x21, 0xFF); outb(0xA1, 0xFF);
}

void pic_eoi(int irq) {
  if (irq >= 8) outb(0xA0, 0x20);
  outb(0x20, 0x20);
}

void pic_set_mask(u16 mask) {
  outb(0x21, (u8)mask);
  outb(0xA1, (u8)(mask >> 8));
}

u8 pic_read_isr(int slave) { outb(slave ? 0xA0 : 0x20, 0x0B); return inb(slave ? 0xA0 : 0x20); }
u8 pic_read_irr(int slave) { outb(slave ? 0xA0 : 0x20, 0x0A); return inb(slave ? 0xA0 : 0x20); }
