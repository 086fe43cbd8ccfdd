/* The sieve of Eratosthenes, as a kernel self-test would run it. `sieve` is static and
 * small: at -O2 gcc and clang inline it into each caller; taking its address (sieve_fn)
 * keeps an out-of-line copy as well. */
#include "kernel/io.h"

#define LIMIT 64

static int sieve(int limit)
{
	unsigned char composite[LIMIT];
	int primes = 0; /* @sieve-first */
	for (int i = 0; i < limit; i++)
		composite[i] = 0;
	for (int i = 2; i < limit; i++) {
		if (composite[i])
			continue;
		primes++; /* @sieve-count */
		for (int j = i * i; j < limit; j += i)
			composite[j] = 1;
	}
	return primes; /* @sieve-return */
}

int (*volatile sieve_fn)(int) = sieve;

int test_sieve(void)
{
	int n = sieve(LIMIT); /* @test-call */
	put_string("primes below 64: ");
	put_number(n); /* @test-print */
	put_string("\n");
	return n;
}

int test_sieve_small(void)
{
	int n = sieve(20); /* @small-call */
	return n + sieve_fn(10); /* @small-ptr */
}
