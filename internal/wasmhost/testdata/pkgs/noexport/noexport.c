/* noexport.c: package test.noexport. A module with memory,
 * weft_abi_version and weft_alloc but no weft_run: refused at load. */
#define FIXTURE_NO_RUN
#include "fixture.h"
