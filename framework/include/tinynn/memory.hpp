#pragma once

#include <cstddef>

namespace tinynn {

// The storage of large tensors (64 KiB and up) is not handed back to malloc
// when they die: tinynn keeps up to 64 such blocks, 256 MiB at most, for the
// next tensors of the same sizes, so a training loop allocates nothing after
// its first step (glibc would unmap them and the next step would page-fault
// them back in). Thread-safe; what is kept is freed at exit.
//
// Small storage (up to 16 KiB) is kept too, by the thread that freed it: up
// to 1 MiB a thread, freed when the thread ends. It
// saves a toy model's step the cost of malloc, not page faults, and is not
// counted by cached_bytes().

// Bytes kept for reuse.
std::size_t cached_bytes();

// Frees what is kept (the large blocks, and the calling thread's small
// ones), e.g. after training in a program that goes on to other work.
void release_cached_memory();

}  // namespace tinynn
