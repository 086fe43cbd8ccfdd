/* Ring 3: entry through IRET, INT n from ring 3 through DPL 3 and DPL 0 gates, the TSS
   stack switch (SS0:ESP0, the pushed SS:ESP), privileged and IOPL-sensitive instructions
   at CPL 3, POPF's silent IF, the TSS I/O permission bitmap, and data segment registers
   nulled by a return to an outer ring. */
#include "lib.h"

#define NREC 64
static struct { const char *name; u32 count, vector, err; s32 at; } recs[NREC];
static volatile u32 nrec;
static void rec(const char *name) {
  recs[nrec].name = name; recs[nrec].count = last_trap.count; recs[nrec].vector = last_trap.vector;
  recs[nrec].err = last_trap.err; recs[nrec].at = (s32)(last_trap.eip - try_start); nrec++;
}
static void flush(void) {
  for (u32 i = 0; i < nrec; i++) {
    if (!recs[i].count) printf("%s: no fault\n", recs[i].name);
    else printf("%s: vec=%02x err=%04x at+%d\n", recs[i].name, recs[i].vector, recs[i].err, recs[i].at);
  }
  nrec = 0;
}
#define UCASE(name, code, ...) do { trap_clear(); TRY(code, __VA_ARGS__); rec(name); } while (0)

static volatile u32 k_cs, k_ss, k_uss, k_ucs, k_uesp_off, k_frame_off, k_if, u_cs, u_ss, u_ds, u_esp_off, u_flags, u_flags2;

static void int80_hook(struct frame *f) {
  k_ucs = f->cs; k_uss = f->uss; k_uesp_off = USER_STACK_TOP - f->uesp;
  k_frame_off = tss.esp0 - (u32)&f->eip;
  u32 cs, ss;
  __asm__ volatile("movl %%cs, %0\n\tmovl %%ss, %1" : "=r"(cs), "=r"(ss));
  k_cs = cs; k_ss = ss; k_if = read_eflags() & F_IF;
  f->eax = 0x600D;
}

static void user_main(void) {
  u32 cs, ss, ds, esp, r;
  __asm__ volatile("movl %%cs, %0\n\tmovl %%ss, %1\n\tmovl %%ds, %2\n\tmovl %%esp, %3" : "=r"(cs), "=r"(ss), "=r"(ds), "=r"(esp));
  u_cs = cs; u_ss = ss; u_ds = ds; u_esp_off = USER_STACK_TOP - esp;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(0) : "memory");
  recs[nrec].name = r == 0x600D ? "int 0x80 returned eax 600d" : "int 0x80 returned wrong eax"; recs[nrec++].count = 0;
  UCASE("cli at cpl3 iopl0", "cli");
  UCASE("sti at cpl3 iopl0", "sti");
  UCASE("hlt at cpl3", "hlt");
  UCASE("mov cr0 at cpl3", "movl %%cr0, %%eax", : : "eax");
  UCASE("mov to cr3 at cpl3", "movl %%eax, %%cr3", : : "eax");
  UCASE("lgdt at cpl3", "lgdt (%%esp)");
  UCASE("lidt at cpl3", "lidt (%%esp)");
  UCASE("ltr at cpl3", "ltr %%ax", : "a"(0x28));
  UCASE("invlpg at cpl3", "invlpg (%%esp)");
  UCASE("wbinvd at cpl3", "wbinvd");
  UCASE("rdmsr at cpl3", "rdmsr", : "c"(0x10) : "eax", "edx");
  UCASE("clts at cpl3", "clts");
  UCASE("mov dr7 at cpl3", "movl %%dr7, %%eax", : : "eax");
  UCASE("in at cpl3 iopl0", "inb $0x80, %%al", : : "eax");
  UCASE("out dx at cpl3 iopl0", "outb %%al, %%dx", : "d"(0x3F8), "a"(0));
  UCASE("insb at cpl3 iopl0", "insb", : "d"(0x3F8), "D"(0x300000) : "memory");
  UCASE("int 0x40 dpl0 gate", "int $0x40");
  UCASE("int3 dpl0 gate", "int3");
  UCASE("into dpl0 gate", "movb $0x7F, %%al\n\taddb $1, %%al\n\tinto", : : "eax");
  UCASE("load ds dpl0", "movw %w0, %%ds", : "r"(KDATA));
  UCASE("load ds rpl3 dpl3", "movw %w0, %%ds", : "r"(UDATA));
  UCASE("load ss dpl0", "movw %w0, %%ss", : "r"(KDATA));
  UCASE("far jmp to ring 0 code", "ljmp $0x08, $0");
  UCASE("rdtsc at cpl3 tsd0", "rdtsc", : : "eax", "edx");
  UCASE("smsw at cpl3", "smsw %%ax", : : "eax");
  UCASE("sgdt at cpl3", "sgdt (%0)", : "r"(0x300000) : "memory");
  UCASE("str at cpl3", "str %%ax", : : "eax");
  /* POPF at CPL 3 with IOPL 0 leaves IF (and IOPL) unchanged, silently. */
  u32 f1, f2;
  __asm__ volatile("pushfl\n\tpopl %0\n\tpushl $0x3202\n\tpopfl\n\tpushfl\n\tpopl %1" : "=r"(f1), "=r"(f2) :: "cc");
  u_flags = f1 & 0x3200; u_flags2 = f2 & 0x3200;
  USER_RETURN();
}

