/* memfillbulk.c: package test.memfillbulk, memfill.c built with -mbulk-memory
 * (build.sh), so that its memset and memcpy are single memory.fill and
 * memory.copy instructions. Same nodes and exports as ../memfill. */
#include "../memfill/memfill.c"
