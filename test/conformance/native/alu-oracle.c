/*
 * The host CPU as the reference for integer instruction semantics.
 *
 * Built as a 32-bit program (gcc -m32) so that every 32-bit opcode, including the BCD
 * instructions a 64-bit CPU no longer accepts in long mode, runs natively. It reads cases
 * from stdin and writes one result per case to stdout, both as little-endian binary records:
 *
 *   case   (180 bytes): u32 regs[8] (EAX ECX EDX EBX ESP EBP ESI EDI; ESP is ignored),
 *                       u32 eflags, u8 length, u8 bytes[15], u8 window[128]
 *   result (168 bytes): u32 regs[8] (ESP reported as 0), u32 eflags, u32 fault
 *                       (0xFFFFFFFF = none, else the exception vector the signal stands for),
 *                       u8 window[128]
 *
 * The window is memory at WINDOW_ADDR, mapped at that fixed address so that memory operands
 * use the very addresses the emulated guest uses.
 *
 * The instruction bytes are placed between a prologue that loads the registers and flags
 * and an epilogue that stores them, in an executable page, and called. The instruction must
 * not touch ESP, and memory only inside the window.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define WINDOW_ADDR 0x807c0u
#define WINDOW_SIZE 128
#define CASE_SIZE (52 + WINDOW_SIZE)
#define RESULT_SIZE (40 + WINDOW_SIZE)
#define NO_FAULT 0xFFFFFFFFu

static uint32_t in_regs[8], in_flags;
static uint32_t out_regs[8], out_flags;
static uint32_t saved_esp;
static sigjmp_buf fault_jump;
static volatile sig_atomic_t fault_vector;

static uint8_t *code;
static size_t body_offset;

static uint8_t *emit8(uint8_t *p, uint8_t b) { *p++ = b; return p; }
static uint8_t *emit32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); return p + 4; }
static uint8_t *emit_mem(uint8_t *p, uint8_t op, uint8_t modrm, void *addr) {
  p = emit8(p, op);
  p = emit8(p, modrm);
  return emit32(p, (uint32_t)(uintptr_t)addr);
}

/* ModRM bytes for [disp32] with reg = ECX..EDI (EAX uses the short A1/A3 forms). */
static const uint8_t reg_modrm[8] = { 0x05, 0x0D, 0x15, 0x1D, 0x25, 0x2D, 0x35, 0x3D };

static void build_prologue(void) {
  uint8_t *p = code;
  p = emit8(p, 0x55); p = emit8(p, 0x53); p = emit8(p, 0x56); p = emit8(p, 0x57); /* push ebp ebx esi edi */
  p = emit_mem(p, 0x89, reg_modrm[4], &saved_esp);                               /* mov [saved_esp], esp */
  p = emit_mem(p, 0xFF, 0x35, &in_flags);                                         /* push dword [in_flags] */
  p = emit8(p, 0x9D);                                                             /* popfd */
  p = emit8(p, 0xA1); p = emit32(p, (uint32_t)(uintptr_t)&in_regs[0]);            /* mov eax, [..] */
  for (int r = 1; r < 8; r++) if (r != 4) p = emit_mem(p, 0x8B, reg_modrm[r], &in_regs[r]);
  body_offset = (size_t)(p - code);
}

static void build_case(const uint8_t *bytes, unsigned length) {
  uint8_t *p = code + body_offset;
  memcpy(p, bytes, length);
  p += length;
  p = emit8(p, 0x9C);                                                             /* pushfd */
  p = emit_mem(p, 0x8F, 0x05, &out_flags);                                        /* pop dword [out_flags] */
  p = emit8(p, 0xFC);                                                             /* cld: the C ABI needs DF=0 */
  p = emit8(p, 0xA3); p = emit32(p, (uint32_t)(uintptr_t)&out_regs[0]);           /* mov [..], eax */
  for (int r = 1; r < 8; r++) if (r != 4) p = emit_mem(p, 0x89, reg_modrm[r], &out_regs[r]);
  p = emit_mem(p, 0x8B, reg_modrm[4], &saved_esp);                               /* mov esp, [saved_esp] */
  p = emit8(p, 0x5F); p = emit8(p, 0x5E); p = emit8(p, 0x5B); p = emit8(p, 0x5D); /* pop edi esi ebx ebp */
  p = emit8(p, 0xC3);
}

static void on_fault(int sig, siginfo_t *info, void *ctx) {
  (void)info; (void)ctx;
  switch (sig) {
    case SIGFPE: fault_vector = 0; break;    /* #DE */
    case SIGILL: fault_vector = 6; break;    /* #UD */
    case SIGTRAP: fault_vector = 1; break;
    case SIGBUS: fault_vector = 17; break;   /* #AC */
    default: fault_vector = 13; break;       /* #GP / #PF: SIGSEGV */
  }
  siglongjmp(fault_jump, 1);
}

int main(void) {
  code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) { perror("alu-oracle: mmap"); return 2; }
  build_prologue();
  uint8_t *page = mmap((void *)(WINDOW_ADDR & ~0xfffu), 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (page == MAP_FAILED || page != (uint8_t *)(WINDOW_ADDR & ~0xfffu)) { perror("alu-oracle: mmap window"); return 2; }
  uint8_t *window = (uint8_t *)WINDOW_ADDR;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);

  static uint8_t in_buf[CASE_SIZE], out_buf[RESULT_SIZE];
  static char stdin_buf[1 << 16], stdout_buf[1 << 16];
  setvbuf(stdin, stdin_buf, _IOFBF, sizeof stdin_buf);
  setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);

  while (fread(in_buf, 1, CASE_SIZE, stdin) == CASE_SIZE) {
    memcpy(in_regs, in_buf, 32);
    memcpy(&in_flags, in_buf + 32, 4);
    unsigned length = in_buf[36];
    if (length == 0 || length > 15) { fprintf(stderr, "alu-oracle: bad instruction length %u\n", length); return 2; }
    /* Only the status flags and DF come from the case: TF would trap, AC is not ours. The
       epilogue clears DF again before C code runs. */
    in_flags = (in_flags & 0xCD5u) | 0x2u;
    build_case(in_buf + 37, length);
    memcpy(window, in_buf + 52, WINDOW_SIZE);

    uint32_t fault = NO_FAULT;
    if (sigsetjmp(fault_jump, 1) == 0) {
      ((void (*)(void))code)();
    } else {
      fault = (uint32_t)fault_vector;
      memset(out_regs, 0, sizeof out_regs);
      out_flags = 0;
    }
    out_regs[4] = 0;
    memcpy(out_buf, out_regs, 32);
    memcpy(out_buf + 32, &out_flags, 4);
    memcpy(out_buf + 36, &fault, 4);
    memcpy(out_buf + 40, window, WINDOW_SIZE);
    if (fwrite(out_buf, 1, RESULT_SIZE, stdout) != RESULT_SIZE) { perror("alu-oracle: write"); return 2; }
  }
  fflush(stdout);
  return 0;
}
