/* Touches 40 MiB of RAM, one dword in every 4 KiB page from 8 MiB to 48 MiB (paging off),
   then reads every page back: the guest whose guest-physical footprint is large, beside
   `hello`, whose footprint is a few pages. test/cli/compare-memory.test.ts sizes the EPT a
   hypervisor would build for each from the pages they reached. */
#include "lib.h"

#define FIRST 0x00800000u
#define LAST  0x03000000u

void kmain(void) {
  u32 pages = 0;
  for (u32 a = FIRST; a < LAST; a += 4096) { *(volatile u32 *)a = a ^ 0x5a5a5a5au; pages++; }
  u32 sum = 0, bad = 0;
  for (u32 a = FIRST; a < LAST; a += 4096) {
    u32 v = *(volatile u32 *)a;
    if (v != (a ^ 0x5a5a5a5au)) bad++;
    sum += v;
  }
  printf("memtouch: wrote %u pages from %x to %x, %u read back wrong, sum %x\n", pages, FIRST, LAST, bad, sum);
  exit_guest(0);
}
