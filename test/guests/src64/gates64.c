/* Faults on the 64-bit IDT's own gates, judged by gates64.expected (from the SDM): the error
   code names the gate by its index, the vector (vector * 8 + 2: IDT bit set), although 64-bit
   gates are 16 bytes long; QEMU 7.2 reports vector * 16 + 2. INT n to a not-present gate is
   #NP, to a gate of a type the 64-bit IDT does not have (a task gate, a 16-bit type 6
   interrupt gate) #GP. */
#include "lib.h"

static void show(const char *what) {
  if (!last_trap.count) { printf("%s: no fault\n", what); return; }
  printf("%s: vec=%02lx err=%04lx at+%ld\n", what, last_trap.vector, last_trap.err, (s64)(last_trap.rip - try_start));
}

void kmain(void) {
  boot64_idt[0x41].type_attr &= 0x7F;
  trap_clear();
  TRY("int $0x41", : : "memory");
  show("int 0x41, gate not present");
  boot64_idt[0x42].type_attr = 0x85;                   /* a task gate: none in the 64-bit IDT */
  trap_clear();
  TRY("int $0x42", : : "memory");
  show("int 0x42, task gate");
  boot64_idt[0x43].type_attr = 0x86;                   /* a 16-bit interrupt gate */
  trap_clear();
  TRY("int $0x43", : : "memory");
  show("int 0x43, 16-bit interrupt gate");
  printf("done\n");
}
