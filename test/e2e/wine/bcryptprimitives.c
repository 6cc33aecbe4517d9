// Wine 8.0 (Debian 12) has no bcryptprimitives.dll, which Bun's windows executables import for
// ProcessPrng (Wine 9 added it): this stand-in fills the buffer from RtlGenRandom (advapi32), as
// ProcessPrng does from the kernel's generator. Used by the tests only, never shipped.
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
