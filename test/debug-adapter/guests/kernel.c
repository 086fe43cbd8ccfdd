/* The debugger's C test kernel: serial output, nested calls, a loop, globals.
 * Tests find lines by the @markers, never by number. */
#define COM1 0x3f8

static inline void outb(unsigned short port, unsigned char v)
{
	__asm__ volatile ("outb %0, %1" : : "a"(v), "Nd"(port)); /* @outb-asm */
}

volatile unsigned int counter;
unsigned int table[4] = { 1, 2, 3, 4 };
struct point { int x; int y; } origin = { 3, -4 };
struct point *where = &origin;

__attribute__((noinline)) int square(int x)
{
	return x * x; /* @square-body */
}

__attribute__((noinline)) int sum_squares(int n)
{
	int total = 0; /* @sum-first */
	for (int i = 1; i <= n; i++)
		total += square(i); /* @sum-call */
	return total; /* @sum-return */
}

__attribute__((noinline)) void put_string(const char *s)
{
	while (*s)
		outb(COM1, *s++); /* @put-out */
}

unsigned int kmain(void)
{
	put_string("hello from the guest\n"); /* @kmain-first */
	int r = sum_squares(5); /* @kmain-sum */

	counter = r; /* @kmain-store */
	table[2] = counter + 1;
	return r; /* @kmain-return */
}
