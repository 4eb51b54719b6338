// BatchNorm1d and Dropout: against PyTorch (tests/data/oracles/modules2.json),
// by finite differences, their buffers in state_dict and safetensors, and an
// SGD trajectory through BatchNorm1d, PReLU and GELU matching torch's.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/approx.hpp"
#include "support/gradcheck.hpp"
#include "support/oracle.hpp"

using namespace tinynn;
using tinynn::test::check_close;
using tinynn::test::gradcheck;
namespace fs = std::filesystem;

namespace {

const tinynn::test::OracleCase& oracle(const std::string& name) {
    return tinynn::test::oracle_case(name, "modules2.json");
}

Tensor find(const nn::StateDict& state, const std::string& name) {
    const auto it = std::find_if(state.begin(), state.end(),
                                 [&name](const auto& entry) { return entry.first == name; });
    REQUIRE(it != state.end());
    return it->second;
}

// A file in the temporary directory, removed when the test ends.
class TempFile {
  public:
    explicit TempFile(const std::string& name)
        : path_(fs::temp_directory_path() /
                ("tinynn-normalization-" + std::to_string(::getpid()) + "-" + name)) {}
    ~TempFile() {
        std::error_code ec;
        fs::remove(path_, ec);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

std::string header_of(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char prefix[8];
    in.read(reinterpret_cast<char*>(prefix), 8);
    uint64_t length = 0;
    for (int i = 7; i >= 0; --i)
        length = (length << 8) | prefix[i];
    std::string header(length, '\0');
    in.read(header.data(), static_cast<std::streamsize>(length));
    return header;
}

}  // namespace

TEST_CASE("BatchNorm1d matches PyTorch over three training steps and in eval",
          "[nn][batchnorm][oracle]") {
    const auto& c = oracle("batchnorm1d_steps");
    nn::BatchNorm1d bn(4);
    bn.weight().matrix() = c.inputs.at("weight").matrix();
    bn.bias().matrix() = c.inputs.at("bias").matrix();
    for (int step = 0; step < 3; ++step) {
        const std::string s = std::to_string(step);
        INFO("step " << step);
        Tensor x = c.inputs.at("x" + s).detach().requires_grad_();
        Tensor y = bn(x);
        check_close(y, c.outputs.at("y" + s));
        auto g = grad(y, {x, bn.weight(), bn.bias()}, c.inputs.at("grad_output" + s));
        check_close(g[0], c.grads.at("x" + s), 1e-4, 1e-5);
        check_close(g[1], c.grads.at("weight" + s), 1e-5, 1e-5);
        check_close(g[2], c.grads.at("bias" + s));
        check_close(bn.running_mean(), c.outputs.at("running_mean" + s));
        check_close(bn.running_var(), c.outputs.at("running_var" + s));
    }
    CHECK(bn.num_batches_tracked().item() == c.outputs.at("num_batches_tracked").item());

    bn.eval();
    Tensor x = c.inputs.at("x_eval").detach().requires_grad_();
    Tensor y = bn(x);
    check_close(y, c.outputs.at("y_eval"));
    auto g = grad(y, {x, bn.weight(), bn.bias()}, c.inputs.at("grad_output_eval"));
    check_close(g[0], c.grads.at("x_eval"));
    check_close(g[1], c.grads.at("weight_eval"), 1e-5, 1e-5);
    check_close(g[2], c.grads.at("bias_eval"));
    // Eval leaves the running statistics and the count alone.
    check_close(bn.running_mean(), c.outputs.at("running_mean2"));
    CHECK(bn.num_batches_tracked().item() == 3.0f);
}

TEST_CASE("BatchNorm1d's momentum and eps reach its output and running statistics",
          "[nn][batchnorm][oracle]") {
    const auto& c = oracle("batchnorm1d_momentum");
    nn::BatchNorm1d bn(3, 0.1f, 0.5f);
    Tensor x = c.inputs.at("x").detach().requires_grad_();
    Tensor y = bn(x);
    check_close(y, c.outputs.at("y"));
    check_close(grad(y, {x}, c.inputs.at("grad_output"))[0], c.grads.at("x"), 1e-4, 1e-5);
    check_close(bn.running_mean(), c.outputs.at("running_mean"));
    check_close(bn.running_var(), c.outputs.at("running_var"));
}

TEST_CASE("batch_norm's gradients agree with finite differences in training and eval",
          "[nn][batchnorm][gradcheck]") {
    manual_seed(31);
    const tinynn::test::GradcheckOptions loose{.eps = 1e-2, .atol = 2e-3, .rtol = 2e-2};
    CHECK(gradcheck(
        [](const auto& in) {
            return nn::functional::batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true);
        },
        {randn({6, 3}) * 2.0f, randn({3}), randn({3})}, loose));
    const Tensor running_mean = randn({3});
    const Tensor running_var = rand({3}) + 0.5f;
    CHECK(gradcheck(
        [&](const auto& in) {
            return nn::functional::batch_norm(in[0], running_mean, running_var, in[1], in[2],
                                              false);
        },
        {randn({4, 3}), randn({3}), randn({3})}));
}

TEST_CASE("BatchNorm1d refuses what torch refuses", "[nn][batchnorm]") {
    nn::BatchNorm1d bn(3);
    CHECK_THROWS_WITH(bn(randn({1, 3})), Catch::Contains("more than 1 value"));
    CHECK_THROWS_WITH(bn(randn({4, 2})),
                      Catch::Contains("[batch, 3]") && Catch::Contains("[4, 2]"));
    bn.eval();
    CHECK(bn(randn({1, 3})).shape() == Shape{1, 3});  // one row is fine in eval
    CHECK_THROWS_WITH(nn::BatchNorm1d(0), Catch::Contains("num_features >= 1"));
    CHECK_THROWS_WITH(nn::BatchNorm1d(2, 1e-5f, 1.5f), Catch::Contains("momentum in [0, 1]"));
}

TEST_CASE("BatchNorm1d's buffers are in state_dict under torch's names, after its parameters",
          "[nn][batchnorm][buffers]") {
    nn::Sequential model(nn::Linear(2, 3), nn::BatchNorm1d(3), nn::ReLU());
    std::vector<std::string> names;
    for (const auto& [name, tensor] : model.state_dict())
        names.push_back(name);
    CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                            "1.running_mean", "1.running_var",
                                            "1.num_batches_tracked"});
    CHECK(model.parameters().size() == 4);  // buffers are not optimised
    const auto buffers = model.named_buffers();
    REQUIRE(buffers.size() == 3);
    CHECK(buffers[2].first == "1.num_batches_tracked");
    CHECK(buffers[2].second.shape() == Shape{});
    CHECK_FALSE(buffers[0].second.requires_grad());

    // load_state_dict copies the buffers in, and a missing one is an error.
    nn::Sequential other(nn::Linear(2, 3), nn::BatchNorm1d(3), nn::ReLU());
    model.train();
    model(randn({5, 2}));
    other.load_state_dict(model.state_dict());
    check_close(other.as<nn::BatchNorm1d>(1)->running_var(),
                model.as<nn::BatchNorm1d>(1)->running_var(), 0, 0);
    CHECK(other.as<nn::BatchNorm1d>(1)->num_batches_tracked().item() == 1.0f);
    auto partial = model.state_dict();
    partial.pop_back();
    CHECK_THROWS_WITH(other.load_state_dict(partial),
                      Catch::Contains("missing \"1.num_batches_tracked\""));

    nn::Linear plain(1, 1);
    plain.register_buffer("b", zeros({1}));
    CHECK_THROWS_WITH(plain.register_buffer("b", zeros({1})), Catch::Contains("already"));
    CHECK_THROWS_WITH(plain.register_buffer("weight", zeros({1})), Catch::Contains("already"));
}

