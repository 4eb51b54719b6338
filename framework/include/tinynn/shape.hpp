#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <vector>

namespace tinynn {

// A tensor's sizes, dim by dim, with std::vector<int64_t>'s interface but
// stored inline. Every op makes its result's shape and every new gradient
// copies one: as a std::vector that was a heap allocation each, about a tenth
// of a toy model's training step (bench/README.md). Tensors have rank 0-2; a
// shape holds up to kMaxDims, so that an error can still show a higher-rank
// shape it was given, and adding a dim beyond that throws tinynn::Error.
class Shape {
  public:
    static constexpr size_t kMaxDims = 8;
    using value_type = int64_t;
    using size_type = size_t;
    using iterator = int64_t*;
    using const_iterator = const int64_t*;

    Shape() = default;
    Shape(std::initializer_list<int64_t> dims) : Shape(dims.begin(), dims.end()) {}
    // Implicit, as a std::vector<int64_t> passed where a shape is expected.
    Shape(const std::vector<int64_t>& dims) : Shape(dims.begin(), dims.end()) {}  // NOLINT
    explicit Shape(size_t rank, int64_t value = 0) {
        for (size_t i = 0; i < rank; ++i)
            push_back(value);
    }
    template <std::input_iterator Iterator>
    Shape(Iterator first, Iterator last) {
        for (; first != last; ++first)
            push_back(static_cast<int64_t>(*first));
    }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    int64_t* data() { return dims_; }
    const int64_t* data() const { return dims_; }
    iterator begin() { return dims_; }
    iterator end() { return dims_ + size_; }
    const_iterator begin() const { return dims_; }
    const_iterator end() const { return dims_ + size_; }
    int64_t& operator[](size_t i) { return dims_[i]; }
    int64_t operator[](size_t i) const { return dims_[i]; }
    int64_t& front() { return dims_[0]; }
    int64_t front() const { return dims_[0]; }
    int64_t& back() { return dims_[size_ - 1]; }
    int64_t back() const { return dims_[size_ - 1]; }

    void push_back(int64_t dim) {
        if (size_ == kMaxDims)
            throw_too_many_dims();
        dims_[size_++] = dim;
    }
    void pop_back() { --size_; }
    iterator insert(const_iterator position, int64_t dim) {
        const size_t at = static_cast<size_t>(position - dims_);
        push_back(dim);
        std::rotate(dims_ + at, dims_ + size_ - 1, dims_ + size_);
        return dims_ + at;
    }
    iterator erase(const_iterator position) {
        const size_t at = static_cast<size_t>(position - dims_);
        std::copy(dims_ + at + 1, dims_ + size_, dims_ + at);
        --size_;
        return dims_ + at;
    }

    explicit operator std::vector<int64_t>() const { return {begin(), end()}; }

    friend bool operator==(const Shape& a, const Shape& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

  private:
    [[noreturn]] void throw_too_many_dims() const;

    int64_t dims_[kMaxDims] = {};  // the first size_ are the dims
    size_t size_ = 0;
};

}  // namespace tinynn