static void user_iopl3(void) {
  print("ring 3 with IOPL 3 prints through the UART\n");
  __asm__ volatile("cli\n\tsti\n\tcli");
  USER_RETURN();
}

/* A second TSS with an I/O bitmap allowing only ports 0x80-0x87 and the UART's 0x3F8-0x3FF. */
static struct { struct tss t; u8 bitmap[0x81]; } __attribute__((packed, aligned(128))) iotss;

static void user_bitmap(void) {
  u32 v = 0;
  UCASE("bitmap in 3fd", "inb %%dx, %%al", : "d"(0x3FD), "a"(0));
  UCASE("bitmap in 3f7", "inb %%dx, %%al", : "d"(0x3F7), "a"(0));
  UCASE("bitmap in 80", "inb $0x80, %%al", : : "eax");
  UCASE("bitmap in 7f", "inb $0x7F, %%al", : : "eax");
  UCASE("bitmap in word 86", "inw $0x86, %%ax", : : "eax");
  UCASE("bitmap in dword 84", "inl $0x84, %%eax", : : "eax");
  UCASE("bitmap in dword 86", "inl $0x86, %%eax", : : "eax");
  UCASE("bitmap out 3ff", "outb %%al, %%dx", : "d"(0x3FF), "a"(0x5A));
  UCASE("bitmap in 3ff", "inb %%dx, %%al", "=a"(v) : "d"(0x3FF));
  recs[nrec].name = (v & 0xFF) == 0x5A ? "scratch readback 5a" : "scratch readback wrong"; recs[nrec++].count = 0;
  UCASE("bitmap cli still iopl", "cli");
  USER_RETURN();
}

static void user_segs(void) {
  u32 ds, es, fs, gs;
  /* DS may be null now: read the selectors, then reload DS/ES before touching memory. */
  __asm__ volatile("movl %%ds, %0\n\tmovl %%es, %1\n\tmovl %%fs, %2\n\tmovl %%gs, %3\n\t"
                   "pushl $0x23\n\tpopl %%ds\n\tpushl $0x23\n\tpopl %%es" : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs) :: "memory");
  u_ds = ds | (es << 8) | (fs << 16) | (gs << 24);
  USER_RETURN();
}

extern u32 saved_kernel_esp;

void kmain(void) {
  trap_hooks[0x80] = int80_hook;
  enter_user(user_main, USER_STACK_TOP);
  printf("user cs=%x ss=%x ds=%x esp=top-%x\n", u_cs, u_ss, u_ds, u_esp_off);
  printf("int 0x80 handler: cs=%x ss=%x IF=%x pushed cs=%x ss=%x esp=top-%x frame at esp0-%x\n",
         k_cs, k_ss, k_if, k_ucs, k_uss, k_uesp_off, k_frame_off);
  flush();
  printf("popf at cpl3: before %x after %x\n", u_flags, u_flags2);

  __asm__ volatile("pushfl\n\torl $0x3000, (%%esp)\n\tpopfl" ::: "cc", "memory");
  enter_user(user_iopl3, USER_STACK_TOP);
  __asm__ volatile("pushfl\n\tandl $0xFFFFCFFF, (%%esp)\n\tpopfl" ::: "cc", "memory");
  printf("back from iopl3, IOPL now %x\n", (read_eflags() >> 12) & 3);

  memset(&iotss, 0, sizeof(iotss));
  iotss.t.esp0 = tss.esp0; iotss.t.ss0 = KDATA; iotss.t.iomap = sizeof(struct tss);
  memset(iotss.bitmap, 0xFF, sizeof(iotss.bitmap));
  iotss.bitmap[0x3F8 / 8] = 0x00;
  iotss.bitmap[0x80 / 8] = 0x00;
  gdt_set(GDT_FREE, (u32)&iotss, sizeof(iotss) - 1, 0x89, 0x00);
  __asm__ volatile("ltr %w0" :: "r"(GDT_FREE << 3));
  enter_user(user_bitmap, USER_STACK_TOP);
  flush();

  /* A return to ring 3 nulls DS/ES/FS/GS that hold ring 0 data selectors. */
  __asm__ volatile("pushl $.Lback%=\n\tpushl %%ebp\n\tpushl %%ebx\n\tpushl %%esi\n\tpushl %%edi\n\tmovl %%esp, saved_kernel_esp\n\t"
                   "movw $0x10, %%ax\n\tmovw %%ax, %%ds\n\tmovw %%ax, %%fs\n\tmovw $0x23, %%ax\n\tmovw %%ax, %%es\n\tmovw %%ax, %%gs\n\t"
                   "pushl $0x23\n\tpushl %1\n\tpushl $0x2\n\tpushl $0x1B\n\tpushl %0\n\tiretl\n"
                   ".Lback%=:"
                   :: "r"(user_segs), "r"(USER_STACK_TOP) : "eax", "memory");
  printf("after iret to ring 3: ds=%x es=%x fs=%x gs=%x\n", u_ds & 0xFF, (u_ds >> 8) & 0xFF, (u_ds >> 16) & 0xFF, u_ds >> 24);
  exit_guest(0);
}
