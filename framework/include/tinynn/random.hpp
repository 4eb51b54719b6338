#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace tinynn {

// A seedable source of random numbers whose output is the same for the same
// seed on every platform (the transforms are ours, not the standard
// library's implementation-defined distributions).
class Generator {
  public:
    explicit Generator(uint64_t seed = 0) : engine_(seed) {}
    void seed(uint64_t seed) { engine_.seed(seed); }
    float uniform();                       // [0, 1)
    float uniform(float low, float high);  // [low, high)
    float normal(float mean = 0.0f, float std = 1.0f);
    uint64_t next_u64() { return engine_(); }
    uint64_t below(uint64_t n);  // uniform on [0, n), n > 0

    // Everything the next draws depend on, as text (the engine's standard
    // stream form and the spare normal value), so a checkpoint can continue
    // the exact sequence. set_state throws tinynn::Error for text that
    // state() did not make.
    std::string state() const;
    void set_state(const std::string& state);

  private:
    std::mt19937_64 engine_;
    bool has_spare_normal_ = false;
    double spare_normal_ = 0.0;
};

// The generator that rand, randn and nn::init use. There is one per thread,
// so runs on different threads that each seed their own stay reproducible.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace tinynn
