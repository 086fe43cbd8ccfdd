/* CMOS/RTC as a driver sees it, without printing the time: CMOS RAM read/write, the
   status registers' formats (B written and read back, D's valid-RAM bit, A's rate bits),
   the time registers' ranges in binary and BCD modes, and the periodic interrupt on IRQ 8
   through the slave PIC (cascade on IRQ 2), acknowledged by reading register C. */
#include "lib.h"

static u8 cmos_read(u8 reg) { outb(0x70, reg | 0x80); return inb(0x71); }
static void cmos_write(u8 reg, u8 v) { outb(0x70, reg | 0x80); outb(0x71, v); }

static volatile u32 rtc_irqs, rtc_c_flags;
static void irq8(struct frame *f) {
  (void)f;
  rtc_irqs++;
  rtc_c_flags |= cmos_read(0x0C);
  pic_eoi(8);
}

static int bcd_ok(u8 v, u8 max) { return (v & 0x0F) <= 9 && (v >> 4) <= 9 && ((v >> 4) * 10 + (v & 0x0F)) <= max; }

void kmain(void) {
  for (u8 i = 0; i < 16; i++) cmos_write(0x40 + i, (u8)(i * 17 + 3));
  u32 ok = 1;
  for (u8 i = 0; i < 16; i++) if (cmos_read(0x40 + i) != (u8)(i * 17 + 3)) ok = 0;
  printf("cmos ram 40-4f write/read back: %s\n", ok ? "ok" : "FAILED");
  printf("register D valid-RAM bit: %x\n", cmos_read(0x0D) >> 7);
  /* Register A's power-on value is the firmware's business: write it, then read it back. */
  cmos_write(0x0A, 0x26);
  u8 a = cmos_read(0x0A);
  printf("register A written 26 reads %02x\n", a & 0x7F);

  /* Binary, 24-hour mode: values in range. */
  cmos_write(0x0B, 0x06);
  printf("register B written 06 reads %02x\n", cmos_read(0x0B) & 0x7F);
  u8 s = cmos_read(0), m = cmos_read(2), h = cmos_read(4), d = cmos_read(7), mo = cmos_read(8);
  printf("binary ranges: sec %s min %s hour %s day %s month %s\n", s < 60 ? "ok" : "bad", m < 60 ? "ok" : "bad",
         h < 24 ? "ok" : "bad", d >= 1 && d <= 31 ? "ok" : "bad", mo >= 1 && mo <= 12 ? "ok" : "bad");
  cmos_write(0x0B, 0x02);
  s = cmos_read(0); m = cmos_read(2); h = cmos_read(4); d = cmos_read(7); mo = cmos_read(8);
  printf("bcd ranges: sec %s min %s hour %s day %s month %s\n", bcd_ok(s, 59) ? "ok" : "bad", bcd_ok(m, 59) ? "ok" : "bad",
         bcd_ok(h, 23) ? "ok" : "bad", bcd_ok(d, 31) && d ? "ok" : "bad", bcd_ok(mo, 12) && mo ? "ok" : "bad");

  /* Periodic interrupt at 1024 Hz (rate 6) on IRQ 8. */
  trap_hooks[0x28] = irq8;
  cmos_write(0x0A, (a & 0xF0) | 0x06);
  (void)cmos_read(0x0C);
  cmos_write(0x0B, 0x42);
  pic_set_mask((u16)~((1u << 2) | (1u << 8)));
  u32 guard = 0;
  while (rtc_irqs < 3 && guard++ < 10000000) __asm__ volatile("sti; hlt; cli");
  cmos_write(0x0B, 0x02);
  (void)cmos_read(0x0C);
  pic_set_mask(0xFFFF);
  printf("periodic irq8: >= 3 %s, register C had PF|IRQF: %02x\n", rtc_irqs >= 3 ? "ok" : "FAILED", rtc_c_flags & 0xC0);
  printf("slave isr after eoi %02x, master isr %02x\n", pic_read_isr(1), pic_read_isr(0));
  exit_guest(0);
}
