// tinynn's numerics against PyTorch 1.13 (tests/data/oracles/numerics.json,
// from gen_numerics.py): sums and means over 1e3 to 1e7 values and the
// gradients that sum over a batch, the division gradient where b * b under-
// or overflows, and the activations' values and gradients at NaN, +-0, +-inf.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/nn/functional.hpp>
#include <tinynn/nn/linear.hpp>
#include <tinynn/ops.hpp>

using namespace tinynn;
using nlohmann::json;

namespace {

const json& numerics() {
    static const json cases = [] {
        std::ifstream in(TINYNN_TEST_DATA_DIR "/oracles/numerics.json");
        REQUIRE(in);
        return json::parse(in);
    }();
    return cases;
}

float from_bits(uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

std::vector<float> floats(const json& bits) {
    std::vector<float> out;
    for (const json& b : bits)
        out.push_back(from_bits(b.get<uint32_t>()));
    return out;
}

Shape shape_of(const json& j) {
    return j.get<Shape>();
}

Tensor tensor_of(const json& bits, const Shape& shape) {
    return Tensor(floats(bits), shape);
}

// The generator's rules for inputs too large to store, followed bit for bit.
Tensor make(const json& rule, const Shape& shape) {
    if (rule.at("kind") == "constant")
        return full(shape, rule.at("value").get<float>());
    Tensor t = zeros(shape);
    float* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i)
        p[i] = static_cast<float>((i * 7919) % 10007 + 1) / 10007.0f;
    return t;
}

// The distance from |x| to the next float up.
double ulp(float x) {
    const float a = std::abs(x);
    return static_cast<double>(std::nextafter(a, INFINITY)) - a;
}

// Each of `got` within an ulp of the exact sum; torch's own result is often
// further off (1e7 0.1s: torch 999999.44, exact 1000000.01).
void check_accurate(const std::vector<float>& got, const json& exact, const json& torch_bits) {
    const std::vector<float> torch = floats(torch_bits);
    REQUIRE(got.size() == exact.size());
    for (size_t i = 0; i < got.size(); ++i) {
        const double want = exact[i].get<double>();
        INFO("element " << i << ": got " << got[i] << ", exact " << want << ", torch " << torch[i]);
        CHECK(std::abs(got[i] - want) <= ulp(static_cast<float>(want)));
    }
}

// Same bits, except that any NaN matches any NaN (and -0 does not match 0).
bool same_bits(float got, float want) {
    if (std::isnan(want))
        return std::isnan(got);
    return std::memcmp(&got, &want, sizeof got) == 0;
}

void check_bits(const std::vector<float>& got, const std::vector<float>& want) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
        CHECK(same_bits(got[i], want[i]));
    }
}

// Exact where the value is special (NaN, +-0, +-inf: the sign counts), else
// within a few ulps: exp and tanh differ between libraries in the last bits.
void check_values(const std::vector<float>& got, const std::vector<float>& want) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
        if (std::isnan(want[i]) || want[i] == 0.0f || std::isinf(want[i]))
            CHECK(same_bits(got[i], want[i]));
        else
            CHECK(std::abs(got[i] - want[i]) <= 4 * ulp(want[i]));
    }
}

}  // namespace

TEST_CASE("the mean of a million 0.1s is torch's to an ulp", "[ops][numerics]") {
    // float32 running sums gave 0.10002235; torch's cascade 0.100000009, the
    // exact value 0.1000000015 (0.1f itself).
    const float got = mean(full({1000000}, 0.1f)).item();
    CHECK(std::abs(got - 0.100000009f) <= ulp(0.1f));
    CHECK(got == 0.1f);
    CHECK(sum(full({1000000}, 0.1f)).item() == 100000.0f);
}

TEST_CASE("a bias gradient over a million rows is 100000", "[ops][numerics]") {
    // was 100958: the rows' gradients added one by one in float32
    nn::Linear layer(3, 2);
    layer(full({1000000, 3}, 1.0f)).backward(full({1000000, 2}, 0.1f));
    CHECK(layer.bias().grad().to_vector() == std::vector<float>{100000.0f, 100000.0f});
}

