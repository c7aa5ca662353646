/* node.c: the "minimal node in C" of ../shared/design/abi-v1.md, verbatim
 * but for this comment and the #include <stdio.h> that its snprintf needs:
 * the contract's own example must load and run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__attribute__((import_module("weft"), import_name("log")))
void weft_log(int32_t level, const char *p, int32_t n);

__attribute__((export_name("weft_abi_version"))) int32_t abi(void) { return 1; }
__attribute__((export_name("weft_alloc"))) void *weft_alloc(int32_t n) { return malloc(n); }

static char out[256];
__attribute__((export_name("weft_run"))) int64_t weft_run(char *req, int32_t n) {
  weft_log(2, "hello from C", 12);
  int len = snprintf(out, sizeof out, "{\"status\":\"success\",\"outputs\":{\"greeting\":\"hi\"}}");
  return ((int64_t)(uintptr_t)out << 32) | (uint32_t)len;
}
