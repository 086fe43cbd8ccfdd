/* A boot-like mix: many short-lived code pages. Each trip writes 64 pages of generated
 * straight-line code (add/xor/rotate on eax with fresh immediates, as a loader relocating
 * and patching code would leave it), calls each a few times, checksums the bytes it wrote,
 * and writes over the same pages the next trip, so every page's old code must be dropped. */
#include "real.h"

#define PAGES 64u
#define OPS 160u
#define CALLS 4u

static u32 x = 2654435769u;

static u32 next(void) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; return x; }

static u32 emit(u8 *p) {
  u8 *start = p;
#ifdef __x86_64__
  *p++ = 0x89; *p++ = 0xF8;                                        /* mov eax, edi */
#else
  *p++ = 0x8B; *p++ = 0x44; *p++ = 0x24; *p++ = 0x04;            /* mov eax, [esp+4] */
#endif
  for (u32 i = 0; i < OPS; i++) {
    u32 r = next();
    switch (r & 3) {
      case 0: *p++ = 0x05; break;                                  /* add eax, imm32 */
      case 1: *p++ = 0x35; break;                                  /* xor eax, imm32 */
      case 2: *p++ = 0x2D; break;                                  /* sub eax, imm32 */
      default: *p++ = 0xC1; *p++ = 0xC0; *p++ = (u8)(1 + (r >> 8) % 31); continue; /* rol eax, n */
    }
    u32 imm = next();
    p[0] = (u8)imm; p[1] = (u8)(imm >> 8); p[2] = (u8)(imm >> 16); p[3] = (u8)(imm >> 24);
    p += 4;
  }
  *p++ = 0xC3;                                                     /* ret */
  return (u32)(p - start);
}

void workload_setup(void) {}

u32 workload_run(u32 trips) {
  u32 sum = 0;
  for (u32 t = 0; t < trips; t++) {
    for (u32 pg = 0; pg < PAGES; pg++) {
      u8 *code = (u8 *)(uptr)(CODE_BASE + pg * 4096u);
      u32 len = emit(code);
      u32 (*fn)(u32) = (u32 (*)(u32))code;
      for (u32 c = 0; c < CALLS; c++) sum = fn(sum + c);
      for (u32 i = 0; i < len; i++) sum += code[i];
    }
  }
  return sum;
}
