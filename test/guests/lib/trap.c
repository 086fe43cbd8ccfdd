/* One C dispatcher for every vector: a test's hook, or record-and-resume for expected faults. */
#include "lib.h"

trap_hook trap_hooks[256];
volatile u32 recover_eip;
volatile u32 try_start;
volatile struct trap_record last_trap;

void trap_clear(void) {
  last_trap.count = 0; last_trap.vector = 0xFFFFFFFF; last_trap.err = 0;
  last_trap.eip = 0; last_trap.cs = 0; last_trap.cr2 = 0; last_trap.eflags = 0; last_trap.esp = 0;
}

void trap_print(const char *what) {
  if (!last_trap.count) { printf("%s: no fault\n", what); return; }
  printf("%s: vec=%02x err=%04x at+%d\n", what, last_trap.vector, last_trap.err, (s32)(last_trap.eip - try_start));
}

void trap_dispatch(struct frame *f) {
  if (trap_hooks[f->vector]) { trap_hooks[f->vector](f); return; }
  last_trap.count++;
  last_trap.vector = f->vector;
  last_trap.err = f->err;
  last_trap.eip = f->eip;
  last_trap.cs = f->cs;
  last_trap.eflags = f->eflags;
  last_trap.esp = (u32)&f->uesp;
  last_trap.uesp = (f->cs & 3) ? f->uesp : 0;
  last_trap.eax = f->eax; last_trap.ecx = f->ecx; last_trap.esi = f->esi; last_trap.edi = f->edi;
  if (f->vector == 14) last_trap.cr2 = read_cr2();
  if (recover_eip) { f->eip = recover_eip; recover_eip = 0; return; }
  printf("unexpected trap vec=%02x err=%08x eip=%08x cs=%04x\n", f->vector, f->err, f->eip, f->cs);
  exit_guest(0x7F);
}
