/* A C kernel whose exits come from known source lines: the test asks addr2line (binutils)
 * for the line of each exit address and compares it with the profile's file/line. */

static inline void outb(unsigned short port, unsigned char v) {
  __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline unsigned cpuid_eax(unsigned leaf) {
  unsigned a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf));
  return a;
}

#define POST_WRITES 100

int main(void) {
  const char *msg = "hello from C\n";
  for (const char *p = msg; *p; p++) outb(0x3f8, (unsigned char)*p);
  for (int i = 0; i < POST_WRITES; i++) outb(0x80, (unsigned char)i);
  unsigned max = cpuid_eax(0);
  return max > 0 ? 0x10 : 0x11;
}
