#include "tinynn/random.hpp"

#include <bit>
#include <cmath>
#include <numbers>
#include <sstream>

#include "tinynn/error.hpp"

namespace tinynn {

std::string Generator::state() const {
    std::ostringstream out;
    // The spare normal as its bits: text would round it.
    out << engine_ << ' ' << has_spare_normal_ << ' ' << std::bit_cast<uint64_t>(spare_normal_);
    return out.str();
}

void Generator::set_state(const std::string& state) {
    std::istringstream in(state);
    std::mt19937_64 engine;
    bool has_spare = false;
    uint64_t spare_bits = 0;
    in >> engine >> has_spare >> spare_bits;
    if (in.fail() || !(in >> std::ws).eof())
        throw Error("Generator::set_state: expected the text of Generator::state(), got " +
                    escape_text(state, 80));
    engine_ = engine;
    has_spare_normal_ = has_spare;
    spare_normal_ = std::bit_cast<double>(spare_bits);
}

float Generator::uniform() {
    // The top 24 bits: every float in [0, 1) on a 2^-24 grid, never 1.
    return static_cast<float>(engine_() >> 40) * 0x1.0p-24f;
}

float Generator::uniform(float low, float high) {
    return low + (high - low) * uniform();
}

float Generator::normal(float mean, float std) {
    // Box-Muller in double, both outputs used.
    if (has_spare_normal_) {
        has_spare_normal_ = false;
        return mean + std * static_cast<float>(spare_normal_);
    }
    const double u1 = (static_cast<double>(engine_() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * std::numbers::pi * u2;
    spare_normal_ = r * std::sin(theta);
    has_spare_normal_ = true;
    return mean + std * static_cast<float>(r * std::cos(theta));
}

uint64_t Generator::below(uint64_t n) {
    // Rejection keeps every value equally likely.
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = engine_();
    } while (x >= limit);
    return x % n;
}

Generator& default_generator() {
    thread_local Generator generator(0);
    return generator;
}

void manual_seed(uint64_t seed) {
    default_generator() = Generator(seed);
}

}  // namespace tinynn
