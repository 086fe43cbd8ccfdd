/* Output on top of console_write, for every flavour. */
#include "print.h"

void print(const char *s) {
  u32 n = 0;
  while (s[n]) n++;
  console_write(s, n);
}

void print_hex(u32 v) {
  char b[8];
  for (int i = 7; i >= 0; i--, v >>= 4) b[i] = "0123456789abcdef"[v & 15];
  console_write(b, 8);
}

void print_addr(uptr v) {
  char b[2 * sizeof(uptr)];
  for (int i = (int)sizeof(b) - 1; i >= 0; i--, v >>= 4) b[i] = "0123456789abcdef"[v & 15];
  console_write(b, sizeof(b));
}

void print_dec(u32 v) {
  char b[10];
  int n = 10;
  do { b[--n] = (char)('0' + v % 10); v /= 10; } while (v);
  console_write(b + n, 10 - n);
}
