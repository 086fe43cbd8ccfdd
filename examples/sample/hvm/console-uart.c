/* paravirt: target=hvm (the bare-PC flavour: privileged instructions are VM exits, not errors) */
/* Console on the 16550 at 0x3F8, polled as a real driver does (LSR bit 5: THR empty), and
   on the VGA text screen (80x25 cells at 0xB8000, identity-mapped by paging-x86.c), with the
   CRTC's cursor after the last character. */
#include "io.h"

#define COM1 0x3F8
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x1F00 /* bright white on blue */
#define CRTC_INDEX 0x3D4
#define CRTC_DATA 0x3D5

static volatile u16 *const vga = (volatile u16 *)0xB8000;
static u32 vga_pos;

static void vga_clear(void) {
  for (u32 i = 0; i < VGA_COLS * VGA_ROWS; i++) vga[i] = VGA_ATTR | ' ';
  vga_pos = 0;
}

static void vga_put(char c) {
  if (c == '\n') vga_pos += VGA_COLS - vga_pos % VGA_COLS;
  else vga[vga_pos++] = VGA_ATTR | (u8)c;
  if (vga_pos >= VGA_COLS * VGA_ROWS) {
    for (u32 i = 0; i < VGA_COLS * (VGA_ROWS - 1); i++) vga[i] = vga[i + VGA_COLS];
    for (u32 i = VGA_COLS * (VGA_ROWS - 1); i < VGA_COLS * VGA_ROWS; i++) vga[i] = VGA_ATTR | ' ';
    vga_pos -= VGA_COLS;
  }
}

/* CRTC registers 0x0E/0x0F: the cursor's cell, high byte then low. */
static void vga_cursor(void) {
  outb(CRTC_INDEX, 0x0E);
  outb(CRTC_DATA, (u8)(vga_pos >> 8));
  outb(CRTC_INDEX, 0x0F);
  outb(CRTC_DATA, (u8)vga_pos);
}

void console_init(void) {
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x80);
  outb(COM1 + 0, 0x01);
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x03);
  outb(COM1 + 2, 0x00);
  outb(COM1 + 4, 0x03);
  vga_clear();
  vga_cursor();
}

void console_write(const char *s, u32 len) {
  for (u32 i = 0; i < len; i++) {
    while (!(inb(COM1 + 5) & 0x20)) { }
    outb(COM1, (u8)s[i]);
    vga_put(s[i]);
  }
  vga_cursor();
}
