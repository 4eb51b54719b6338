#pragma once

// Memory for the autograd graph's small objects: each op makes a value (its
// TensorImpl), a Node and the Node's edges, and a training step frees them
// all again, so a toy model's step asked malloc for some 35 blocks and freed
// them, a third of W1's instructions (bench/README.md, the per-step profile).
// Freed blocks of up to kMaxBlockBytes are kept by the thread that freed
// them, in lists by size, for the next step's objects of the same size.
//
// Blocks come from ::operator new, so a block may be freed on another thread
// than the one that took it (it joins that thread's lists), and one a thread
// no longer keeps goes back with ::operator delete. Under AddressSanitizer
// nothing is kept, so a use after free is still caught.

#include <cstddef>
#include <new>

namespace tinynn::detail {

// False under AddressSanitizer: small blocks and small matrices freed there go
// straight back, so that ASan sees a use after free.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kKeepFreedMemory = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kKeepFreedMemory = false;
#else
inline constexpr bool kKeepFreedMemory = true;
#endif
#else
inline constexpr bool kKeepFreedMemory = true;
#endif

inline constexpr std::size_t kMaxBlockBytes = 256;

void* take_block(std::size_t bytes);
void give_block(void* block, std::size_t bytes) noexcept;

// An allocator for std::allocate_shared and containers, over take_block.
template <class T>
struct BlockAllocator {
    using value_type = T;
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
                  "take_block aligns as ::operator new does");

    BlockAllocator() = default;
    template <class U>
    BlockAllocator(const BlockAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) { return static_cast<T*>(take_block(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { give_block(p, n * sizeof(T)); }

    template <class U>
    bool operator==(const BlockAllocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace tinynn::detail
