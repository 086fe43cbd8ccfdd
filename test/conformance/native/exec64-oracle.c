/*
 * The host CPU as the reference for 64-bit code (issue 15, point 7): random sequences of
 * integer and SSE instructions run natively in long mode, at the same linear addresses our
 * emulated guest runs them at, so RIP-relative operands, CALL's pushed RIP and pointers into
 * the data windows mean the same thing on both sides.
 *
 * Built with gcc -m64. Reads cases from stdin and writes one result per case to stdout, both
 * as little-endian binary records (sizes in exec64-oracle.ts, which must agree):
 *
 *   case:   u64 regs[16] (RAX..R15, RSP included), u64 rflags, u32 mxcsr, u32 code length,
 *           u8 xmm[16][16], u8 code[CODE_MAX], u8 near[WINDOW], u8 far[WINDOW]
 *   result: u64 regs[16], u64 rflags, u32 mxcsr, u32 fault (0xFFFFFFFF: none; else the
 *           vector the signal stands for), u8 xmm[16][16], u8 near[WINDOW], u8 far[WINDOW]
 *
 * Layout: the case's code at CODE_ADDR, followed by a jump to the epilogue; the data windows
 * at NEAR_ADDR (a sign-extended 32-bit address) and FAR_ADDR (above 4 GiB); the harness's own
 * variables and the prologue/epilogue in a control page at CTRL_ADDR, addressed with absolute
 * disp32 operands. The case must keep its memory accesses inside the windows and RSP inside
 * the near window (the generator guarantees it: base registers it reserves).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define CTRL_ADDR 0x20000000ul
#define CODE_ADDR 0x30000000ul
#define NEAR_ADDR 0x30010000ul
#define FAR_ADDR 0x7e0000000000ul
#define WINDOW 1024
#define CODE_MAX 512
#define CASE_SIZE (16 * 8 + 8 + 4 + 4 + 256 + CODE_MAX + 2 * WINDOW)
#define RESULT_SIZE (16 * 8 + 8 + 4 + 4 + 256 + 2 * WINDOW)
#define NO_FAULT 0xFFFFFFFFu

/* The control page: variables at fixed offsets, then code. */
#define V_IN_REGS 0x000
#define V_IN_FLAGS 0x080
#define V_IN_MXCSR 0x088
#define V_IN_XMM 0x100
#define V_OUT_REGS 0x200
#define V_OUT_FLAGS 0x280
#define V_OUT_MXCSR 0x288
#define V_SAVED_RSP 0x290
#define V_OUT_XMM 0x300
#define PROLOGUE 0x1000
#define EPILOGUE 0x1800

static sigjmp_buf fault_jump;
static volatile sig_atomic_t fault_vector;

static uint8_t *p;
static void b(uint8_t x) { *p++ = x; }
static void d32(uint32_t v) { memcpy(p, &v, 4); p += 4; }
/* An instruction whose ModR/M operand is [disp32] (SIB, no base, no index): modrm reg field r. */
static void abs_op(const uint8_t *pre, int npre, int r, uint32_t addr) {
  for (int i = 0; i < npre; i++) b(pre[i]);
  b((uint8_t)(((r & 7) << 3) | 4));
  b(0x25);
  d32(addr);
}

