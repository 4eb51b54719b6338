// operator<< against torch 1.13's repr: tests/data/oracles/print.json
// (gen_print.py) for the values, strings embedded below for grad_fn. (The
// file's autograd_basics lines are checked by that example's test.)

#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <tinynn/tinynn.hpp>

using namespace tinynn;

namespace {

std::string str(const Tensor& t) {
    std::ostringstream os;
    os << t;
    return os.str();
}

float value(const nlohmann::json& v) {
    if (v.is_string()) {
        const std::string s = v;
        if (s == "nan")
            return std::numeric_limits<float>::quiet_NaN();
        return s == "inf" ? std::numeric_limits<float>::infinity()
                          : -std::numeric_limits<float>::infinity();
    }
    return static_cast<float>(v.get<double>());
}

}  // namespace

TEST_CASE("Tensors print as torch prints them", "[tensor][print]") {
    const std::string path = std::string(TINYNN_TEST_DATA_DIR) + "/oracles/print.json";
    std::ifstream in(path);
    REQUIRE(in);
    const nlohmann::json cases = nlohmann::json::parse(in).at("tensors");
    REQUIRE(cases.size() >= 30);
    for (const nlohmann::json& c : cases) {
        std::vector<float> data;
        for (const nlohmann::json& v : c.at("data"))
            data.push_back(value(v));
        Tensor t(data, c.at("shape").get<Shape>());
        if (c.at("requires_grad").get<bool>())
            t.requires_grad_();
        INFO(c.at("name").get<std::string>());
        CHECK(str(t) == c.at("repr").get<std::string>());
    }
}

TEST_CASE("sigmoid(linspace(-100, 100, 10)) prints its spread as torch does", "[tensor][print]") {
    // print(torch.sigmoid(torch.linspace(-100, 100, 10))), torch 1.13
    CHECK(str(sigmoid(linspace(-100, 100, 10))) ==
          "tensor([0.0000e+00, 1.6655e-34, 7.4564e-25, 3.3382e-15, 1.4945e-05, 9.9999e-01,\n"
          "        1.0000e+00, 1.0000e+00, 1.0000e+00, 1.0000e+00])");
}

TEST_CASE("A value made by an op prints its grad_fn as torch names it", "[tensor][print]") {
    // x = torch.tensor([1., 2.], requires_grad=True), then repr() of each, torch 1.13.
    Tensor x = Tensor({1.0f, 2.0f}).requires_grad_();
    CHECK(str(x) == "tensor([1., 2.], requires_grad=True)");
    CHECK(str(sigmoid(x)) == "tensor([0.7311, 0.8808], grad_fn=<SigmoidBackward0>)");
    CHECK(str(x * 2.0f) == "tensor([2., 4.], grad_fn=<MulBackward0>)");
    CHECK(str(sum(x * x)) == "tensor(5., grad_fn=<SumBackward0>)");
    CHECK(str(nn::functional::mse_loss(x, Tensor({0.0f, 0.0f}))) ==
          "tensor(2.5000, grad_fn=<MseLossBackward0>)");
    CHECK(str(softmax(x, 0)) == "tensor([0.2689, 0.7311], grad_fn=<SoftmaxBackward0>)");
    // torch.linspace(0, 1, 15, requires_grad=True) * 1e-5: the suffix moves
    // to its own line only when the last line has no room for it.
    CHECK(str(linspace(0, 1, 15).requires_grad_() * 1e-5f) ==
          "tensor([0.0000e+00, 7.1429e-07, 1.4286e-06, 2.1429e-06, 2.8571e-06, 3.5714e-06,\n"
          "        4.2857e-06, 5.0000e-06, 5.7143e-06, 6.4286e-06, 7.1429e-06, 7.8571e-06,\n"
          "        8.5714e-06, 9.2857e-06, 1.0000e-05], grad_fn=<MulBackward0>)");
    // nn.Linear on a batch is torch's addmm (tinynn's initial weights differ).
    manual_seed(0);
    nn::Linear linear(2, 3);
    const std::string out = str(linear(Tensor({1.0f, 2.0f}, {1, 2})));
    const std::string suffix = ", grad_fn=<AddmmBackward0>)";
    CHECK(out.substr(out.size() - suffix.size()) == suffix);
    // Outside the graph: no suffix.
    CHECK(str(sigmoid(x).detach()) == "tensor([0.7311, 0.8808])");
}

TEST_CASE("grad_fn names the op as torch records it", "[tensor][print]") {
    // type(y.grad_fn).__name__ for the same calls in torch 1.13, x [2, 3] and
    // v [3] requiring grad.
    Tensor x = Tensor({0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, {2, 3}).requires_grad_();
    Tensor v = Tensor({0.1f, 0.2f, 0.3f}).requires_grad_();
    auto name = [](const Tensor& y) {
        const std::string s = str(y);
        const size_t at = s.find("grad_fn=<");
        return at == std::string::npos ? s : s.substr(at + 9, s.size() - at - 11);
    };
    CHECK(name(x + x) == "AddBackward0");
    CHECK(name(x - x) == "SubBackward0");
    CHECK(name(x / x) == "DivBackward0");
    CHECK(name(1.0f - x) == "RsubBackward1");
    CHECK(name(2.0f / x) == "MulBackward0");
    CHECK(name(-x) == "NegBackward0");
    CHECK(name(exp(x)) == "ExpBackward0");
    CHECK(name(log(x)) == "LogBackward0");
    CHECK(name(pow(x, 3.0f)) == "PowBackward0");
    CHECK(name(sqrt(x)) == "SqrtBackward0");
    CHECK(name(abs(x)) == "AbsBackward0");
    CHECK(name(clamp(x, 0.1f, 0.5f)) == "ClampBackward1");
    CHECK(name(cat({x, x}, 0)) == "CatBackward0");
    CHECK(name(unsqueeze(v, 0)) == "UnsqueezeBackward0");
    CHECK(name(squeeze(unsqueeze(v, 0), 0)) == "SqueezeBackward1");
    CHECK(name(matmul(x, t(x))) == "MmBackward0");
    CHECK(name(sum(x)) == "SumBackward0");
    CHECK(name(mean(x)) == "MeanBackward0");
    CHECK(name(max(x, 0)) == "MaxBackward0");
    CHECK(name(transpose(x, 0, 1)) == "TransposeBackward0");
    CHECK(name(reshape(x, {3, 2})) == "ReshapeAliasBackward0");
    CHECK(name(x[1]) == "SelectBackward0");
    CHECK(name(log_softmax(x, 1)) == "LogSoftmaxBackward0");
    CHECK(name(nn::functional::cross_entropy(x, Tensor({0.0f, 1.0f}))) == "NllLossBackward0");
    CHECK(name(where(gt(x, 0.3f), x, x)) == "WhereBackward0");
    CHECK(name(sin(x)) == "SinBackward0");
    CHECK(name(leaky_relu(x)) == "LeakyReluBackward0");
}

TEST_CASE("Printing leaves the stream's own formatting alone", "[tensor][print]") {
    std::ostringstream os;
    os.precision(3);
    os << Tensor{1.0f} << ' ' << 0.125 << ' ' << Tensor() << ' ' << 2.0 / 3.0;
    CHECK(os.str() == "tensor([1.]) 0.125 tensor(undefined) 0.667");
}
