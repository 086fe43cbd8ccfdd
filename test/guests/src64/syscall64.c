/* SYSCALL/SYSRET between ring 3 and ring 0: EFER.SCE, STAR, LSTAR, SFMASK; what SYSCALL
   leaves in RCX, R11, RFLAGS, CS and SS; a kernel entry that switches to its per-CPU data
   with SWAPGS (KERNEL_GS_BASE <-> GS.base) and back; SYSRETQ to 64-bit and SYSRETL to 32-bit
   (compatibility-mode) user code; INT n from ring 3 onto RSP0 (SS becomes NULL); SWAPGS and
   SYSRET at ring 3 (#GP), SYSCALL with EFER.SCE clear (#UD), a #PF from ring 3 (U in the
   error code, on RSP0, the user's SS:RSP in the frame). (SYSRET to a non-canonical RIP,
   where QEMU 7.2 returns to ring 3 and faults there, is in canonical64.) */
#include "lib.h"

#define SFMASK_BITS (F_TF | F_IF | F_DF | F_AC | 0x4000 /* NT */ | 0x3000 /* IOPL */)

/* Per-CPU data GS points at in the kernel: [0] the kernel stack, [8] the user RSP saved by
   the entry, [16] a marker. */
struct percpu { u64 kstack, user_rsp, marker; };
static struct percpu percpu = { 0, 0, 0x4B45524E454Cul /* "KERNEL" */ };
static u8 syscall_stack[8192] __attribute__((aligned(16)));

/* What the entry saw, written by the C side of the entry. */
static volatile u64 seen_nr, seen_arg, seen_rcx, seen_r11, seen_rflags, seen_cs, seen_ss, seen_marker, seen_user_rsp, seen_kgs;
static volatile u64 calls;

u64 syscall_c(u64 nr, u64 arg, u64 rcx, u64 r11, u64 marker, u64 user_rsp) {
  calls++;
  seen_nr = nr; seen_arg = arg; seen_rcx = rcx; seen_r11 = r11; seen_marker = marker; seen_user_rsp = user_rsp;
  seen_rflags = read_rflags();
  seen_cs = read_cs();
  seen_ss = read_ss();
  seen_kgs = rdmsr(MSR_KERNEL_GS_BASE);
  return arg * 3;
}

/* The kernel entry (LSTAR) and the user programs: one page of ring-3 code and one of data
   (user_data), each page-aligned so that only they get U=1. */
