/* REP MOVS/STOS/LODS/CMPS/SCAS in byte/word/dword sizes, forwards and with DF=1,
   overlapping copies, zero counts and early REPE/REPNE termination: buffer contents,
   ESI/EDI/ECX afterwards (as offsets from the buffers) and the flags. */
#include "ops.h"

static u8 src[128], dst[128];

static void fill(void) {
  for (u32 i = 0; i < 128; i++) { src[i] = (u8)(i * 7 + 3); dst[i] = (u8)(0xA0 ^ i); }
}
static u32 sum(const u8 *p) { u32 h = 0x811C9DC5; for (u32 i = 0; i < 128; i++) h = (h ^ p[i]) * 0x01000193; return h; }

#define STR_OP(label, setup_df, insn, S, D, C, A)                                          \
  do {                                                                                     \
    u32 s_ = (u32)(S), d_ = (u32)(D), c_ = (C), a_ = (A), f_;                               \
    __asm__ volatile("pushl $2\n\tpopfl\n\t" setup_df "\n\t" insn "\n\tpushfl\n\tpopl %4\n\tcld"                   \
                     : "+S"(s_), "+D"(d_), "+c"(c_), "+a"(a_), "=&r"(f_) :: "cc", "memory"); \
    printf("%s: esi=%d edi=%d ecx=%x eax=%08x fl=", label, (s32)(s_ - (u32)src),           \
           (s32)(d_ - (u32)dst), c_, a_);                                                  \
    print_flags(f_, F_ARITH);                                                              \
    printf(" src=%08x dst=%08x\n", sum(src), sum(dst));                                    \
  } while (0)

void kmain(void) {
  fill(); STR_OP("rep movsb fwd", "cld", "rep movsb", src, dst, 37, 0);
  fill(); STR_OP("rep movsw fwd", "cld", "rep movsw", src + 1, dst + 3, 20, 0);
  fill(); STR_OP("rep movsd fwd", "cld", "rep movsl", src, dst, 9, 0);
  fill(); STR_OP("rep movsb back", "std", "rep movsb", src + 99, dst + 99, 40, 0);
  fill(); STR_OP("rep movsd back", "std", "rep movsl", src + 96, dst + 100, 10, 0);
  fill(); STR_OP("rep movsb ecx0", "cld", "rep movsb", src, dst, 0, 0);
  fill(); STR_OP("movsb overlap fwd", "cld", "rep movsb", dst, dst + 5, 30, 0);
  fill(); STR_OP("movsb overlap back", "std", "rep movsb", dst + 40, dst + 45, 30, 0);
  fill(); STR_OP("rep stosb", "cld", "rep stosb", src, dst + 2, 50, 0x5A);
  fill(); STR_OP("rep stosw back", "std", "rep stosw", src, dst + 60, 11, 0xBEEF1234);
  fill(); STR_OP("rep stosd", "cld", "rep stosl", src, dst + 1, 7, 0xCAFEF00D);
  fill(); STR_OP("lodsb", "cld", "lodsb", src + 10, dst, 0, 0xFFFFFFFF);
  fill(); STR_OP("lodsw back", "std", "lodsw", src + 10, dst, 0, 0xFFFFFFFF);
  fill(); STR_OP("lodsd", "cld", "lodsl", src + 10, dst, 0, 0xFFFFFFFF);
  fill(); STR_OP("rep lodsb", "cld", "rep lodsb", src, dst, 5, 0);
  fill(); memcpy(dst, src, 128); dst[20] = 0;
  STR_OP("repe cmpsb mismatch", "cld", "repe cmpsb", src, dst, 100, 0);
  STR_OP("repe cmpsb equal", "cld", "repe cmpsb", src, dst, 20, 0);
  STR_OP("repe cmpsd", "cld", "repe cmpsl", src, dst, 25, 0);
  STR_OP("repne cmpsb", "cld", "repne cmpsb", src + 1, dst, 50, 0);
  STR_OP("repe cmpsw back", "std", "repe cmpsw", src + 40, dst + 40, 30, 0);
  STR_OP("cmpsb single", "cld", "cmpsb", src + 20, dst + 20, 0, 0);
  fill();
  STR_OP("repne scasb found", "cld", "repne scasb", src, dst, 128, dst[77]);
  STR_OP("repne scasb none", "cld", "repne scasb", src, dst, 50, 0x01);
  STR_OP("repe scasb", "cld", "repe scasb", src, dst, 10, dst[0]);
  STR_OP("repne scasw back", "std", "repne scasw", src, dst + 100, 50, dst[40] | (dst[41] << 8));
  STR_OP("repne scasd", "cld", "repne scasl", src, dst, 32, 0x12345678);
  STR_OP("repne scasb ecx0", "cld", "repne scasb", src, dst, 0, 0);
  exit_guest(0);
}