TEST_CASE("sums, means and batch gradients over 1e3 to 1e7 values are within an ulp",
          "[ops][numerics]") {
    for (const json& c : numerics().at("sums")) {
        const std::string op = c.at("op");
        const Shape shape = shape_of(c.at("shape"));
        INFO("case " << c.at("name").get<std::string>());
        if (op == "sum" || op == "mean") {
            const Tensor x = make(c.at("x"), shape);
            const Tensor y = op == "sum" ? sum(x) : mean(x);
            check_accurate(y.to_vector(), c.at("exact"), c.at("torch"));
        } else if (op == "sum_dim0" || op == "mean_dim0" || op == "sum_dim1" || op == "mean_dim1") {
            const Tensor x = make(c.at("x"), shape);
            const int64_t dim = op.back() == '0' ? 0 : 1;
            const Tensor y = op.rfind("sum", 0) == 0 ? sum(x, dim) : mean(x, dim);
            check_accurate(y.to_vector(), c.at("exact"), c.at("torch"));
        } else if (op == "add_grad_b") {
            // y = x + b, b broadcast: b's gradient sums the upstream one.
            Tensor b = zeros(shape_of(c.at("b_shape"))).requires_grad_();
            (zeros(shape) + b).backward(make(c.at("x"), shape));
            check_accurate(b.grad().to_vector(), c.at("exact"), c.at("torch"));
        } else if (op == "linear_grads") {
            const int64_t out_features = c.at("out_features");
            nn::Linear layer(shape[1], out_features);
            layer(make(c.at("x"), shape)).backward(make(c.at("dy"), {shape[0], out_features}));
            check_accurate(layer.bias().grad().to_vector(), c.at("exact_bias"), c.at("torch_bias"));
            // The weight's is a matrix product, by OpenBLAS as torch's is: in
            // blocks of rows added in double it is within torch's own error
            // (torch: 10000.155 for 1e4 on linear_constant, 100958 for 1e5 on
            // linear_one_feature) or, on varied values, an ulp or two.
            const std::vector<float> got = layer.weight().grad().to_vector();
            const std::vector<float> torch = floats(c.at("torch_weight"));
            for (size_t i = 0; i < got.size(); ++i) {
                const double want = c.at("exact_weight")[i].get<double>();
                INFO("weight element " << i << ": got " << got[i] << ", exact " << want
                                       << ", torch " << torch[i]);
                CHECK(std::abs(got[i] - want) <=
                      std::max(std::abs(torch[i] - want), 2 * ulp(static_cast<float>(want))));
            }
        } else if (op == "matmul_grad_b") {
            Tensor b = zeros({3, 2}).requires_grad_();
            matmul(make(c.at("x"), shape), b).backward(make(c.at("dy"), {shape[0], 2}));
            check_accurate(b.grad().to_vector(), c.at("exact"), c.at("torch"));
        } else {
            FAIL("unknown op " << op);
        }
    }
}

TEST_CASE("the division gradient is torch's -(a / b) / b", "[ops][numerics]") {
    SECTION("the issue's cases") {
        // -a / (b * b) gave [nan, -inf], -0 and -inf
        Tensor a = Tensor{0.0f, 1e-30f}.requires_grad_();
        Tensor b = Tensor{1e-30f, 1e-30f}.requires_grad_();
        (a / b).backward(ones({2}));
        check_bits(b.grad().to_vector(), {-0.0f, -1e30f});

        Tensor big = full({}, 1e30f).requires_grad_();
        Tensor large = full({}, 1e20f).requires_grad_();
        (big / large).backward();
        CHECK(large.grad().item() == -1e-10f);

        Tensor x = full({}, 1e-25f).requires_grad_();
        (x / x).backward();
        check_bits(x.grad().to_vector(), {0.0f});
    }
    SECTION("every case of numerics.json, bit for bit") {
        for (const json& c : numerics().at("division")) {
            INFO("case " << c.at("name").get<std::string>());
            if (c.contains("x")) {  // x / x
                Tensor x = tensor_of(c.at("x"), {}).requires_grad_();
                (x / x).backward();
                check_bits(x.grad().to_vector(), floats(c.at("grad_x")));
                continue;
            }
            Tensor b = tensor_of(c.at("b"), shape_of(c.at("b_shape"))).requires_grad_();
            Tensor a;
            Tensor y;
            if (c.contains("scalar")) {
                y = c.at("scalar").get<float>() / b;
            } else {
                a = tensor_of(c.at("a"), shape_of(c.at("a_shape"))).requires_grad_();
                y = a / b;
            }
            y.backward(ones_like(y));
            check_bits(y.to_vector(), floats(c.at("y")));
            check_bits(b.grad().to_vector(), floats(c.at("grad_b")));
            if (a.defined())
                check_bits(a.grad().to_vector(), floats(c.at("grad_a")));
        }
    }
}

