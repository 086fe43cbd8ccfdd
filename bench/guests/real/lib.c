/* The little C library the workloads use: word-at-a-time memset/memcpy as a freestanding
 * kernel's generic versions are (compiled with -fno-tree-loop-distribute-patterns so gcc
 * does not turn these loops back into calls to themselves). */
#include "real.h"

void *memset(void *d, int c, u32 n) {
  u8 *p = d;
  u32 w = (u8)c * 0x01010101u;
  while (n && ((uptr)p & 3)) { *p++ = (u8)c; n--; }
  u32 *q = (u32 *)p;
  for (; n >= 16; n -= 16, q += 4) { q[0] = w; q[1] = w; q[2] = w; q[3] = w; }
  for (; n >= 4; n -= 4) *q++ = w;
  p = (u8 *)q;
  while (n--) *p++ = (u8)c;
  return d;
}

void *memcpy(void *d, const void *s, u32 n) {
  u8 *dp = d;
  const u8 *sp = s;
  if ((((uptr)dp | (uptr)sp) & 3) == 0) {
    u32 *dq = (u32 *)dp;
    const u32 *sq = (const u32 *)sp;
    for (; n >= 16; n -= 16, dq += 4, sq += 4) { dq[0] = sq[0]; dq[1] = sq[1]; dq[2] = sq[2]; dq[3] = sq[3]; }
    for (; n >= 4; n -= 4) *dq++ = *sq++;
    dp = (u8 *)dq;
    sp = (const u8 *)sq;
  }
  while (n--) *dp++ = *sp++;
  return d;
}
