/* From boot64.inc's 64-bit entry to the test: the loader's magic, the serial line, the
   8259 masked (the firmware leaves it differently under QEMU and ours), kmain, exit 0. */
#include "lib.h"

u32 multiboot_magic;

void lib_start(u32 magic, u64 info) {
  (void)info;
  multiboot_magic = magic;
  serial_init();
  pic_init();
  kmain();
  exit_guest(0);
}