__asm__(
  ".text\n"
  "syscall_entry:\n"
  "  swapgs\n"
  "  mov %rsp, %gs:8\n"
  "  mov %gs:0, %rsp\n"
  "  push %rcx\n"
  "  push %r11\n"
  "  mov %rdi, %rsi\n"            /* arg */
  "  mov %rax, %rdi\n"            /* nr */
  "  mov %rcx, %rdx\n"
  "  mov %r11, %rcx\n"
  "  mov %gs:16, %r8\n"
  "  mov %gs:8, %r9\n"
  "  call syscall_c\n"
  "  pop %r11\n"
  "  pop %rcx\n"
  "  mov %gs:8, %rsp\n"
  "  swapgs\n"
  "  cmpq $32, sysret_width(%rip)\n"
  "  je 1f\n"
  "  sysretq\n"
  "1:\n"
  "  sysretl\n"

  /* INT 0x81 (a DPL 3 gate) from user code: back to the kernel context enter_user saved. */
  "user_return:\n"
  "  mov %ss, %ax\n"
  "  mov %ax, ss_after_int(%rip)\n"
  "  mov 8(%rsp), %rax\n"           /* the CS INT pushed, above RIP */
  "  mov %rax, cs_at_int(%rip)\n"
  "  mov $0x10, %eax\n"
  "  mov %eax, %ss\n"
  "  mov saved_kernel_rsp(%rip), %rsp\n"
  "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
  "  ret\n"

  /* void enter_user(u64 rip, u64 rsp, u64 cs): IRETQ to ring 3, IF set. */
  "enter_user:\n"
  "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
  "  mov %rsp, saved_kernel_rsp(%rip)\n"
  "  push $0x23\n"
  "  push %rsi\n"
  "  push $0x202\n"
  "  push %rdx\n"
  "  push %rdi\n"
  "  iretq\n"

  ".section .text.user,\"ax\"\n"
  ".balign 4096\n"
  "user_page:\n"
  /* 64-bit user program: a SYSCALL with CF set, then GS as user code sees it, SWAPGS and
     SYSRET at ring 3, then a SYSCALL that returns to 32-bit code. */
  "user64:\n"
  "  mov %rsp, user_data+0(%rip)\n"
  "  mov $7, %eax\n"
  "  mov $0x1234, %edi\n"
  "  stc\n"
  "  syscall\n"
  "user64_after_syscall:\n"
  "  mov %rax, user_data+8(%rip)\n"
  "  mov %cs, user_data+16(%rip)\n"
  "  mov %ss, user_data+24(%rip)\n"
  "  mov %rsp, user_data+32(%rip)\n"
  "  mov %gs:0, %rax\n"
  "  mov %rax, user_data+40(%rip)\n"
  "user_swapgs:\n"
  "  swapgs\n"                     /* #GP(0): the handler steps over it */
  "user_sysret:\n"
  "  sysretq\n"                    /* #GP(0) too */
  "  int $0x81\n"

  /* A SYSCALL that SYSRETL returns from into the 32-bit code right after it. */
  "user64_to32:\n"
  /* The IRETQ into ring 3 nulled DS and ES (DPL 0 < CPL 3); 64-bit code ignores them but the
     32-bit code SYSRETL returns to uses DS, so give it the user data segment first. */
  "  mov $0x23, %eax\n"
  "  mov %eax, %ds\n"
  "  mov %eax, %es\n"
  "  mov $8, %eax\n"
  "  mov $0x99, %edi\n"
  "  syscall\n"
  ".code32\n"
  "user32:\n"
  "  mov %cs, %eax\n"
  "  mov %eax, user_data+48\n"
  "  mov %ss, %eax\n"
  "  mov %eax, user_data+56\n"
  "  int $0x81\n"
  ".code64\n"

  /* A read of a supervisor page from ring 3: #PF with U set, taken on RSP0. */
  "user_pf:\n"
  "  mov %rsp, user_data+64(%rip)\n"
  "  mov $0x77, %eax\n"
  "user_pf_load:\n"
  "  mov kernel_secret(%rip), %rax\n" /* 7 bytes: the handler steps over it */
  "  mov %rax, user_data+72(%rip)\n"
  "  int $0x81\n"

  ".balign 4096\n"
  "user_data:\n"
  "  .fill 512, 8, 0\n"
  "  .previous\n");

extern char user_page[], user_data[], user64[], user64_after_syscall[], user64_to32[], user32[];
extern char user_swapgs[], user_sysret[], syscall_entry[], user_return[], user_pf[], user_pf_load[];
u64 kernel_secret = 0x5EC12E7ul;
void enter_user(u64 rip, u64 rsp, u64 cs);
u64 saved_kernel_rsp, sysret_width, cs_at_int;
u16 ss_after_int;

#define US 4ul
static u8 user_stack[4096] __attribute__((aligned(4096)));
static u64 *const user_data64 = (u64 *)user_data;

static void make_user(void *p) {
  u64 *e = pte_of((u64)p, 0);
  *e |= US;
  invlpg((u64)p);
}

static volatile u64 gp_count, gp_err, gp_cs, gp_rip[2];
static void on_gp(frame_t *f) {
  if (!(f->cs & 3) || gp_count == 2) { trap_hooks[13] = 0; trap_dispatch(f); return; }
  gp_err = f->error_code;
  gp_cs = f->cs;
  gp_rip[gp_count++] = f->rip;
  f->rip += 3;                                      /* SWAPGS and SYSRETQ are 3 bytes each */
}

static volatile u64 pf_err, pf_cr2, pf_rip, pf_cs, pf_ss, pf_rsp, pf_frame_top;
static void on_pf(frame_t *f) {
  if (!(f->cs & 3)) { trap_hooks[14] = 0; trap_dispatch(f); return; }
  pf_err = f->error_code;
  pf_cr2 = read_cr2();
  pf_rip = f->rip;
  pf_cs = f->cs;
  pf_ss = f->ss;
  pf_rsp = f->rsp;
  pf_frame_top = (u64)&f->ss + 8;
  f->rip += 7;
}

