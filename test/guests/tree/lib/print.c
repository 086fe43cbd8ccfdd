/* Serial output of the source-tree kernel (COM1, no waiting: the emulator's UART is
 * always ready). */
#include "kernel/io.h"

#define COM1 0x3f8

void put_string(const char *s)
{
	while (*s)
		outb(COM1, *s++); /* @print-out */
}

void put_number(unsigned int n)
{
	char buf[12];
	int i = sizeof buf - 1;
	buf[i] = 0;
	do {
		buf[--i] = '0' + n % 10;
		n /= 10;
	} while (n);
	put_string(buf + i);
}