TEST_CASE("Safetensors keep num_batches_tracked as I64 and read it back",
          "[nn][batchnorm][safetensors]") {
    manual_seed(32);
    nn::Sequential model(nn::Linear(2, 3), nn::BatchNorm1d(3));
    for (int i = 0; i < 3; ++i)
        model(randn({4, 2}));
    TempFile file("roundtrip.safetensors");
    save(model, file.path());
    const std::string header = header_of(file.path());
    CHECK_THAT(header, Catch::Contains(
                           R"("1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets")"));
    CHECK_THAT(header, Catch::Contains(R"("1.running_var":{"dtype":"F32")"));

    nn::Sequential loaded(nn::Linear(2, 3), nn::BatchNorm1d(3));
    load(loaded, file.path());
    for (const auto& [name, tensor] : model.state_dict())
        check_close(find(loaded.state_dict(), name), tensor, 0, 0);
    CHECK(loaded.as<nn::BatchNorm1d>(1)->num_batches_tracked().item() == 3.0f);

    // A count that is not whole cannot be an I64.
    model.as<nn::BatchNorm1d>(1)->num_batches_tracked().matrix()(0, 0) = 1.5f;
    CHECK_THROWS_WITH(save(model, file.path()),
                      Catch::Contains("num_batches_tracked") && Catch::Contains("whole numbers"));
}

TEST_CASE("A state_dict saved by torch, with an I64 count, loads into the same model",
          "[nn][batchnorm][safetensors][oracle]") {
    const auto& c = oracle("trajectory_bn_prelu_gelu");
    nn::Sequential model(nn::Linear(3, 6), nn::BatchNorm1d(6), nn::PReLU(6), nn::Linear(6, 4),
                         nn::GELU(GeluApproximate::tanh), nn::Linear(4, 1));
    load(model, fs::path(TINYNN_TEST_DATA_DIR) / "interop" / "torch_batchnorm.safetensors");
    for (const auto& [name, tensor] : model.state_dict())
        check_close(tensor, c.outputs.at("final." + name), 0, 0);
    CHECK(model.as<nn::BatchNorm1d>(1)->num_batches_tracked().item() == 6.0f);
}

