#include "memory_trim.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
int chorus_memory_trim(void) { return malloc_trim(0); }
#else
int chorus_memory_trim(void) { return 0; }
#endif
