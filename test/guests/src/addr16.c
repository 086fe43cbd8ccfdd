/* The address-size prefix (0x67) in 32-bit code: string instructions counting with CX and
   walking SI/DI (wrapping at 64 KiB), LOOP with CX, JCXZ, and 16-bit ModRM addressing
   forms ([bx+si], [bp+di+disp], wrap-around of the effective address); the operand-size
   prefix (0x66) on PUSH/POP and string instructions. Data lives below 64 KiB, at 0x9000. */
#include "lib.h"

static volatile u8 *const low = (volatile u8 *)0x9000;

static u32 sum(u32 len) { u32 h = 0x811C9DC5; for (u32 i = 0; i < len; i++) h = (h ^ low[i]) * 0x01000193; return h; }
static void fill(void) { for (u32 i = 0; i < 0x200; i++) low[i] = (u8)(i * 13 + 1); }

void kmain(void) {
  u32 esi, edi, ecx, eax, f;

  /* REP MOVSB with 0x67: counts CX, the upper half of ECX survives. */
  fill();
  esi = 0xABCD9000; edi = 0x12349100; ecx = 0x55550010;
  __asm__ volatile("cld\n\t.byte 0x67\n\trep movsb" : "+S"(esi), "+D"(edi), "+c"(ecx) :: "memory");
  printf("a16 rep movsb: esi=%08x edi=%08x ecx=%08x sum=%08x\n", esi, edi, ecx, sum(0x200));

  /* SI wraps from FFFF to 0000 (DS base 0: reads 0xFFFF then 0x0000...). */
  fill();
  *(volatile u8 *)0xFFFF = 0x77;
  u8 first0 = *(volatile u8 *)0x0000, first1 = *(volatile u8 *)0x0001;
  esi = 0x0000FFFF; edi = 0x9100; ecx = 3;
  __asm__ volatile("cld\n\t.byte 0x67\n\trep movsb" : "+S"(esi), "+D"(edi), "+c"(ecx) :: "memory");
  printf("a16 si wrap: esi=%08x edi=%08x bytes %02x %s %s\n", esi, edi, low[0x100],
         low[0x101] == first0 ? "=[0]" : "!=[0]", low[0x102] == first1 ? "=[1]" : "!=[1]");

  /* STOSW backwards across DI=0: DI wraps to FFFE. */
  fill();
  edi = 0x00000002; ecx = 0x00000003; eax = 0xBEEF;
  u16 save[3] = { *(volatile u16 *)0x0002, *(volatile u16 *)0x0000, *(volatile u16 *)0xFFFE };
  __asm__ volatile("std\n\t.byte 0x67\n\trep stosw\n\tcld" : "+D"(edi), "+c"(ecx) : "a"(eax) : "memory");
  printf("a16 stosw back: edi=%08x ecx=%08x words %04x %04x %04x\n", edi, ecx,
         *(volatile u16 *)0x0002, *(volatile u16 *)0x0000, *(volatile u16 *)0xFFFE);
  *(volatile u16 *)0x0002 = save[0]; *(volatile u16 *)0x0000 = save[1]; *(volatile u16 *)0xFFFE = save[2];

  /* REPE CMPSB with 0x67 stopping at a difference. */
  fill();
  for (u32 i = 0; i < 0x40; i++) low[0x100 + i] = low[i];
  low[0x100 + 0x21] ^= 0xFF;
  esi = 0xFFFF9000; edi = 0xFFFF9100; ecx = 0xFFFF0040;
  __asm__ volatile("cld\n\t.byte 0x67\n\trepe cmpsb\n\tpushfl\n\tpopl %3" : "+S"(esi), "+D"(edi), "+c"(ecx), "=r"(f) :: "memory", "cc");
  printf("a16 repe cmpsb: esi=%08x edi=%08x ecx=%08x zf=%x cf=%x\n", esi, edi, ecx, !!(f & F_ZF), !!(f & F_CF));

  /* REPNE SCASB with 0x67. */
  edi = 0x77779000; ecx = 0x88880100;
  __asm__ volatile("cld\n\t.byte 0x67\n\trepne scasb" : "+D"(edi), "+c"(ecx) : "a"(low[0x42]) : "memory", "cc");
  printf("a16 repne scasb: edi=%08x ecx=%08x\n", edi, ecx);

  /* LODSD with 0x67 and 0x66 LODSW. */
  esi = 0xFFFF9004;
  __asm__ volatile("cld\n\t.byte 0x67\n\tlodsl" : "=a"(eax), "+S"(esi) :: "memory");
  printf("a16 lodsd: eax=%08x esi=%08x\n", eax, esi);

  /* LOOP and JCXZ with 0x67 use CX. */
  ecx = 0x00010003; eax = 0;
  __asm__ volatile("1:\n\tincl %0\n\t.byte 0x67\n\tloop 1b" : "+r"(eax), "+c"(ecx));
  printf("a16 loop: iterations=%u ecx=%08x\n", eax, ecx);
  ecx = 0x00010000; eax = 0;
  __asm__ volatile(".byte 0x67\n\tjcxz 1f\n\tmovl $1, %0\n1:" : "+r"(eax) : "c"(ecx));
  printf("a16 jcxz with cx=0 ecx=10000: %s\n", eax ? "not taken" : "taken");
  ecx = 0x00010000; eax = 0;
  __asm__ volatile("jecxz 1f\n\tmovl $1, %0\n1:" : "+r"(eax) : "c"(ecx));
  printf("jecxz with ecx=10000: %s\n", eax ? "not taken" : "taken");

  /* 16-bit ModRM forms: [bx+si], [bx+di+disp8], [bp+si] (SS), [di+disp16], wrap. */
  fill();
  u32 r1, r2, r3, r4, r5;
  __asm__ volatile(
    "movl $0x9000, %%ebx\n\tmovl $0x10, %%esi\n\tmovl $0x20, %%edi\n\t"
    ".byte 0x67, 0x8B, 0x00\n\t"                 /* mov eax, [bx+si] */
    "movl %%eax, %0\n\t"
    ".byte 0x67, 0x8B, 0x41, 0x05\n\t"           /* mov eax, [bx+di+5] */
    "movl %%eax, %1\n\t"
    "pushl %%ebp\n\tmovl $0x8FF0, %%ebp\n\t"
    ".byte 0x67, 0x8B, 0x02\n\t"                 /* mov eax, [bp+si] (ss) */
    "popl %%ebp\n\tmovl %%eax, %2\n\t"
    ".byte 0x67, 0x8B, 0x85, 0x00, 0x90\n\t"     /* mov eax, [di+0x9000] */
    "movl %%eax, %3\n\t"
    "movl $0xFFF0, %%ebx\n\tmovl $0x9020, %%esi\n\t"
    ".byte 0x67, 0x8B, 0x00\n\t"                 /* mov eax, [bx+si]: 0xFFF0+0x9020 wraps to 0x9010 */
    "movl %%eax, %4"
    : "=m"(r1), "=m"(r2), "=m"(r3), "=m"(r4), "=m"(r5) :: "eax", "ebx", "esi", "edi", "memory");
  printf("a16 modrm: [bx+si]=%08x [bx+di+5]=%08x [bp+si]=%08x [di+9000]=%08x wrap=%08x\n", r1, r2, r3, r4, r5);
  u32 lea1, lea2;
  __asm__ volatile("movl $0xFFFF, %%ebx\n\tmovl $0x0003, %%esi\n\t.byte 0x67, 0x8D, 0x00\n\tmovl %%eax, %0\n\t"
                   "movl $0x12345678, %%ebx\n\t.byte 0x67, 0x8D, 0x47, 0xF0\n\tmovl %%eax, %1"
                   : "=m"(lea1), "=m"(lea2) :: "eax", "ebx", "esi", "memory");
  printf("a16 lea [bx+si]=%08x lea [bx-16]=%08x\n", lea1, lea2);

  /* 0x66 PUSH/POP move 2 bytes; PUSHW of a segment register. */
  u32 e0, e1, e2, v;
  __asm__ volatile("movl %%esp, %0\n\tpushw $0x1234\n\tmovl %%esp, %1\n\tpopw %%ax\n\tmovzwl %%ax, %%eax\n\tmovl %%eax, %3\n\t"
                   "pushw %%ds\n\tmovl %%esp, %2\n\taddl $2, %%esp"
                   : "=&r"(e0), "=&r"(e1), "=&r"(e2), "=m"(v) :: "eax", "memory");
  printf("o16 push: esp-2=%x popped=%04x push ds esp-2=%x\n", e0 - e1, v, e0 - e2);
  __asm__ volatile("movl %%esp, %0\n\tpushl %%ds\n\tmovl %%esp, %1\n\tpopl %%eax" : "=&r"(e0), "=&r"(e1) :: "eax", "memory");
  printf("push ds (32-bit) moves esp by %x\n", e0 - e1);
  exit_guest(0);
}
