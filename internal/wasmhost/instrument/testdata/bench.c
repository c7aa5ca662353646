// Benchmark fixture: compute loops as clang -O2 writes them.
//
// fnv hashes n rounds of a counter: a short loop body (clang unrolls it);
// sieve counts the primes below n with a byte sieve in linear memory.

static unsigned char flags[1 << 20];

__attribute__((export_name("fnv"))) unsigned fnv(unsigned n) {
	unsigned h = 2166136261u;
	for (unsigned i = 0; i < n; i++) {
		h ^= i;
		h *= 16777619u;
	}
	return h;
}

__attribute__((export_name("sieve"))) unsigned sieve(unsigned n) {
	if (n > sizeof flags)
		n = sizeof flags;
	unsigned count = 0;
	for (unsigned i = 0; i < n; i++)
		flags[i] = 1;
	for (unsigned i = 2; i < n; i++) {
		if (!flags[i])
			continue;
		count++;
		for (unsigned j = i + i; j < n; j += i)
			flags[j] = 0;
	}
	return count;
}
