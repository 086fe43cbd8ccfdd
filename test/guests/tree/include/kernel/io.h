/* Port output for the source-tree kernel. An inline function in a header in another
 * directory than the code that calls it: its lines belong to this file. */
#ifndef KERNEL_IO_H
#define KERNEL_IO_H

static inline void outb(unsigned short port, unsigned char v)
{
	__asm__ volatile ("outb %0, %1" : : "a"(v), "Nd"(port)); /* @io-outb */
}

void put_string(const char *s);
void put_number(unsigned int n);

#endif
