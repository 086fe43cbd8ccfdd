/* memset and memcpy of MBs: each trip fills a 4 MiB buffer, copies it to a second one,
 * and copies a shifted 1 MiB window back (unaligned source). */
#include "real.h"

#define SIZE (4u << 20)

void workload_setup(void) {}

u32 workload_run(u32 trips) {
  u8 *a = (u8 *)ARENA, *b = (u8 *)ARENA_B;
  u32 sum = 0;
  for (u32 t = 0; t < trips; t++) {
    memset(a, (int)(t * 7 + 1), SIZE);
    a[t % SIZE] = (u8)t;
    memcpy(b, a, SIZE);
    memcpy(a, b + 1 + (t & 3), 1u << 20);
    sum = sum * 31 + ((u32 *)b)[(t * 4099u) % (SIZE / 4)] + a[t % SIZE];
  }
  return sum;
}
