/* The sample kernel, independent of how it reaches the hardware: banner, handlers, a
   timer-driven loop doing one unit of work per tick, a demand-paged buffer filled by the
   page-fault handler, a checksum, and a clean exit. */
#include "platform.h"
#include "print.h"
#include "work.h"

#define TICKS 20
#define TIMER_HZ 100
#define DEMAND_VA 0x40000000u
#define WORDS 1024

static volatile u32 ticks;
static volatile u32 faults;
static u32 buffer[WORDS];

void on_timer_tick(void) { ticks++; }

int on_page_fault(uptr addr, u32 error_code) {
  if ((addr & ~(uptr)0xFFF) != DEMAND_VA || (error_code & 1)) return 0;
  faults++;
  paging_map(DEMAND_VA, frame_alloc(), 1);
  return 1;
}

void on_fatal_trap(u32 vector, u32 error_code, uptr ip) {
  print("fatal trap "); print_hex(vector);
  print(" error "); print_hex(error_code);
  print(" at "); print_addr(ip); print("\n");
  machine_exit(0x7F);
}

static void wait_tick(void) {
  u32 t = ticks;
  while (ticks == t) cpu_idle();
}

void kmain(void) {
  console_init();
  print("Paravirt sample kernel: timer, work, demand paging\n");
  interrupts_init();
  paging_init();
  print("paging on, interrupts installed\n");

  work_init(buffer, WORDS);
  timer_start(TIMER_HZ);
  interrupts_enable();
  u32 sum = 0;
  for (u32 i = 0; i < TICKS; i++) {
    wait_tick();
    sum = (sum * 31) ^ work_unit(buffer, WORDS, i);
  }
  interrupts_disable();
  timer_stop();
  print("ran "); print_dec(TICKS); print(" timer-driven work units\n");

  /* The first touch of DEMAND_VA faults; the handler maps a fresh frame and the store is
     retried. */
  volatile u32 *demand = (volatile u32 *)DEMAND_VA;
  for (u32 i = 0; i < 1024; i++) demand[i] = buffer[i] ^ i;
  for (u32 i = 0; i < 1024; i++) sum = (sum * 31) ^ demand[i];
  print("page faults handled: "); print_dec(faults); print("\n");

  print("checksum "); print_hex(sum); print("\n");
  machine_exit(0);
}
