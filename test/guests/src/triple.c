/* A triple fault: with an empty IDT, INT3 raises #GP, whose delivery raises #DF, whose
   delivery shuts the processor down. QEMU (-no-reboot) and our machine both end the run
   (status 0, see triple.status) after the line printed here. */
#include "lib.h"

void kmain(void) {
  printf("loading an empty IDT, then int3\n");
  struct { u16 limit; u32 base; } __attribute__((packed)) idtr = { 0, 0 };
  __asm__ volatile("lidt %0\n\tint3" :: "m"(idtr));
  printf("still running after a triple fault\n");
  exit_guest(0);
}
