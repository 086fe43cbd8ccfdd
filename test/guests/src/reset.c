/* A reset requested through the keyboard controller (0xFE to port 0x64) ends the run
   (QEMU with -no-reboot exits with status 0, see reset.status). */
#include "lib.h"

void kmain(void) {
  printf("asking the keyboard controller for a reset\n");
  while (inb(0x64) & 2) { }
  outb(0x64, 0xFE);
  for (u32 i = 0; i < 1000000; i++) __asm__ volatile("");
  printf("no reset\n");
  exit_guest(0);
}