static void build(void) {
  uint8_t *ctrl = (uint8_t *)CTRL_ADDR;
  p = ctrl + PROLOGUE;
  b(0x53); b(0x55); b(0x41); b(0x54); b(0x41); b(0x55); b(0x41); b(0x56); b(0x41); b(0x57); /* push rbx rbp r12-r15 */
  { uint8_t m[] = { 0x48, 0x89 }; abs_op(m, 2, 4, CTRL_ADDR + V_SAVED_RSP); }                /* mov [saved], rsp */
  /* RFLAGS through a POPFQ whose stack is the input slot (nothing written to the windows). */
  { uint8_t m[] = { 0x48, 0xc7, 0xc4 }; for (int i = 0; i < 3; i++) b(m[i]); d32(CTRL_ADDR + V_IN_FLAGS); } /* mov rsp, imm32 */
  b(0x9d);                                                                                    /* popfq */
  { uint8_t m[] = { 0x0f, 0xae }; abs_op(m, 2, 2, CTRL_ADDR + V_IN_MXCSR); }                 /* ldmxcsr */
  for (int x = 0; x < 16; x++) {                                                              /* movdqu xmmX, [in_xmm + 16X] */
    b(0xf3); if (x >= 8) b(0x44); b(0x0f); b(0x6f);
    b((uint8_t)(((x & 7) << 3) | 4)); b(0x25); d32(CTRL_ADDR + V_IN_XMM + 16 * x);
  }
  for (int r = 0; r < 16; r++) {                                                              /* mov r, [in_regs + 8r] */
    uint8_t m[] = { (uint8_t)(0x48 | (r >= 8 ? 4 : 0)), 0x8b };
    abs_op(m, 2, r, CTRL_ADDR + V_IN_REGS + 8 * r);
  }
  b(0xe9); d32((uint32_t)(CODE_ADDR - (uintptr_t)(p + 4)));                                   /* jmp CODE_ADDR */

  p = ctrl + EPILOGUE;
  for (int r = 0; r < 16; r++) {                                                              /* mov [out_regs + 8r], r */
    uint8_t m[] = { (uint8_t)(0x48 | (r >= 8 ? 4 : 0)), 0x89 };
    abs_op(m, 2, r, CTRL_ADDR + V_OUT_REGS + 8 * r);
  }
  { uint8_t m[] = { 0x48, 0xc7, 0xc4 }; for (int i = 0; i < 3; i++) b(m[i]); d32(CTRL_ADDR + V_OUT_FLAGS + 8); }
  b(0x9c);                                                                                    /* pushfq into out_flags */
  { uint8_t m[] = { 0x0f, 0xae }; abs_op(m, 2, 3, CTRL_ADDR + V_OUT_MXCSR); }                /* stmxcsr */
  for (int x = 0; x < 16; x++) {                                                              /* movdqu [out_xmm + 16X], xmmX */
    b(0xf3); if (x >= 8) b(0x44); b(0x0f); b(0x7f);
    b((uint8_t)(((x & 7) << 3) | 4)); b(0x25); d32(CTRL_ADDR + V_OUT_XMM + 16 * x);
  }
  b(0xfc);                                                                                    /* cld */
  { uint8_t m[] = { 0x48, 0x8b }; abs_op(m, 2, 4, CTRL_ADDR + V_SAVED_RSP); }                /* mov rsp, [saved] */
  { uint32_t mx = 0x1f80; memcpy(ctrl + V_OUT_MXCSR + 4, &mx, 4); }
  { uint8_t m[] = { 0x0f, 0xae }; abs_op(m, 2, 2, CTRL_ADDR + V_OUT_MXCSR + 4); }            /* ldmxcsr: the C default again */
  b(0x41); b(0x5f); b(0x41); b(0x5e); b(0x41); b(0x5d); b(0x41); b(0x5c); b(0x5d); b(0x5b);   /* pop r15-r12 rbp rbx */
  b(0xc3);
}

static void on_fault(int sig, siginfo_t *info, void *ctx) {
  (void)ctx;
  switch (sig) {
    case SIGFPE: fault_vector = (info->si_code == FPE_INTDIV || info->si_code == FPE_INTOVF) ? 0 : 19; break;
    case SIGILL: fault_vector = 6; break;
    case SIGTRAP: fault_vector = 1; break;
    case SIGBUS: fault_vector = 12; break;    /* #SS (Linux sends SIGBUS for it) */
    default: fault_vector = 13; break;        /* #GP and #PF: SIGSEGV */
  }
  siglongjmp(fault_jump, 1);
}

