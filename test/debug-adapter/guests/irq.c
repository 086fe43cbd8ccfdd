/* A C kernel taking a software interrupt: victim() executes INT 0x30, whose assembly stub
 * (isrstubs.asm) calls c_handler(), which calls note_trap(). Tests find lines by @markers. */
struct regs { unsigned int edi, esi, ebp, esp, ebx, edx, ecx, eax, vector, error, eip, cs, eflags; };

extern void idt_init(void);
volatile unsigned int traps;

__attribute__((noinline)) void note_trap(struct regs *r)
{
	traps += r->vector; /* @note-trap */
}

void c_handler(struct regs *r)
{
	note_trap(r);
}

__attribute__((noinline)) int victim(int x)
{
	__asm__ volatile ("int $0x30\n\t.globl victim.after_int\nvictim.after_int:" : : : "memory");
	return x + 1; /* @victim-return */
}

__attribute__((noinline)) int outer(int x)
{
	return victim(x) * 2; /* @outer-call */
}

unsigned int kmain(void)
{
	idt_init();
	return outer(20) + traps; /* @kmain-outer */
}
