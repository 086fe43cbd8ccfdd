/* What the portable kernel (kmain.c, work.c) needs from the machine. Each flavour
   implements it in its own folder: hvm/ with port I/O, the IDT, the PIT and page tables
   it writes itself; hvm64/ the same in long mode (4-level page tables, the local APIC
   timer); pv/ hypercalls (console_io, set_trap_table, set_timer_op, update_va_mapping,
   sched_op) behind the same functions. */
#ifndef SAMPLE_PLATFORM_H
#define SAMPLE_PLATFORM_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
/* An address: 32 bits in the 32-bit flavours, 64 in the x86-64 one. */
typedef unsigned long uptr;

/* console */
void console_init(void);
void console_write(const char *s, u32 len);

/* interrupts: install handlers, then enable delivery */
void interrupts_init(void);
void interrupts_enable(void);
void interrupts_disable(void);
/* Sleep until the next interrupt or event. */
void cpu_idle(void);

/* timer: periodic ticks at `hz`, each one calling on_timer_tick() */
void timer_start(u32 hz);
void timer_stop(void);

/* memory: turn on paging with the kernel identity-mapped, map one 4 KiB page */
void paging_init(void);
void paging_map(uptr va, uptr pa, int writable);
/* A frame of RAM nobody uses yet (for demand paging). */
uptr frame_alloc(void);

/* leave the machine with a status */
void machine_exit(u32 code) __attribute__((noreturn));

/* Called by the platform code from its handlers. */
void on_timer_tick(void);
/* Returns nonzero if the fault was resolved and the access can be retried. */
int on_page_fault(uptr addr, u32 error_code);
void on_fatal_trap(u32 vector, u32 error_code, uptr ip);

#endif
