/* The 8086 program and the ring 0 V86 monitor that v86.c and vme.c run it under: the
   monitor emulates CLI, STI, PUSHF, POPF, INT n (reflected through the program's IVT), IRET
   and IN/OUT DX that trap to it, records the first #GP frame and INT3, and returns to the
   kernel when the program halts. */
#ifndef V86_MONITOR_H
#define V86_MONITOR_H
#include "lib.h"

#define F_VM 0x20000u
#define F_VIF 0x80000u
#define F_IOPL3 0x3000u
#define SEG 0x2000u

extern u8 v86_blob[], v86_blob_end[], v_data[], v_h21[], v_h22[], v_h23[];
extern void user_return_stub(void);

/* The 8086 program. DS = CS; its results are words at v_data. */
__asm__(
  ".pushsection .text.v86, \"ax\"\n"
  ".code16\n"
  ".globl v86_blob, v86_blob_end, v_data, v_h21, v_h22, v_h23\n"
  "v86_blob:\n"
  "  movw %cs, %ax\n  movw %ax, %ds\n"
  "  movw %ax, v_data - v86_blob + 0\n"
  "  movw %ss, v_data - v86_blob + 2\n"
  "  movw %sp, v_data - v86_blob + 4\n"
  "  movw $0x4000, %bx\n  movw %bx, %es\n  movw $0x1234, %es:0x10\n"
  "  movw $0x5678, %es:0x1010\n"
  "  cli\n"
  "  pushf\n  popw %ax\n  movw %ax, v_data - v86_blob + 6\n"
  "  sti\n"
  "  pushf\n  popw %ax\n  movw %ax, v_data - v86_blob + 8\n"
  "  pushw $0x08d7\n  popf\n"
  "  pushf\n  popw %ax\n  movw %ax, v_data - v86_blob + 10\n"
  "  cli\n"
  "  movw $0x21, %ax\n  int $0x21\n"
  "  movw %ax, v_data - v86_blob + 12\n"
  "  int $0x22\n"
  "  int3\n"
  "  pushf\n  popw %ax\n  movw %ax, v_data - v86_blob + 14\n"
  "  movw $0x3fd, %dx\n"
  "1: inb %dx, %al\n  testb $0x20, %al\n  jz 1b\n"
  "  movw $0x3f8, %dx\n  movb $'V', %al\n  outb %al, %dx\n"
  "  movw $0x3fd, %dx\n"
  "2: inb %dx, %al\n  testb $0x20, %al\n  jz 2b\n"
  "  movw $0x3f8, %dx\n  movb $'\\n', %al\n  outb %al, %dx\n"
  "  inb $0x61, %al\n"
  "  int $0x23\n"
  "  lar %ax, %ax\n  lsl %ax, %ax\n  arpl %ax, %ax\n  str %ax\n  verr %ax\n"
  "  lcall $0x1f00, $v_far - v86_blob + 0x1000\n"
  "  ljmp $0x2000, $3f - v86_blob\n"
  "  incw v_data - v86_blob + 22\n"
  "3: hlt\n"
  "v_h21:\n  incw v_data - v86_blob + 16\n  addw $0x100, %ax\n  iret\n"
  "v_h22:\n  incw v_data - v86_blob + 18\n  iret\n"
  "v_h23:\n  incw v_data - v86_blob + 20\n  iret\n"
  "v_far:\n  incw v_data - v86_blob + 22\n  movw %cs, v_data - v86_blob + 24\n  lret\n"
  ".balign 2\n"
  "v_data:\n  .fill 16, 2, 0\n"
  "v86_blob_end:\n"
  ".code32\n"
  ".popsection\n");

#define PROG ((u8 *)(SEG << 4))
#define DATA ((volatile u16 *)(PROG + (v_data - v86_blob)))
#define LIN(seg, off) ((u8 *)((((seg) & 0xFFFF) << 4) + ((off) & 0xFFFF)))

struct v86frame { struct frame f; u32 es, ds, fs, gs; };

static volatile u32 n_ud, n_io_dx, vif, n_cli, n_sti, n_pushf, n_popf, n_int, n_iret, n_io, io_port, n_int3, n_gp_other, gp_err, n_pmint;
static volatile u32 fr_es, fr_ds, fr_fs, fr_gs, fr_ss, fr_cs, fr_fl, h_fs, h_gs, fr_err;
static volatile u32 int3_fl, int3_ip, int3_cs;

