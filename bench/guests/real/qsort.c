/* qsort of 64 Ki words through a comparison callback, as a C library's is called: a
 * median-of-three quicksort with insertion sort below 16 elements. The array is refilled
 * from a generator each trip. */
#include "real.h"

#define COUNT (64u * 1024u)

typedef int (*cmp_fn)(const void *, const void *);

static void swap(u8 *a, u8 *b, u32 size) {
  while (size--) { u8 t = *a; *a++ = *b; *b++ = t; }
}

static void sort(u8 *base, u32 n, u32 size, cmp_fn cmp) {
  while (n > 16) {
    u8 *lo = base, *mid = base + (n / 2) * size, *hi = base + (n - 1) * size;
    if (cmp(mid, lo) < 0) swap(mid, lo, size);
    if (cmp(hi, mid) < 0) { swap(hi, mid, size); if (cmp(mid, lo) < 0) swap(mid, lo, size); }
    u8 *i = lo + size, *j = hi - size;
    for (;;) {
      while (cmp(i, mid) < 0) i += size;
      while (cmp(mid, j) < 0) j -= size;
      if (i >= j) break;
      swap(i, j, size);
      if (mid == i) mid = j; else if (mid == j) mid = i;
      i += size; j -= size;
    }
    u32 left = (u32)(j - base) / size + 1;
    /* Recurse into the smaller side, loop on the larger: bounded stack. */
    if (left < n - left) { sort(base, left, size, cmp); base += left * size; n -= left; }
    else { sort(base + left * size, n - left, size, cmp); n = left; }
  }
  for (u32 k = 1; k < n; k++)
    for (u8 *p = base + k * size; p > base && cmp(p - size, p) > 0; p -= size) swap(p - size, p, size);
}

static int cmp_u32(const void *a, const void *b) {
  u32 x = *(const u32 *)a, y = *(const u32 *)b;
  return x < y ? -1 : x > y;
}

void workload_setup(void) {}

u32 workload_run(u32 trips) {
  u32 *a = (u32 *)ARENA, x = 88172645u, sum = 0;
  for (u32 t = 0; t < trips; t++) {
    for (u32 i = 0; i < COUNT; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; a[i] = x; }
    sort((u8 *)a, COUNT, sizeof *a, cmp_u32);
    u32 ordered = 1;
    for (u32 i = 1; i < COUNT; i++) ordered &= a[i - 1] <= a[i];
    sum = sum * 31 + a[COUNT / 3] + a[COUNT - 1] + ordered;
  }
  return sum;
}