void kmain(void) {
  make_user(user_page);
  make_user(user_data);
  make_user(user_stack);
  idt_set_handler(0x81, user_return);
  idt_set_dpl(0x81, 3);

  /* EFER.SCE off: SYSCALL is #UD, at ring 0 too. */
  trap_clear();
  TRY("syscall", : : "rcx", "r11", "memory");
  printf("syscall with EFER.SCE=0: vec=%02lx\n", last_trap.vector);

  wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
  wrmsr(MSR_STAR, (0x18ul << 48) | (0x08ul << 32));
  wrmsr(MSR_LSTAR, (u64)syscall_entry);
  wrmsr(MSR_SFMASK, SFMASK_BITS);
  printf("star=%016lx sfmask=%lx lstar is the entry: %u\n", rdmsr(MSR_STAR), rdmsr(MSR_SFMASK), rdmsr(MSR_LSTAR) == (u64)syscall_entry);
  percpu.kstack = (u64)syscall_stack + sizeof(syscall_stack);
  wrmsr(MSR_KERNEL_GS_BASE, (u64)&percpu);
  user_data64[60] = 0x55534552ul;                   /* "USER": what user code finds at gs:0 */
  wrmsr(MSR_GS_BASE, (u64)&user_data64[60]);
  printf("before: gs.base is user_data: %u, kernel_gs_base is percpu: %u\n",
         rdmsr(MSR_GS_BASE) == (u64)&user_data64[60], rdmsr(MSR_KERNEL_GS_BASE) == (u64)&percpu);

  trap_hooks[13] = on_gp;
  sysret_width = 64;
  u64 urs = (u64)user_stack + sizeof(user_stack) - 8;
  enter_user((u64)user64, urs, UCODE64);
  printf("syscall: calls=%lu nr=%lu arg=%lx rax back=%lx\n", calls, seen_nr, seen_arg, user_data64[1]);
  printf("rcx is the return rip: %u, r11=%lx (user rflags with CF)\n", seen_rcx == (u64)user64_after_syscall, seen_r11);
  printf("in the kernel: rflags=%lx cs=%04lx ss=%04lx gs marker=%lx user rsp kept: %u kernel_gs_base is user_data: %u\n",
         seen_rflags & ~(u64)F_ARITH, seen_cs, seen_ss, seen_marker, seen_user_rsp == user_data64[0],
         seen_kgs == (u64)&user_data64[60]);
  printf("after sysretq: cs=%04lx ss=%04lx rsp restored: %u gs:0=%lx\n", user_data64[2] & 0xFFFF, user_data64[3] & 0xFFFF,
         user_data64[4] == user_data64[0], user_data64[5]);
  printf("ring 3 swapgs and sysretq: %lu #GP, err=%lx cs=%04lx, at swapgs: %u, at sysretq: %u\n", gp_count, gp_err, gp_cs,
         gp_rip[0] == (u64)user_swapgs, gp_rip[1] == (u64)user_sysret);
  printf("int 0x81 from ring 3: cs=%04lx, ss in the kernel=%04x\n", cs_at_int & 0xFFFF, ss_after_int);
  printf("after: gs.base is user_data: %u, kernel_gs_base is percpu: %u\n",
         rdmsr(MSR_GS_BASE) == (u64)&user_data64[60], rdmsr(MSR_KERNEL_GS_BASE) == (u64)&percpu);
  trap_hooks[13] = 0;

  /* SYSRETL: the same entry returns to 32-bit code (CS = STAR[63:48] | 3, SS = +8). */
  calls = 0;
  sysret_width = 32;
  enter_user((u64)user64_to32, urs, UCODE64);
  printf("sysretl: calls=%lu arg=%lx, 32-bit code ran with cs=%04lx ss=%04lx, int 0x81 came from cs=%04lx\n", calls, seen_arg,
         user_data64[6] & 0xFFFF, user_data64[7] & 0xFFFF, cs_at_int & 0xFFFF);

  /* A page fault from ring 3 arrives on RSP0 with the user's SS:RSP. */
  trap_hooks[14] = on_pf;
  user_data64[9] = 0;
  enter_user((u64)user_pf, urs, UCODE64);
  trap_hooks[14] = 0;
  printf("#PF from ring 3: err=%lx cr2 is the kernel variable: %u, rip is the load: %u, cs=%04lx ss=%04lx user rsp: %u, on rsp0: %u, rax kept %lx\n",
         pf_err, pf_cr2 == (u64)&kernel_secret, pf_rip == (u64)user_pf_load, pf_cs, pf_ss, pf_rsp == user_data64[8],
         pf_frame_top == (u64)boot64_rsp0_top, user_data64[9]);
  printf("done\n");
}
