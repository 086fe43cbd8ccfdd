/* Hardware interrupts arriving while ring 3 code runs: the timer IRQ switches to the TSS
   stack, the frame holds the user CS/SS/ESP, IF in the pushed EFLAGS; IRET returns to ring
   3 and the user loop sees the ticks. HLT in ring 3 is #GP(0) even with IF set. */
#include "lib.h"

static volatile u32 ticks, frame_cs, frame_ss, frame_if, frame_esp_ok, esp0_ok;

static void irq0(struct frame *f) {
  ticks++;
  frame_cs = f->cs; frame_ss = f->uss; frame_if = (f->eflags >> 9) & 1;
  frame_esp_ok = f->uesp <= USER_STACK_TOP && f->uesp > USER_STACK_TOP - 4096;
  esp0_ok = (u32)&f->uss + 4 == tss.esp0;
  pic_eoi(0);
}

static volatile u32 user_saw, hlt_fault;
static void user_main(void) {
  u32 guard = 0;
  while (ticks < 3 && guard < 200000000) guard++;
  user_saw = ticks;
  trap_clear();
  TRY("hlt");
  hlt_fault = last_trap.count ? (last_trap.vector << 16) | last_trap.err : 0xFFFF;
  USER_RETURN();
}

void kmain(void) {
  trap_hooks[0x20] = irq0;
  outb(0x43, 0x34); outb(0x40, 0x9C); outb(0x40, 0x2E);   /* mode 2, ~10 ms */
  pic_set_mask(0xFFFE);
  /* enter_user copies the current EFLAGS into the IRET frame: set IF for ring 3. */
  __asm__ volatile("pushfl\n\torl $0x200, (%%esp)\n\tpopfl" ::: "memory");
  enter_user(user_main, USER_STACK_TOP);
  __asm__ volatile("cli");
  pic_set_mask(0xFFFF);
  printf("user loop saw ticks >= 3: %s\n", user_saw >= 3 ? "yes" : "no");
  printf("frame: cs=%x ss=%x if=%x user esp in user stack %x, frame at esp0 %x\n", frame_cs, frame_ss, frame_if, frame_esp_ok, esp0_ok);
  printf("hlt at cpl3: vec/err=%x\n", hlt_fault);
  exit_guest(0);
}
