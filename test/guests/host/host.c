/* Runs a computation-only guest as a Linux program: its kmain prints through libc's
   printf, so the host CPU's answers can be compared with the guest's serial output. */
#include <stdio.h>
#include <stdlib.h>

void kmain(void);
void exit_guest(unsigned code) { fflush(stdout); exit((int)code); }
void serial_putc(char c) { putchar(c); }
void print(const char *s) { fputs(s, stdout); }
void hexdump(const void *p, unsigned len) {
  const unsigned char *b = p;
  for (unsigned i = 0; i < len; i++) printf("%02x%s", b[i], (i % 16 == 15 || i + 1 == len) ? "\n" : " ");
}
int main(void) { kmain(); exit_guest(0); return 0; }
