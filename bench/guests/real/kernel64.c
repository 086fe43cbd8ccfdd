/* The 64-bit real-code bench guests' kernel (gcc -m64), kernel.c's counterpart: boot64.inc
 * has set up the GDT, 64-bit TSS and IDT; this adds int 0x80 (DPL 3), SYSCALL/SYSRET, 4-level
 * paging with 4 KiB pages over the first 64 MiB (user-accessible, so ring 3 runs the same
 * image, as in the 32-bit kernel) and a demand pager for DEMAND_VA. Serial protocol as the
 * 32-bit kernel's: 'S', the timed workload, 'E', four checksum bytes, isa-debug-exit 0. */
#include "real.h"
#include "boot64.h"

#define COM1 0x3F8
#define DEBUG_EXIT 0xF4
#define PTE_URW 7ull
#define MAPPED_MIB 64u

static u64 pml4[512] __attribute__((aligned(4096)));
static u64 pdpt[512] __attribute__((aligned(4096)));
static u64 pd[512] __attribute__((aligned(4096)));
static u64 page_tables[MAPPED_MIB / 2][512] __attribute__((aligned(4096)));
static u64 demand_pd[512] __attribute__((aligned(4096)));
/* Two tables back to back: DEMAND_PAGES (1024) entries indexed as one array. */
static u64 demand_table[DEMAND_PAGES] __attribute__((aligned(4096)));
static u8 user_stack[16384] __attribute__((aligned(16)));
static u32 next_frame;

extern void syscall_entry(void);
extern u32 enter_user(void (*entry)(void), void *stack_top);
extern void leave_user(u32 value) __attribute__((noreturn));

_Static_assert(DEMAND_PAGES == 1024, "demand_pd maps the window with two page tables");

static void wrmsr(u32 msr, u64 v) { __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))); }
static u64 rdmsr(u32 msr) { u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }

static void cpu_init(void) {
  boot64_idt[0x80].type_attr = 0xEE;               /* int 0x80 from ring 3 */
  wrmsr(0xC0000080, rdmsr(0xC0000080) | 1);        /* EFER.SCE */
  /* STAR: SYSCALL CS 0x08 / SS 0x10; SYSRET (64-bit) CS 0x18 + 16 | 3, SS 0x18 + 8 | 3. */
  wrmsr(0xC0000081, ((u64)0x18 << 48) | ((u64)BOOT64_KCODE << 32));
  wrmsr(0xC0000082, (u64)(uptr)syscall_entry);     /* LSTAR */
  wrmsr(0xC0000084, 0x700);                        /* FMASK: IF, DF, TF */
}

static void paging_init(void) {
  for (u32 t = 0; t < MAPPED_MIB / 2; t++) {
    for (u32 i = 0; i < 512; i++) page_tables[t][i] = ((u64)(t * 512 + i) << 12) | PTE_URW;
    pd[t] = (u64)(uptr)page_tables[t] | PTE_URW;
  }
  pdpt[0] = (u64)(uptr)pd | PTE_URW;
  demand_pd[0] = (u64)(uptr)&demand_table[0] | PTE_URW;
  demand_pd[1] = (u64)(uptr)&demand_table[512] | PTE_URW;
  pdpt[DEMAND_VA >> 30] = (u64)(uptr)demand_pd | PTE_URW;
  pml4[0] = (u64)(uptr)pdpt | PTE_URW;
  __asm__ volatile("mov %0, %%cr3" : : "r"((u64)(uptr)pml4) : "memory");
}

void bad_trap(u64 vector, u64 rip) {
  (void)vector; (void)rip;
  outb(COM1, '!');
  outb(DEBUG_EXIT, 0x7E);
  for (;;) __asm__ volatile("hlt");
}

/* Demand paging: a not-present fault in the demand window gets a fresh, zeroed frame. */
static void page_fault(u64 addr, u64 error) {
  if ((error & 1) || addr - DEMAND_VA >= DEMAND_PAGES * 4096ull) {
    outb(COM1, '!');
    outb(DEBUG_EXIT, 0x7F);
    for (;;) __asm__ volatile("hlt");
  }
  u32 frame = FRAME_POOL + (next_frame++ % DEMAND_PAGES) * 4096u;
  memset((void *)(uptr)frame, 0, 4096);
  demand_table[(addr >> 12) & (DEMAND_PAGES - 1)] = frame | PTE_URW;
}

void demand_reset(void) {
  for (u32 i = 0; i < DEMAND_PAGES; i++) demand_table[i] = 0;
  next_frame = 0;
  __asm__ volatile("mov %%cr3, %%rax\n\tmov %%rax, %%cr3" : : : "rax", "memory");
}

u32 syscall(u32 nr, u32 arg) {
  switch (nr) {
    case SYS_EXIT: leave_user(arg);
    case SYS_ADD: return arg * 2654435761u + 1;
    case SYS_UNMAP: demand_reset(); return 0;
    default: bad_trap(0x80, 0); return 0;
  }
}

void trap_dispatch(struct boot64_frame *f) {
  if (f->vector == 14) {
    u64 cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    page_fault(cr2, f->error_code);
  } else if (f->vector == 0x80) {
    f->rax = syscall((u32)f->rax, (u32)f->rbx);
  } else {
    bad_trap(f->vector, f->rip);
  }
}

u32 run_user(void (*entry)(void)) {
  return enter_user(entry, user_stack + sizeof user_stack);
}

void kmain(void) {
  cpu_init();
  paging_init();
  workload_setup();
  outb(COM1, 'S');
  u32 sum = workload_run(TRIPS);
  outb(COM1, 'E');
  for (int i = 0; i < 4; i++) outb(COM1, (u8)(sum >> (8 * i)));
  outb(DEBUG_EXIT, 0);
  for (;;) __asm__ volatile("hlt");
}
