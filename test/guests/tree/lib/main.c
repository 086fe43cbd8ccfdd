/* The source-tree kernel's C entry: runs the self-tests and exits with their sum. */
#include "kernel/io.h"

int test_sieve(void);
int test_sieve_small(void);

unsigned int kmain(void)
{
	int a = test_sieve(); /* @main-sieve */
	int b = test_sieve_small(); /* @main-small */
	put_string("done\n");
	return (unsigned int)(a + b) & 0x7f; /* @main-return */
}
