/* Pointer chasing across 16 MiB: 256 Ki nodes of 64 bytes linked in one random cycle
 * (Sattolo's shuffle), so nearly every step lands on another page. 1 Mi steps a trip. */
#include "real.h"

#define NODES (256u * 1024u)
#define STEPS (1u << 20)

/* 64 bytes in both builds (the pointer is 4 or 8). */
struct node { struct node *next; u32 value; u32 pad[(64 - sizeof(void *) - 4) / 4]; };
_Static_assert(sizeof(struct node) == 64, "one node per 64 bytes");

void workload_setup(void) {
  struct node *n = (struct node *)CHASE_BASE;
  u32 *order = (u32 *)ARENA, x = 362436069u;
  for (u32 i = 0; i < NODES; i++) order[i] = i;
  for (u32 i = NODES - 1; i > 0; i--) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    u32 j = x % i, t = order[i];
    order[i] = order[j]; order[j] = t;
  }
  for (u32 i = 0; i < NODES; i++) {
    n[order[i]].next = &n[order[(i + 1) % NODES]];
    n[order[i]].value = i;
  }
}

u32 workload_run(u32 trips) {
  const struct node *p = (const struct node *)CHASE_BASE;
  u32 sum = 0;
  for (u32 t = 0; t < trips; t++)
    for (u32 s = 0; s < STEPS; s++) { sum += p->value ^ s; p = p->next; }
  return sum;
}
