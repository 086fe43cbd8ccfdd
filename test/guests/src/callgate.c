/* Far CALL through call gates: to ring 0 from ring 3 with parameter copying and the TSS
   stack switch, RETF n back (segment registers nulled), a direct far call to conforming
   code (no privilege change), a gate to conforming code at ring 0 (from ring 3, QEMU's TCG
   wrongly moves to the segment's DPL, so that case is left out), the #GP/#NP error codes for
   DPL violations and absent gates, and a same-privilege gate call at ring 0. */
#include "lib.h"

enum { G_UP = GDT_FREE, G_DPL0, G_CONF_GATE, G_NP, G_CONF, G_K16 };
#define SEL(i) ((i) << 3)

static volatile u32 g_cs, g_ss, g_esp_off, g_p0, g_p1, g_oldesp_off, g_oldss, g_retcs;
static volatile u32 c_cs, c_ss;
static volatile u32 u_ds_after, u_ret, u_esp_delta, k_same_cs, k_same_esp_delta;

/* Ring 0 target: record what the gate did, load a ring 0 DS, return popping 2 params. */
__asm__(
  ".text\n"
  "gate_target:\n\t"
  "movl %cs, %eax\n\tmovl %eax, g_cs\n\tmovl %ss, %eax\n\tmovl %eax, g_ss\n\t"
  "movl tss+4, %eax\n\tsubl %esp, %eax\n\tmovl %eax, g_esp_off\n\t"
  "movl 8(%esp), %eax\n\tmovl %eax, g_p0\n\tmovl 12(%esp), %eax\n\tmovl %eax, g_p1\n\t"
  "movl $user_stack+8192, %eax\n\tsubl 16(%esp), %eax\n\tmovl %eax, g_oldesp_off\n\t"
  "movl 20(%esp), %eax\n\tmovl %eax, g_oldss\n\tmovl 4(%esp), %eax\n\tmovl %eax, g_retcs\n\t"
  "movw $0x10, %ax\n\tmovw %ax, %ds\n\tmovw %ax, %es\n\t"
  "movl $0x1234ABCD, %eax\n\t"
  "lret $8\n"
  "conf_target:\n\t"
  "pushl %eax\n\tmovl %cs, %eax\n\tmovl %eax, c_cs\n\tmovl %ss, %eax\n\tmovl %eax, c_ss\n\tpopl %eax\n\tlret\n"
  "same_target:\n\t"
  "pushl %eax\n\tmovl %cs, %eax\n\tmovl %eax, k_same_cs\n\tpopl %eax\n\tlret\n");
extern char gate_target[], conf_target[], same_target[];

#define NREC 32
static struct { const char *name; u32 count, vector, err; } recs[NREC];
static volatile u32 nrec;
static void rec(const char *name) {
  recs[nrec].name = name; recs[nrec].count = last_trap.count; recs[nrec].vector = last_trap.vector;
  recs[nrec].err = last_trap.err; nrec++;
}
#define UCASE(name, code, ...) do { trap_clear(); TRY(code, __VA_ARGS__); rec(name); } while (0)

static void user_main(void) {
  u32 r, ds, e0, e1;
  /* The return nulls DS and ES (they held ring 0 selectors): reload them before any
     memory access through DS. */
  __asm__ volatile("movl %%esp, %2\n\tpushl $0x2222\n\tpushl $0x1111\n\tlcall %4, $0\n\tmovl %%esp, %3\n\tmovl %%ds, %1\n\t"
                   "pushl $0x23\n\tpopl %%ds\n\tpushl $0x23\n\tpopl %%es"
                   : "=a"(r), "=r"(ds), "=&r"(e0), "=&r"(e1) : "i"(SEL(G_UP) | 3) : "memory");
  u_ret = r; u_ds_after = ds; u_esp_delta = e0 - e1;
  UCASE("call conforming code directly", "lcall %0, $conf_target", : "i"(SEL(G_CONF) | 3) : "memory");
  UCASE("call dpl0 gate", "lcall %0, $0", : "i"(SEL(G_DPL0) | 3) : "memory");
  UCASE("call absent gate", "lcall %0, $0", : "i"(SEL(G_NP) | 3) : "memory");
  UCASE("call ring 0 code directly", "lcall $0x08, $same_target", : : "memory");
  UCASE("jmp through ring 0 gate", "ljmp %0, $0", : "i"(SEL(G_UP) | 3) : "memory");
  USER_RETURN();
}

void kmain(void) {
  gdt_set_gate(G_UP, KCODE, (u32)gate_target, 0xEC, 2);       /* 32-bit call gate, DPL 3, 2 params */
  gdt_set_gate(G_DPL0, KCODE, (u32)gate_target, 0x8C, 2);
  gdt_set(G_CONF, 0, 0xFFFFF, 0x9F, 0xC0);                       /* conforming, DPL 0 */
  gdt_set_gate(G_CONF_GATE, SEL(G_CONF), (u32)conf_target, 0xEC, 0);
  gdt_set_gate(G_NP, KCODE, (u32)gate_target, 0x6C, 0);         /* DPL 3, not present */
  enter_user(user_main, USER_STACK_TOP);
  printf("gate: cs=%x ss=%x esp=esp0-%x params %x %x old esp=top-%x old ss=%x ret cs=%x\n",
         g_cs, g_ss, g_esp_off, g_p0, g_p1, g_oldesp_off, g_oldss, g_retcs);
  printf("after retf 8: eax=%x ds=%x esp restored=%x\n", u_ret, u_ds_after, u_esp_delta);
  printf("conforming, direct from ring 3: cs=%x ss=%x\n", c_cs, c_ss);
  for (u32 i = 0; i < nrec; i++) {
    if (!recs[i].count) printf("%s: no fault\n", recs[i].name);
    else printf("%s: vec=%02x err=%04x\n", recs[i].name, recs[i].vector, recs[i].err);
  }
  /* Same privilege: a ring 0 call through a DPL 0 gate keeps the stack. */
  u32 e0, e1;
  __asm__ volatile("movl %%esp, %0\n\tlcall %2, $0\n\tmovl %%esp, %1" : "=&r"(e0), "=&r"(e1) : "i"(SEL(G_CONF_GATE)) : "memory");
  printf("ring 0 call to conforming gate: cs=%x esp delta=%x\n", c_cs, e0 - e1);
  gdt_set_gate(G_DPL0, KCODE, (u32)same_target, 0x8C, 0);
  __asm__ volatile("lcall %0, $0" :: "i"(SEL(G_DPL0)) : "memory");
  printf("ring 0 gate to ring 0 code: cs=%x\n", k_same_cs);
  exit_guest(0);
}
