/* Inline asm as kernels write it (Linux arch/x86, kvm-unit-tests, Mini-OS shapes), written
 * for this corpus. Lines marked `expect:` hold a privileged or sensitive instruction, read
 * against docs/rules.md by hand; every other line must stay quiet. */

#define _ASM_EXTABLE(from, to) " .pushsection __ex_table,\"a\"\n .long " #from ", " #to "\n .popsection\n"
#define ALTERNATIVE(oldinstr, newinstr, feature) oldinstr "\n" ".pushsection .altinstr_replacement\n" newinstr "\n.popsection\n"
#define alternative(oldinstr, newinstr, feature) asm volatile(ALTERNATIVE(oldinstr, newinstr, feature) : : : "memory")
#define PUSHF "pushfl"                                          /* expect: PV004 */
#define POPF "popfl"                                            /* expect: PV005 */
#define __ASM_CLAC ".byte 0x0f,0x01,0xca"                       /* expect: PV049 */
#define __ASM_XSETBV ".byte 0x0f,0x01,0xd1"                     /* expect: PV047 */
#define __ASM_MWAIT ".byte 0x0f, 0x01, 0xc9;"                   /* expect: PV044 */
#define asm_safe(insn, inoutclob...) ({ asm volatile("1: " insn "\n\t" "2:\n\t" : inoutclob); 0; })
#define BUILDIO(bwl) \
static inline void outs##bwl(int port, const void *addr, unsigned long count) \
{ \
	asm volatile("rep; outs" #bwl                                /* expect: PV009 */ \
		     : "+S"(addr), "+c"(count) : "d"(port)); \
}
BUILDIO(b)

struct exit_name { int code; const char *name; };
#define EXIT_REASONS { 1, "hlt" }, { 2, "cpuid" }
static const struct exit_name exit_names[] = { EXIT_REASONS };

extern int printk(const char *fmt, ...);

static unsigned long long read_msr(unsigned int msr)
{
	unsigned int lo, hi;
	asm volatile("1: rdmsr\n"                                    /* expect: PV026 */
		     "2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((unsigned long long)hi << 32) | lo;
}

static int write_msr_safe(unsigned int msr, unsigned int lo, unsigned int hi)
{
	int err;
	asm volatile("2: wrmsr ; xor %[err],%[err]\n"                /* expect: PV027 */
		     "1:\n\t"
		     ".section .fixup,\"ax\"\n\t"
		     "3:  mov %[fault],%[err] ; jmp 1b\n\t"
		     ".previous\n\t"
		     _ASM_EXTABLE(2b, 3b)
		     : [err] "=a" (err)
		     : "c" (msr), "0" (lo), "d" (hi), [fault] "i" (-5)
		     : "memory");
	return err;
}

static unsigned long read_cr4(void)
{
	unsigned long v;
	asm volatile("1: mov %%cr4, %0\n"                            /* expect: PV011 */
		     "2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : "=r" (v) : "0" (0));
	return v;
}

static inline int flags_changeable(void)
{
	unsigned long f0, f1;
	asm volatile(PUSHF "\n\t"
		     "pushfl \n\t"                                      /* expect: PV004 */
		     POPF "\n\t"
		     : "=&r" (f0), "=&r" (f1));
	return f0 != f1;
}

static void trampoline(void)
{
	asm volatile(
#ifdef CONFIG_X86_64
		"	pushfq\n"                                           /* expect: PV004 */
		"	popfq\n"                                            /* expect: PV005 */
#else
		"	pushl %ss\n"                                        /* expect: PV040 */
		"	pushfl\n"                                           /* expect: PV004 */
#endif
		"	ret\n");
}

static int xor_flags(void) { int r; asm("pushf; sbb %0, %0; popf" : "=r"(r)); return r; }  /* expect: PV004 PV005 */

static void smap(void)
{
	alternative("", __ASM_CLAC, 0);
	asm volatile(ALTERNATIVE("", "wrmsr", 0) : : "c"(0), "a"(0), "d"(0));   /* expect: PV027 */
	asm volatile("lock; incl %0\n\t" "rep; insb" : "+m"(*(int *)0) : "d"(0x60));  /* expect: PV008 */
}

static void xsetbv(unsigned int index, unsigned int lo, unsigned int hi)
{
	asm volatile(__ASM_XSETBV :: "a" (lo), "d" (hi), "c" (index));
	asm volatile("sti; " __ASM_MWAIT :: "a" (0), "c" (0));    /* expect: PV003 */
	asm volatile(".byte 0x0f,0x01,0xd0" : "=a"(lo), "=d"(hi) : "c"(0));  /* xgetbv: not privileged */
	asm volatile(".byte 0x0f,0x32,0x00");                      /* two bytes of rdmsr and a third: data */
	asm volatile(".byte 0x48, 0x0f, 0x22, 0xd8");               /* expect: PV010 */
}

static int safe_rdmsr(void)
{
	return asm_safe("rdmsr", "c"(0x10) : "eax", "edx");       /* expect: PV026 */
}

static void basic_asm(void)
{
	asm("mov %cr3, %eax");                                     /* expect: PV011 */
	asm volatile("mov %0, %%cr3" : : "r"(0UL) : "memory");     /* expect: PV010 */
	asm volatile("int %c[v]" : : [v] "i"(0x80));
	asm volatile("mov %q0, %%cr4" : : "r"(0UL));                /* expect: PV010 */
	asm volatile("lidt %P0" : : "m"(*(char *)0));                /* expect: PV016 */
	asm volatile("mov cr3, %eax");
}

static void named_label(void)
{
	asm volatile("halt_here: hlt\n\t"                          /* expect: PV001 */
		     ".Lresume: sti; nop" ::: "memory");               /* expect: PV003 */
}

static int vector_goto(void)
{
	asm goto("1: cli\n\t"                                        /* expect: PV002 */
		 "jmp %l[out]" : : : : out);
	return 0;
out:
	return 1;
}

static void messages(void)
{
	printk("cpuid level %d\n", 1);
	printk("hlt");
}

/* A fastop: one macro opens the asm statement, another closes it (KVM's emulate.c). */
#define __FOP_START(op) asm(".pushsection .text, \"ax\" \n\t" ".global em_" #op " \n\t" "em_" #op ":\n\t"
#define FOP_START(op) __FOP_START(op)
#define FOP_RET(name) "ret \n\t"
#define FOP_END ".popsection")

FOP_START(salc)
"pushf; sbb %al, %al; popf \n\t"                               /* expect: PV004 PV005 */
FOP_RET(salc)
FOP_END;

static const char *const names[] = { "cli", "hlt" };
