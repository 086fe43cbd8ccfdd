/* A MurmurHash3-style 32-bit hash over 4 MiB of pseudo-random words, once per trip with
 * the trip as seed. */
#include "real.h"

#define WORDS (1u << 20)

void workload_setup(void) {
  u32 *a = (u32 *)ARENA, x = 2463534242u;
  for (u32 i = 0; i < WORDS; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; a[i] = x; }
}

static inline u32 rotl(u32 v, int r) { return (v << r) | (v >> (32 - r)); }

u32 workload_run(u32 trips) {
  const u32 *a = (const u32 *)ARENA;
  u32 sum = 0;
  for (u32 t = 0; t < trips; t++) {
    u32 h = t;
    for (u32 i = 0; i < WORDS; i++) {
      u32 k = a[i] * 0xcc9e2d51u;
      k = rotl(k, 15) * 0x1b873593u;
      h = rotl(h ^ k, 13) * 5 + 0xe6546b64u;
    }
    h ^= WORDS * 4;
    h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16;
    sum += h;
  }
  return sum;
}