static void push16(struct frame *f, u16 v) {
  f->uesp = (f->uesp - 2) & 0xFFFF;
  *(u16 *)LIN(f->uss, f->uesp) = v;
}
static u16 pop16(struct frame *f) {
  u16 v = *(u16 *)LIN(f->uss, f->uesp);
  f->uesp = (f->uesp + 2) & 0xFFFF;
  return v;
}

/* What an 8086 sees as FLAGS: the virtual IF (unless IOPL 3 lets it have the real one). */
static u16 v_flags(struct frame *f) {
  if ((f->eflags & F_IOPL3) == F_IOPL3) return f->eflags & 0xFFFF;
  return (f->eflags & 0xFFFF & ~F_IF) | (vif ? F_IF : 0);
}

/* Reflect INT vec through the 8086 program's IVT, returning to ret_ip. */
static void reflect(struct frame *f, u32 vec, u32 ret_ip) {
  push16(f, v_flags(f));
  push16(f, f->cs);
  push16(f, ret_ip);
  u16 *ivt = (u16 *)(vec * 4);
  f->eip = ivt[0]; f->cs = ivt[1];
  if ((f->eflags & F_IOPL3) == F_IOPL3) f->eflags &= ~F_IF; else vif = 0;
  f->eflags &= ~F_TF;
}

static void gp_hook(struct frame *f) {
  struct v86frame *v = (struct v86frame *)f;
  if (!(f->eflags & F_VM)) { printf("#GP outside V86 at %x err %x\n", f->eip, f->err); exit_guest(0x7E); }
  if (!fr_cs) {
    u32 fs, gs;
    __asm__ volatile("movl %%fs, %0\n\tmovl %%gs, %1" : "=r"(fs), "=r"(gs));
    fr_es = v->es; fr_ds = v->ds; fr_fs = v->fs; fr_gs = v->gs; fr_ss = f->uss; fr_cs = f->cs;
    fr_fl = f->eflags; h_fs = fs; h_gs = gs; fr_err = f->err;
  }
  u8 *ip = LIN(f->cs, f->eip);
  switch (ip[0]) {
    case 0xFA: n_cli++; vif = 0; f->eip += 1; return;
    case 0xFB: n_sti++; vif = 1; f->eip += 1; return;
    case 0x9C: n_pushf++; push16(f, v_flags(f)); f->eip += 1; return;
    case 0x9D: {
      n_popf++;
      u16 x = pop16(f);
      vif = (x & F_IF) != 0;
      f->eflags = (f->eflags & ~0x4DD5u) | (x & 0x4DD5u);   /* not IF, not IOPL */
      f->eip += 1; return;
    }
    case 0xCD:
      /* #GP(0) is IOPL's; an error code names an IDT gate the program may not use. */
      if (f->err) { n_gp_other++; gp_err = f->err; f->eip += 2; return; }
      n_int++; reflect(f, ip[1], (f->eip + 2) & 0xFFFF); return;
    case 0xCF: {
      n_iret++;
      u16 nip = pop16(f), ncs = pop16(f), x = pop16(f);
      vif = (x & F_IF) != 0;
      f->eflags = (f->eflags & ~0x4DD5u) | (x & 0x4DD5u);
      f->eip = nip; f->cs = ncs; return;
    }
    case 0xE4: n_io++; io_port = ip[1]; f->eip += 2; return;
    /* IN AL,DX and OUT DX,AL outside the bitmap: the monitor does them for the program. */
    case 0xEC: n_io_dx++; f->eax = (f->eax & ~0xFFu) | inb(f->edx & 0xFFFF); f->eip += 1; return;
    case 0xEE: n_io_dx++; outb(f->edx & 0xFFFF, f->eax & 0xFF); f->eip += 1; return;
    case 0xF4: user_return_stub(); __builtin_unreachable();
    default: n_gp_other++; gp_err = f->err; f->eip += 1; return;
  }
}

/* Selector instructions have nothing to examine in V86 mode: #UD, skipped here (all are 0F xx /r or 63 /r, register forms). */
static void ud_hook(struct frame *f) {
  u8 *ip = LIN(f->cs, f->eip);
  n_ud++;
  f->eip += ip[0] == 0x0F ? 3 : 2;
}

static void int3_hook(struct frame *f) {
  n_int3++;
  int3_fl = f->eflags; int3_ip = f->eip; int3_cs = f->cs;
}

/* INT 0x21/0x22 reaching ring 0 (IOPL 3): reflect them to the program's IVT. */
static __attribute__((unused)) void pmint_hook(struct frame *f) { n_pmint++; reflect(f, f->vector, f->eip); }

