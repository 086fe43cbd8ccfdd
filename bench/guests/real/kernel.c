/* The real-code bench guest's kernel: flat GDT with ring 3 segments and a TSS, an IDT with
 * #PF, int 0x80 (DPL 3) and a catch-all, SYSENTER MSRs, 4 KiB paging over the first 64 MiB
 * (user-accessible, so ring 3 runs the same image), and a demand pager for DEMAND_VA.
 * Serial protocol as the other bench guests: 'S', the timed workload, 'E', four checksum
 * bytes, then isa-debug-exit with 0. */
#include "real.h"

#define COM1 0x3F8
#define DEBUG_EXIT 0xF4

struct gdt_entry { u16 limit_lo, base_lo; u8 base_mid, access, flags, base_hi; } __attribute__((packed));
struct idt_entry { u16 off_lo, sel; u8 zero, type; u16 off_hi; } __attribute__((packed));
struct table_ptr { u16 limit; u32 base; } __attribute__((packed));
struct tss { u32 link, esp0, ss0, rest[23]; } __attribute__((packed));

static struct gdt_entry gdt[6];
static struct idt_entry idt[256];
static struct tss tss;
static u32 page_dir[1024] __attribute__((aligned(4096)));
static u32 page_tables[16][1024] __attribute__((aligned(4096)));
static u32 demand_table[1024] __attribute__((aligned(4096)));
static u8 trap_stack[16384] __attribute__((aligned(16)));
static u8 user_stack[16384] __attribute__((aligned(16)));
static u32 next_frame;

extern void pf_entry(void), bad_entry(void), int80_entry(void), sysenter_entry(void);
extern u32 enter_user(void (*entry)(void), void *stack_top);
extern void leave_user(u32 value) __attribute__((noreturn));

static void set_gdt(int i, u32 base, u32 limit, u8 access, u8 flags) {
  gdt[i].limit_lo = limit & 0xFFFF;
  gdt[i].base_lo = base & 0xFFFF;
  gdt[i].base_mid = (base >> 16) & 0xFF;
  gdt[i].access = access;
  gdt[i].flags = (u8)((flags << 4) | ((limit >> 16) & 0xF));
  gdt[i].base_hi = base >> 24;
}

static void set_idt(int v, void (*fn)(void), u8 type) {
  u32 a = (u32)fn;
  idt[v].off_lo = a & 0xFFFF;
  idt[v].sel = 0x08;
  idt[v].zero = 0;
  idt[v].type = type;
  idt[v].off_hi = a >> 16;
}

static void wrmsr(u32 msr, u32 lo) { __asm__ volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(0)); }

static void cpu_init(void) {
  set_gdt(1, 0, 0xFFFFF, 0x9A, 0xC);   /* 0x08 kernel code */
  set_gdt(2, 0, 0xFFFFF, 0x92, 0xC);   /* 0x10 kernel data */
  set_gdt(3, 0, 0xFFFFF, 0xFA, 0xC);   /* 0x1b user code (SYSEXIT: SYSENTER_CS + 16) */
  set_gdt(4, 0, 0xFFFFF, 0xF2, 0xC);   /* 0x23 user data (SYSENTER_CS + 24) */
  set_gdt(5, (u32)&tss, sizeof tss - 1, 0x89, 0x0);
  struct table_ptr g = { sizeof gdt - 1, (u32)gdt };
  __asm__ volatile("lgdt %0\n\t"
                   "ljmp $0x08, $1f\n1:\n\t"
                   "mov $0x10, %%ax\n\tmov %%ax, %%ds\n\tmov %%ax, %%es\n\tmov %%ax, %%ss\n\t"
                   "mov %%ax, %%fs\n\tmov %%ax, %%gs" : : "m"(g) : "eax", "memory");
  tss.esp0 = (u32)(trap_stack + sizeof trap_stack);
  tss.ss0 = 0x10;
  __asm__ volatile("ltr %w0" : : "r"(0x28));
  for (int v = 0; v < 32; v++) set_idt(v, bad_entry, 0x8E);
  set_idt(14, pf_entry, 0x8E);
  set_idt(0x80, int80_entry, 0xEE);
  struct table_ptr i = { sizeof idt - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(i));
  wrmsr(0x174, 0x08);
  wrmsr(0x175, (u32)(trap_stack + sizeof trap_stack));
  wrmsr(0x176, (u32)sysenter_entry);
}

static void paging_init(void) {
  for (u32 t = 0; t < 16; t++) {
    for (u32 i = 0; i < 1024; i++) page_tables[t][i] = ((t * 1024 + i) << 12) | 7;
    page_dir[t] = (u32)page_tables[t] | 7;
  }
  page_dir[DEMAND_VA >> 22] = (u32)demand_table | 7;
  __asm__ volatile("mov %0, %%cr3\n\tmov %%cr0, %%eax\n\tor $0x80000000, %%eax\n\tmov %%eax, %%cr0"
                   : : "r"(page_dir) : "eax", "memory");
}

/* Demand paging: a not-present fault in the demand window gets a fresh, zeroed frame. */
void page_fault(u32 addr, u32 error) {
  if ((error & 1) || addr - DEMAND_VA >= DEMAND_PAGES * 4096u) {
    outb(COM1, '!');
    outb(DEBUG_EXIT, 0x7F);
    for (;;) __asm__ volatile("hlt");
  }
  u32 frame = FRAME_POOL + (next_frame++ % DEMAND_PAGES) * 4096u;
  memset((void *)frame, 0, 4096);
  demand_table[(addr >> 12) & 1023] = frame | 7;
}

void demand_reset(void) {
  for (u32 i = 0; i < DEMAND_PAGES; i++) demand_table[i] = 0;
  next_frame = 0;
  __asm__ volatile("mov %%cr3, %%eax\n\tmov %%eax, %%cr3" : : : "eax", "memory");
}

void bad_trap(void) {
  outb(COM1, '!');
  outb(DEBUG_EXIT, 0x7E);
  for (;;) __asm__ volatile("hlt");
}

u32 syscall(u32 nr, u32 arg) {
  switch (nr) {
    case SYS_EXIT: leave_user(arg);
    case SYS_ADD: return arg * 2654435761u + 1;
    case SYS_UNMAP: demand_reset(); return 0;
    default: bad_trap(); return 0;
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
