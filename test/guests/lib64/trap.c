/* One C dispatcher for every vector (boot64.inc's BOOT64_TRAP): a test's hook, or
   record-and-resume for the faults a TRY expects. */
#include "lib.h"

volatile trap_hook trap_hooks[256];
volatile u64 recover_rip;
volatile u64 try_start;
volatile struct trap_record last_trap;

void trap_clear(void) {
  last_trap.count = 0; last_trap.vector = ~0ul; last_trap.err = 0; last_trap.rip = 0;
  last_trap.cs = 0; last_trap.cr2 = 0; last_trap.rflags = 0; last_trap.rsp = 0; last_trap.ss = 0;
}

void trap_print(const char *what) {
  if (!last_trap.count) { printf("%s: no fault\n", what); return; }
  printf("%s: vec=%02lx err=%04lx at+%ld\n", what, last_trap.vector, last_trap.err, (s64)(last_trap.rip - try_start));
}

void trap_dispatch(frame_t *f) {
  if (trap_hooks[f->vector]) { trap_hooks[f->vector](f); return; }
  last_trap.count++;
  last_trap.vector = f->vector;
  last_trap.err = f->error_code;
  last_trap.rip = f->rip;
  last_trap.cs = f->cs;
  last_trap.rflags = f->rflags;
  last_trap.rsp = f->rsp;
  last_trap.ss = f->ss;
  if (f->vector == 14) last_trap.cr2 = read_cr2();
  if (recover_rip) { f->rip = recover_rip; recover_rip = 0; return; }
  printf("unexpected trap vec=%02lx err=%08lx rip=%016lx cs=%04lx\n", f->vector, f->error_code, f->rip, f->cs);
  exit_guest(0x7F);
}

void idt_set_ist(int vec, int ist) { boot64_idt[vec].ist = (u8)ist; }
void idt_set_dpl(int vec, int dpl) { boot64_idt[vec].type_attr = (u8)((boot64_idt[vec].type_attr & 0x9F) | (dpl << 5)); }
void idt_set_handler(int vec, void *handler) {
  u64 a = (u64)handler;
  boot64_idt[vec].offset_lo = (u16)a;
  boot64_idt[vec].offset_mid = (u16)(a >> 16);
  boot64_idt[vec].offset_hi = (u32)(a >> 32);
}
