/* The 16550 at 0x3F8 as a driver sees it: LSR and IIR at rest, scratch, LCR and divisor
   latch read-back, IER, FIFO enable in IIR, loopback (data, MSR mirroring MCR, DR, overrun
   with FIFOs off, received-data and THRE interrupt identification). */
#include "lib.h"

#define COM1 0x3F8
static u8 rd(u32 r) { return inb(COM1 + r); }
static void wr(u32 r, u8 v) { outb(COM1 + r, v); }
static int wait_lsr(u8 mask) { for (u32 i = 0; i < 1000000; i++) if ((rd(5) & mask) == mask) return 1; return 0; }

void kmain(void) {
  wait_lsr(0x60);
  printf("lsr idle %02x iir %02x ier %02x lcr %02x mcr %02x\n", rd(5), rd(2), rd(1), rd(3), rd(4));
  wr(7, 0xA5); u8 s1 = rd(7); wr(7, 0x5A); u8 s2 = rd(7);
  printf("scratch %02x %02x\n", s1, s2);
  wr(3, 0x80);
  u8 dll = rd(0), dlm = rd(1);
  wr(0, 0x0C); wr(1, 0x00);
  u8 dll2 = rd(0);
  wr(0, dll); wr(1, dlm);
  wr(3, 0x1B);
  printf("divisor %02x%02x, written 0c read %02x, lcr now %02x\n", dlm, dll, dll2, rd(3));
  wr(3, 0x03);
  wr(1, 0x0F); u8 ier = rd(1); wr(1, 0x00);
  printf("ier written 0f read %02x\n", ier);

  wr(2, 0x07);               /* FIFO on, both cleared */
  printf("iir with fifo %02x\n", rd(2));
  wr(2, 0x00);
  printf("iir fifo off %02x\n", rd(2));

  /* Nothing can be printed while in loopback: the transmitter is wired to the receiver. */
  u8 r[64]; int n = 0;
  wait_lsr(0x60);
  wr(4, 0x10);               /* loopback, all modem outputs off */
  r[n++] = rd(6) & 0xF0;
  wr(4, 0x1F);
  r[n++] = rd(6) & 0xF0;
  wr(4, 0x15);
  r[n++] = rd(6) & 0xF0;
  wr(4, 0x10);
  while (rd(5) & 1) rd(0);
  const char *msg = "Loop";
  for (int i = 0; msg[i]; i++) {
    wr(0, (u8)msg[i]);
    r[n++] = (u8)wait_lsr(0x61);
    r[n++] = rd(5);
    r[n++] = rd(0);
    r[n++] = rd(5);
  }
  wr(0, 'A'); wait_lsr(0x61);
  wr(0, 'B');
  /* Wait without reading LSR: reading it clears OE. */
  for (u32 i = 0; i < 200000; i++) __asm__ volatile("");
  r[n++] = rd(5) & 0x63;
  r[n++] = rd(0);
  r[n++] = rd(5) & 0x63;
  wr(1, 0x01);               /* received-data interrupt */
  r[n++] = rd(2);
  wr(0, 'C'); wait_lsr(0x61);
  r[n++] = rd(2);
  r[n++] = rd(0);
  r[n++] = rd(2);
  wr(1, 0x02);
  r[n++] = rd(2);
  r[n++] = rd(2);
  wr(1, 0x00);
  wr(4, 0x0B);
  wait_lsr(0x60);
  n = 0;
  printf("loopback msr: none %02x all %02x dtr+out1 %02x\n", r[0], r[1], r[2]);
  n = 3;
  for (int i = 0; msg[i]; i++, n += 4)
    printf("sent %c: got data %x lsr %02x rbr %c lsr after %02x\n", msg[i], r[n], r[n + 1], r[n + 2], r[n + 3]);
  printf("two bytes unread: lsr %02x rbr %c lsr after read %02x\n", r[n], r[n + 1], r[n + 2]);
  n += 3;
  printf("iir rx enabled, nothing received %02x\n", r[n++]);
  printf("iir rx data %02x, rbr %c, iir after %02x\n", r[n], r[n + 1], r[n + 2]);
  n += 3;
  printf("iir thre %02x, again %02x\n", r[n], r[n + 1]);
  printf("out of loopback, mcr %02x\n", rd(4));
  exit_guest(0);
}
