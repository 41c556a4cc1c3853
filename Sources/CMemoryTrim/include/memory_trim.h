#ifndef CHORUS_MEMORY_TRIM_H
#define CHORUS_MEMORY_TRIM_H

/// Gives the allocator's free memory back to the operating system (glibc `malloc_trim(0)`), so
/// that memory a worker freed (rooms it unloaded) leaves its resident set. Returns 1 if any
/// memory was released, 0 if none (or on a C library without `malloc_trim`).
int chorus_memory_trim(void);

#endif
