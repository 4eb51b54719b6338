#include "memory/small_blocks.hpp"

namespace tinynn::detail {
namespace {

constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = kMaxBlockBytes / kGranule;
constexpr std::size_t kMaxKeptBytes = std::size_t{1} << 20;  // a thread

std::size_t class_of(std::size_t bytes) {
    return (bytes + kGranule - 1) / kGranule - 1;
}

// Freed blocks by size class, each list threaded through the blocks
// themselves.
class BlockLists {
  public:
    ~BlockLists() {
        destroyed = true;
        for (FreeBlock* head : heads_)
            while (head) {
                FreeBlock* next = head->next;
                ::operator delete(head);
                head = next;
            }
    }

    void* take(std::size_t c) {
        FreeBlock* block = heads_[c];
        if (!block)
            return ::operator new((c + 1) * kGranule);
        heads_[c] = block->next;
        kept_ -= (c + 1) * kGranule;
        return block;
    }

    void give(void* p, std::size_t c) noexcept {
        const std::size_t bytes = (c + 1) * kGranule;
        if (kept_ + bytes > kMaxKeptBytes) {
            ::operator delete(p);
            return;
        }
        heads_[c] = ::new (p) FreeBlock{heads_[c]};
        kept_ += bytes;
    }

    // Set when the thread's lists are gone: blocks freed later in its exit
    // go straight back. Trivially destructible, so it outlives the lists.
    static thread_local bool destroyed;

  private:
    struct FreeBlock {
        FreeBlock* next;
    };
    FreeBlock* heads_[kClasses] = {};
    std::size_t kept_ = 0;
};

thread_local bool BlockLists::destroyed = false;
thread_local BlockLists lists;

}  // namespace

void* take_block(std::size_t bytes) {
    if (!kKeepFreedMemory || bytes == 0 || bytes > kMaxBlockBytes)
        return ::operator new(bytes);
    // Always a whole class: another thread may keep this block when it frees it.
    const std::size_t c = class_of(bytes);
    return BlockLists::destroyed ? ::operator new((c + 1) * kGranule) : lists.take(c);
}

void give_block(void* block, std::size_t bytes) noexcept {
    if (!kKeepFreedMemory || bytes == 0 || bytes > kMaxBlockBytes || BlockLists::destroyed) {
        ::operator delete(block);
        return;
    }
    lists.give(block, class_of(bytes));
}

}  // namespace tinynn::detail