static void reset_counts(void) {
  n_ud = 0; n_io_dx = 0; vif = 0; n_cli = n_sti = n_pushf = n_popf = n_int = n_iret = n_io = io_port = n_int3 = n_gp_other = gp_err = n_pmint = 0;
  fr_es = fr_ds = fr_fs = fr_gs = fr_ss = fr_cs = fr_fl = h_fs = h_gs = fr_err = 0;
  int3_fl = int3_ip = int3_cs = 0;
  memcpy(PROG, v86_blob, v86_blob_end - v86_blob);
  *(volatile u16 *)0x40010 = 0;
  u16 *ivt = (u16 *)0;
  ivt[0x21 * 2] = v_h21 - v86_blob; ivt[0x21 * 2 + 1] = SEG;
  ivt[0x22 * 2] = v_h22 - v86_blob; ivt[0x22 * 2 + 1] = SEG;
  ivt[0x23 * 2] = v_h23 - v86_blob; ivt[0x23 * 2 + 1] = SEG;
}

/* Enter V86 mode by IRET at 0x2000:0 with SS:SP = 0x3000:0x1000; back when the program halts. */
static void enter_v86_at(u32 cs, u32 eflags) {
  __asm__ volatile(
    "pushl $.Lback%=\n\tpushl %%ebp\n\tpushl %%ebx\n\tpushl %%esi\n\tpushl %%edi\n\tmovl %%esp, saved_kernel_esp\n\t"
    "pushl $0x5555\n\tpushl $0x6666\n\tpushl $0x7777\n\tpushl $0x8888\n\t"
    "pushl $0x3000\n\tpushl $0x1000\n\tpushl %0\n\tpushl %1\n\tpushl $0\n\tiretl\n"
    ".Lback%=:"
    :: "r"(eflags), "r"(cs) : "eax", "ecx", "edx", "memory");
}
static __attribute__((unused)) void enter_v86(u32 eflags) { enter_v86_at(SEG, eflags); }

static void report(const char *what) {
  printf("%s:\n", what);
  printf("  traps cli=%u sti=%u pushf=%u popf=%u int=%u iret=%u io=%u port=%x int3=%u pmint=%u other=%u/%x io-dx=%s ud=%u\n",
         n_cli, n_sti, n_pushf, n_popf, n_int, n_iret, n_io, io_port, n_int3, n_pmint, n_gp_other, gp_err, n_io_dx ? "emulated" : "none", n_ud);
  printf("  program cs=%x ss=%x sp=%x flags after cli=%x sti=%x popf=%x after int3=%x ax=%x h21=%u h22=%u h23=%u far=%u farcs=%x\n",
         DATA[0], DATA[1], DATA[2], DATA[3], DATA[4], DATA[5], DATA[7], DATA[6], DATA[8], DATA[9], DATA[10], DATA[11], DATA[12]);
  printf("  linear 40010=%x\n", *(volatile u16 *)0x40010);
  printf("  first #GP frame: err=%x cs=%x ss=%x es=%x ds=%x fs=%x gs=%x eflags=%x; handler fs=%x gs=%x\n",
         fr_err, fr_cs, fr_ss, fr_es, fr_ds, fr_fs, fr_gs, fr_fl & 0x3E7700, h_fs, h_gs);
  printf("  int3 frame: cs=%x ip=%x eflags=%x\n", int3_cs, int3_ip - (u32)(v86_blob - v86_blob), int3_fl & 0x3E7700);
}

/* TSS with the interrupt redirection bitmap (32 bytes) and the I/O bitmap after it. */
static struct { struct tss t; u8 redir[32]; u8 io[0x401]; } __attribute__((packed, aligned(128))) mtss;


/* Load the monitor's TSS (interrupt redirection bitmap: only 0x22 set; I/O bitmap: only the UART). */
static void v86_setup(void) {
  trap_hooks[13] = gp_hook;
  trap_hooks[3] = int3_hook;
  trap_hooks[6] = ud_hook;
  idt_set_default(3, 0xEE);
  memset(&mtss, 0, sizeof(mtss));
  mtss.t.esp0 = tss.esp0; mtss.t.ss0 = KDATA; mtss.t.iomap = sizeof(struct tss) + 32;
  memset(mtss.io, 0xFF, sizeof(mtss.io));
  mtss.io[0x3F8 / 8] = 0x00;
  mtss.redir[0x22 / 8] = 1 << (0x22 & 7);
  gdt_set(GDT_FREE, (u32)&mtss, sizeof(mtss) - 1, 0x89, 0x00);
  __asm__ volatile("ltr %w0" :: "r"(GDT_FREE << 3));
}

#endif
