/*
 * The host CPU as the reference for SSE instruction semantics (gcc -m32). Like alu-oracle.c,
 * but each case also carries XMM0-XMM7 and MXCSR, loaded before the instruction and stored
 * after it:
 *
 *   case   (312 bytes): u8 xmm[8][16], u32 mxcsr, u32 regs[8] (ESP ignored), u32 eflags,
 *                       u8 length, u8 bytes[15], u8 window[128]
 *   result (300 bytes): u8 xmm[8][16], u32 mxcsr, u32 regs[8] (ESP as 0), u32 eflags,
 *                       u32 fault (0xFFFFFFFF none, 19 #XM, 6 #UD, 13 #GP/#PF), u8 window[128]
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
#define CASE_SIZE (128 + 4 + 32 + 4 + 16 + WINDOW_SIZE)
#define RESULT_SIZE (128 + 4 + 32 + 4 + 4 + WINDOW_SIZE)
#define NO_FAULT 0xFFFFFFFFu

static uint8_t in_xmm[128] __attribute__((aligned(16))), out_xmm[128] __attribute__((aligned(16)));
static uint32_t in_mxcsr, out_mxcsr;
static uint32_t in_regs[8], in_flags, out_regs[8], out_flags, saved_esp;
static sigjmp_buf fault_jump;
static volatile sig_atomic_t fault_vector;
static uint8_t *code;
static size_t body_offset;

static uint8_t *emit8(uint8_t *p, uint8_t b) { *p++ = b; return p; }
static uint8_t *emit32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); return p + 4; }
static uint8_t *emit_mem(uint8_t *p, uint8_t op, uint8_t modrm, void *addr) {
  p = emit8(p, op); p = emit8(p, modrm); return emit32(p, (uint32_t)(uintptr_t)addr);
}
static uint8_t *emit_0f_mem(uint8_t *p, uint8_t op, uint8_t modrm, void *addr) {
  p = emit8(p, 0x0F); return emit_mem(p, op, modrm, addr);
}
static const uint8_t reg_modrm[8] = { 0x05, 0x0D, 0x15, 0x1D, 0x25, 0x2D, 0x35, 0x3D };

static void build_prologue(void) {
  uint8_t *p = code;
  p = emit8(p, 0x55); p = emit8(p, 0x53); p = emit8(p, 0x56); p = emit8(p, 0x57);
  p = emit_mem(p, 0x89, reg_modrm[4], &saved_esp);
  for (int i = 0; i < 8; i++) p = emit_0f_mem(p, 0x10, reg_modrm[i], &in_xmm[i * 16]);   /* movups xmmi, [in_xmm+16i] */
  p = emit_0f_mem(p, 0xAE, 0x15, &in_mxcsr);                                              /* ldmxcsr [in_mxcsr] */
  p = emit_mem(p, 0xFF, 0x35, &in_flags);
  p = emit8(p, 0x9D);
  p = emit8(p, 0xA1); p = emit32(p, (uint32_t)(uintptr_t)&in_regs[0]);
  for (int r = 1; r < 8; r++) if (r != 4) p = emit_mem(p, 0x8B, reg_modrm[r], &in_regs[r]);
  body_offset = (size_t)(p - code);
}

static void build_case(const uint8_t *bytes, unsigned length) {
  uint8_t *p = code + body_offset;
  memcpy(p, bytes, length);
  p += length;
  p = emit8(p, 0x9C);
  p = emit_mem(p, 0x8F, 0x05, &out_flags);
  p = emit8(p, 0xFC);
  p = emit8(p, 0xA3); p = emit32(p, (uint32_t)(uintptr_t)&out_regs[0]);
  for (int r = 1; r < 8; r++) if (r != 4) p = emit_mem(p, 0x89, reg_modrm[r], &out_regs[r]);
  p = emit_0f_mem(p, 0xAE, 0x1D, &out_mxcsr);                                             /* stmxcsr [out_mxcsr] */
  for (int i = 0; i < 8; i++) p = emit_0f_mem(p, 0x11, reg_modrm[i], &out_xmm[i * 16]);  /* movups [out_xmm+16i], xmmi */
  p = emit_mem(p, 0x8B, reg_modrm[4], &saved_esp);
  p = emit8(p, 0x5F); p = emit8(p, 0x5E); p = emit8(p, 0x5B); p = emit8(p, 0x5D);
  p = emit8(p, 0xC3);
}

static void on_fault(int sig, siginfo_t *info, void *ctx) {
  (void)info; (void)ctx;
  fault_vector = sig == SIGFPE ? 19 : sig == SIGILL ? 6 : 13;
  siglongjmp(fault_jump, 1);
}

int main(void) {
  code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) { perror("sse-oracle: mmap"); return 2; }
  build_prologue();
  uint8_t *page = mmap((void *)(WINDOW_ADDR & ~0xfffu), 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (page == MAP_FAILED || page != (uint8_t *)(WINDOW_ADDR & ~0xfffu)) { perror("sse-oracle: mmap window"); return 2; }
  uint8_t *window = (uint8_t *)WINDOW_ADDR;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  static uint8_t in_buf[CASE_SIZE], out_buf[RESULT_SIZE];
  static char stdin_buf[1 << 16], stdout_buf[1 << 16];
  setvbuf(stdin, stdin_buf, _IOFBF, sizeof stdin_buf);
  setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
  while (fread(in_buf, 1, CASE_SIZE, stdin) == CASE_SIZE) {
    memcpy(in_xmm, in_buf, 128);
    memcpy(&in_mxcsr, in_buf + 128, 4);
    memcpy(in_regs, in_buf + 132, 32);
    memcpy(&in_flags, in_buf + 164, 4);
    unsigned length = in_buf[168];
    if (length == 0 || length > 15) { fprintf(stderr, "sse-oracle: bad instruction length %u\n", length); return 2; }
    in_flags = (in_flags & 0x8D5u) | 0x2u;
    build_case(in_buf + 169, length);
    memcpy(window, in_buf + 184, WINDOW_SIZE);
    uint32_t fault = NO_FAULT;
    if (sigsetjmp(fault_jump, 1) == 0) {
      ((void (*)(void))code)();
    } else {
      fault = (uint32_t)fault_vector;
      memset(out_regs, 0, sizeof out_regs); memset(out_xmm, 0, sizeof out_xmm);
      out_flags = 0; out_mxcsr = 0;
    }
    out_regs[4] = 0;
    memcpy(out_buf, out_xmm, 128);
    memcpy(out_buf + 128, &out_mxcsr, 4);
    memcpy(out_buf + 132, out_regs, 32);
    memcpy(out_buf + 164, &out_flags, 4);
    memcpy(out_buf + 168, &fault, 4);
    memcpy(out_buf + 172, window, WINDOW_SIZE);
    if (fwrite(out_buf, 1, RESULT_SIZE, stdout) != RESULT_SIZE) { perror("sse-oracle: write"); return 2; }
  }
  fflush(stdout);
  return 0;
}