static void *map_fixed(uintptr_t addr, size_t size, int prot) {
  void *m = mmap((void *)addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (m == MAP_FAILED || m != (void *)addr) { fprintf(stderr, "exec64-oracle: cannot map %#lx\n", (unsigned long)addr); return NULL; }
  return m;
}

int main(void) {
  if (!map_fixed(CTRL_ADDR, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC)) return 2;
  if (!map_fixed(CODE_ADDR, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC)) return 2;
  if (!map_fixed(NEAR_ADDR, 0x1000, PROT_READ | PROT_WRITE)) return 2;
  if (!map_fixed(FAR_ADDR, 0x1000, PROT_READ | PROT_WRITE)) return 2;
  build();
  uint8_t *ctrl = (uint8_t *)CTRL_ADDR;

  /* Signals are taken on their own stack: the case's RSP is in the small near window, which
     cannot hold a signal frame (several KiB with the AVX-512 state). */
  static uint8_t alt[1 << 16];
  stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
  if (sigaltstack(&ss, NULL) != 0) { perror("exec64-oracle: sigaltstack"); return 2; }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);

  static uint8_t in[CASE_SIZE], out[RESULT_SIZE];
  static char ibuf[1 << 16], obuf[1 << 16];
  setvbuf(stdin, ibuf, _IOFBF, sizeof ibuf);
  setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
  void (*enter)(void) = (void (*)(void))(CTRL_ADDR + PROLOGUE);

  while (fread(in, 1, CASE_SIZE, stdin) == CASE_SIZE) {
    size_t o = 0;
    memcpy(ctrl + V_IN_REGS, in + o, 128); o += 128;
    uint64_t flags; memcpy(&flags, in + o, 8); o += 8;
    /* Status flags and DF only: TF would trap, AC and the rest are not the case's. */
    flags = (flags & 0xcd5u) | 2u;
    memcpy(ctrl + V_IN_FLAGS, &flags, 8);
    memcpy(ctrl + V_IN_MXCSR, in + o, 4); o += 4;
    uint32_t len; memcpy(&len, in + o, 4); o += 4;
    if (len > CODE_MAX - 5) { fprintf(stderr, "exec64-oracle: code too long (%u)\n", len); return 2; }
    memcpy(ctrl + V_IN_XMM, in + o, 256); o += 256;
    uint8_t *code = (uint8_t *)CODE_ADDR;
    memcpy(code, in + o, len); o += CODE_MAX;
    code[len] = 0xe9;                                                                         /* jmp epilogue */
    uint32_t rel = (uint32_t)((CTRL_ADDR + EPILOGUE) - (CODE_ADDR + len + 5));
    memcpy(code + len + 1, &rel, 4);
    memcpy((void *)NEAR_ADDR, in + o, WINDOW); o += WINDOW;
    memcpy((void *)FAR_ADDR, in + o, WINDOW);

    uint32_t fault = NO_FAULT;
    if (sigsetjmp(fault_jump, 1) == 0) enter();
    else fault = (uint32_t)fault_vector;

    o = 0;
    if (fault == NO_FAULT) {
      memcpy(out + o, ctrl + V_OUT_REGS, 128); o += 128;
      memcpy(out + o, ctrl + V_OUT_FLAGS, 8); o += 8;
      memcpy(out + o, ctrl + V_OUT_MXCSR, 4); o += 4;
    } else {
      memset(out, 0, 140); o = 140;
    }
    memcpy(out + o, &fault, 4); o += 4;
    if (fault == NO_FAULT) memcpy(out + o, ctrl + V_OUT_XMM, 256); else memset(out + o, 0, 256);
    o += 256;
    memcpy(out + o, (void *)NEAR_ADDR, WINDOW); o += WINDOW;
    memcpy(out + o, (void *)FAR_ADDR, WINDOW);
    if (fwrite(out, 1, RESULT_SIZE, stdout) != RESULT_SIZE) { perror("exec64-oracle: write"); return 2; }
  }
  fflush(stdout);
  return 0;
}
