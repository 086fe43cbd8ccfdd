/* A C kernel taking software interrupts: victim() executes INT 0x30, whose assembly stub
 * (isrstubs.asm) calls c_handler(), which calls note_trap(); victim2() executes INT 0x31,
 * whose gate points straight at a C function with gcc's interrupt attribute (isr49), which
 * calls note_direct(). Tests find lines by @markers. */
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

struct interrupt_frame;

__attribute__((noinline)) void note_direct(unsigned int n)
{
	traps += n; /* @note-direct */
}

/* No stub: the CPU's frame is this function's own entry frame (the gate is set in isrstubs.asm). */
__attribute__((interrupt)) void isr49(struct interrupt_frame *frame)
{
	(void)frame;
	note_direct(1); /* @isr49-call */
}

__attribute__((noinline)) int victim2(int x)
{
	__asm__ volatile ("int $0x31\n\t.globl victim2.after_int\nvictim2.after_int:" : : : "memory");
	return x - 1; /* @victim2-return */
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

__attribute__((noinline)) int outer2(int x)
{
	return victim2(x) + 1; /* @outer2-call */
}

unsigned int kmain(void)
{
	idt_init();
	return outer(20) + outer2(7) - 7 + traps; /* @kmain-outer */
}
