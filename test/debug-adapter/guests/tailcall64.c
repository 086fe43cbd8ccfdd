/* Tail calls for the call stack (issue 17 point 3): built -O2 -g, `outer` and `middle` end in
   a call that gcc turns into a jump (a sibling call), so when `leaf` runs the stack holds only
   kmain's return address: outer and middle are gone from it. DWARF 5's call sites say which
   function kmain called and which tail calls each made, which is how a debugger puts them back. */
#include "boot64.h"

static inline void outb(unsigned short port, unsigned char v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

volatile int counter = 1;

void on_trap(struct boot64_frame *f) { (void)f; }

__attribute__((noinline)) void leaf(volatile int *p) {
  *p += 7; /* @tail-leaf */
  outb(0x3f8, (unsigned char)('0' + (*p & 7)));
}

__attribute__((noinline)) void middle(volatile int *p) {
  *p *= 3;
  leaf(p);
}

__attribute__((noinline)) void outer(volatile int *p) {
  *p ^= 5;
  middle(p);
}

void kmain(unsigned int magic, unsigned long info) {
  (void)magic; (void)info;
  outer(&counter);
  outb(0x3f8, '\n');
  outb(0xf4, 0);
}