TEST_CASE("activations and element-wise ops at NaN, +-0 and +-inf are torch's", "[ops][numerics]") {
    SECTION("the issue's cases") {
        Tensor x = Tensor{NAN}.requires_grad_();
        CHECK(grad(relu(x), {x}, ones({1}))[0].item() == 1.0f);  // was 0
        CHECK(grad(abs(x), {x}, ones({1}))[0].item() == 0.0f);   // was NaN
    }
    SECTION("relu and clamp keep NaN and -0 in vectorised code too") {
        // 37 values: whole vector registers and a remainder
        std::vector<float> values, relu_want, clamp_want;
        for (int i = 0; i < 37; ++i) {
            const float v = std::vector<float>{NAN, -0.0f, -1.0f, 2.0f, 0.25f}[i % 5];
            values.push_back(v);
            relu_want.push_back(v < 0.0f ? 0.0f : v);  // torch: NaN, -0, 0, 2, 0.25
            clamp_want.push_back(v < -0.5f ? -0.5f : v > 0.5f ? 0.5f : v);
        }
        check_bits(relu(Tensor(values)).to_vector(), relu_want);
        check_bits(clamp(Tensor(values), -0.5f, 0.5f).to_vector(), clamp_want);
    }
    SECTION("every case of numerics.json") {
        using Op = Tensor (*)(const Tensor&);
        const std::vector<std::pair<std::string, Op>> ops = {
            {"relu", [](const Tensor& x) { return relu(x); }},
            {"abs", [](const Tensor& x) { return abs(x); }},
            {"leaky_relu_0.2", [](const Tensor& x) { return leaky_relu(x, 0.2f); }},
            {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
            {"tanh", [](const Tensor& x) { return tanh(x); }},
            {"clamp_-0.5_0.5", [](const Tensor& x) { return clamp(x, -0.5f, 0.5f); }},
            {"exp", [](const Tensor& x) { return exp(x); }},
            {"log", [](const Tensor& x) { return log(x); }},
            {"sqrt", [](const Tensor& x) { return sqrt(x); }},
            {"pow_2", [](const Tensor& x) { return pow(x, 2.0f); }},
            {"pow_0.5", [](const Tensor& x) { return pow(x, 0.5f); }},
            {"pow_0", [](const Tensor& x) { return pow(x, 0.0f); }},
            {"pow_-1", [](const Tensor& x) { return pow(x, -1.0f); }},
            {"neg", [](const Tensor& x) { return -x; }},
            {"softmax", [](const Tensor& x) { return softmax(x, 1); }},
            {"log_softmax", [](const Tensor& x) { return log_softmax(x, 1); }},
        };
        size_t checked = 0;
        for (const json& c : numerics().at("nan")) {
            INFO("case " << c.at("name").get<std::string>());
            Op op = nullptr;
            for (const auto& [name, f] : ops)
                if (name == c.at("op"))
                    op = f;
            REQUIRE(op != nullptr);
            const std::vector<float> values = floats(c.at("x"));
            const Shape shape = c.contains("shape") ? shape_of(c.at("shape"))
                                                    : Shape{static_cast<int64_t>(values.size())};
            const Tensor x = Tensor(values, shape).requires_grad_();
            const Tensor y = op(x);
            const Tensor gy =
                c.contains("grad_output") ? tensor_of(c.at("grad_output"), shape) : ones(shape);
            check_values(y.to_vector(), floats(c.at("y")));
            check_values(grad(y, {x}, gy)[0].to_vector(), floats(c.at("grad_x")));
            ++checked;
        }
        CHECK(checked == numerics().at("nan").size());
    }
}
