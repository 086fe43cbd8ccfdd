/* Walks the boot page tables (guest/boot64.h) and hands out zeroed pages for new ones.
   Physical addresses are identity-mapped below 4 GiB, so a table's address is its pointer. */
#include "lib.h"

#define ADDR_MASK 0x000FFFFFFFFFF000ul

static u64 pool[16][512] __attribute__((aligned(4096)));
static u32 pool_used;

u64 *page_alloc(void) {
  if (pool_used == sizeof(pool) / sizeof(pool[0])) { print("page_alloc: pool exhausted\n"); exit_guest(0x7D); }
  u64 *p = pool[pool_used++];
  memset(p, 0, 4096);
  return p;
}

u64 *pte_of(u64 va, int *level) {
  u64 *table = (u64 *)(read_cr3() & ADDR_MASK);
  for (int l = 4; l >= 1; l--) {
    u64 *e = &table[(va >> (12 + 9 * (l - 1))) & 511];
    if (!(*e & 1)) return 0;
    if (l == 1 || (l <= 3 && (*e & 0x80))) { if (level) *level = l; return e; }
    table = (u64 *)(*e & ADDR_MASK);
  }
  return 0;
}
