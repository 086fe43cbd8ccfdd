/* Sieve of Eratosthenes over a 4 MiB byte array (1024 pages), once per trip. */
#include "real.h"

#define N (4u << 20)

void workload_setup(void) {}

u32 workload_run(u32 trips) {
  u8 *a = (u8 *)ARENA;
  u32 sum = 0;
  for (u32 t = 0; t < trips; t++) {
    memset(a, 1, N);
    a[0] = a[1] = 0;
    for (u32 i = 2; i * i < N; i++)
      if (a[i])
        for (u32 j = i * i; j < N; j += i) a[j] = 0;
    u32 primes = 0;
    for (u32 i = 0; i < N; i++) primes += a[i];
    sum = sum * 31 + primes;
  }
  return sum;
}
