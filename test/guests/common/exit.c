/* isa-debug-exit at 0xF4: the run ends with status (code << 1) | 1. */
#include "lib.h"

void exit_guest(u32 code) {
  outb(0xF4, (u8)code);
  for (;;) __asm__ volatile("cli; hlt");
}
