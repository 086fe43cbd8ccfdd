/* The little work the sample does on each tick: scramble a buffer with xorshift and fold
   it into an FNV-1a checksum. Pure computation, so both flavours print the same sum. */
#include "work.h"

void work_init(u32 *buf, u32 words) {
  u32 x = 0x12345678;
  for (u32 i = 0; i < words; i++) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    buf[i] = x;
  }
}

u32 work_unit(u32 *buf, u32 words, u32 unit) {
  u32 h = 0x811C9DC5u ^ unit;
  for (u32 i = 0; i < words; i++) {
    u32 v = buf[i] ^ (buf[(i + unit) % words] >> 3);
    v = (v << 7) | (v >> 25);
    buf[i] = v + unit;
    h = (h ^ (v & 0xFF)) * 0x01000193u;
    h = (h ^ (v >> 24)) * 0x01000193u;
  }
  return h;
}