TEST_CASE("An SGD trajectory through BatchNorm1d, PReLU and GELU matches PyTorch's",
          "[nn][batchnorm][prelu][trajectory][oracle]") {
    const auto& c = oracle("trajectory_bn_prelu_gelu");
    nn::Sequential model(nn::Linear(3, 6), nn::BatchNorm1d(6), nn::PReLU(6), nn::Linear(6, 4),
                         nn::GELU(GeluApproximate::tanh), nn::Linear(4, 1));
    nn::StateDict initial;
    for (const auto& [name, tensor] : model.state_dict())
        initial.emplace_back(name, c.inputs.at("initial." + name));
    model.load_state_dict(initial);
    optim::SGD opt(model.parameters(), {.lr = c.params.at("lr").get<float>(),
                                        .momentum = c.params.at("momentum").get<float>()});
    const int steps = c.params.at("steps").get<int>();
    std::vector<float> losses;
    for (int step = 0; step < steps; ++step) {
        const std::string b = std::to_string(step % 2);
        opt.zero_grad();
        Tensor loss =
            nn::functional::mse_loss(model(c.inputs.at("x" + b)), c.inputs.at("target" + b));
        loss.backward();
        opt.step();
        losses.push_back(loss.item());
    }
    check_close(losses, c.outputs.at("losses").to_vector(), 1e-5, 1e-6);
    // Weights, BatchNorm's running statistics and count, PReLU's slopes.
    for (const auto& [name, tensor] : model.state_dict()) {
        INFO(name);
        check_close(tensor, c.outputs.at("final." + name), 1e-4, 1e-5);
    }
    model.eval();
    check_close(model(c.inputs.at("x0")), c.outputs.at("eval_output"), 1e-4, 1e-5);
}

TEST_CASE("Dropout scales the kept values by 1 / (1 - p) and is the identity in eval",
          "[nn][dropout][oracle]") {
    const auto& c = oracle("dropout_0.2");
    const Tensor& x = c.inputs.at("x");
    nn::Dropout drop(0.2f);
    manual_seed(33);
    const std::vector<float> y = drop(x).to_vector();
    const std::vector<float> scaled = c.outputs.at("scaled").to_vector();
    const std::vector<float> values = x.to_vector();
    int kept = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        INFO("element " << i);
        CHECK((y[i] == 0.0f || y[i] == scaled[i]));  // torch's very float where kept
        kept += y[i] != 0.0f;
    }
    CHECK(kept > 0);
    CHECK(kept < static_cast<int>(y.size()));
    drop.eval();
    const Tensor same = drop(x);
    CHECK(same.to_vector() == c.outputs.at("eval").to_vector());
    CHECK(same.impl() == x.impl());  // the input itself, no copy, as torch
}

TEST_CASE("Dropout drops a fraction p, keeps the mean, passes gradients through its mask",
          "[nn][dropout]") {
    nn::Dropout drop(0.3f);
    manual_seed(34);
    Tensor x = ones({200, 500}).requires_grad_();
    Tensor y = drop(x);
    const Eigen::ArrayXf v = Eigen::Map<const Eigen::ArrayXf>(y.matrix().data(), y.numel());
    const double dropped = (v == 0.0f).cast<double>().mean();
    // 100000 draws: the fraction's standard deviation is 0.0014.
    CHECK(std::abs(dropped - 0.3) < 0.007);
    CHECK(std::abs(v.cast<double>().mean() - 1.0) < 0.01);
    y.backward(ones({200, 500}));
    CHECK(x.grad().to_vector() == y.to_vector());  // dy * mask, the mask being y here

    // The same seed gives the same mask; another seed another.
    manual_seed(34);
    CHECK(drop(x.detach()).to_vector() == y.to_vector());
    manual_seed(35);
    CHECK(drop(x.detach()).to_vector() != y.to_vector());

    CHECK(nn::Dropout(0.0f)(x.detach()).to_vector() == x.to_vector());
    CHECK(nn::Dropout(1.0f)(x.detach()).to_vector() == zeros({200, 500}).to_vector());
    CHECK_THROWS_WITH(nn::Dropout(1.5f), Catch::Contains("p in [0, 1]"));
}

TEST_CASE("Dropout's gradient agrees with finite differences for a fixed mask",
          "[nn][dropout][gradcheck]") {
    // Each evaluation draws afresh, so the seed is reset to fix the mask.
    const Tensor x = randn({4, 5});
    CHECK(gradcheck(
        [](const auto& in) {
            manual_seed(36);
            return nn::functional::dropout(in[0], 0.4f, true);
        },
        {x}));
}
