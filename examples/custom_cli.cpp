// SPEC §6: a program that adds its own model to the tinynn command. Built
// against the installed package (find_package(tinynn), target tinynn::cli),
// `custom_cli train skipnet.yaml` trains SkipNet from the YAML config and
// `custom_cli compare skipnet.yaml` compares activations on it, with the
// diagnostics of its Linear layers ("in", "block", "out") and of its
// activation ("act").
#include <tinynn/cli.hpp>
#include <tinynn/tinynn.hpp>
using namespace tinynn;

// A model the mlp shorthand cannot express: a residual block.
class SkipNet : public nn::Module {
  public:
    explicit SkipNet(const models::ModelSpec& spec)  // the config's model section, resolved
        : in_(register_module("in", std::make_shared<nn::Linear>(spec.inputs, spec.hidden.at(0)))),
          block_(register_module(
              "block", std::make_shared<nn::Linear>(spec.hidden.at(0), spec.hidden.at(0)))),
          out_(register_module("out",
                               std::make_shared<nn::Linear>(spec.hidden.at(0), spec.outputs))),
          act_(register_module("act", nn::make_activation(spec.activation))) {}
    Tensor forward(const Tensor& x) override {
        Tensor h = (*act_)((*in_)(x));              // [batch, hidden]
        return (*out_)(h + (*act_)((*block_)(h)));  // [batch, outputs]
    }

  private:
    std::shared_ptr<nn::Linear> in_, block_, out_;
    std::shared_ptr<nn::Module> act_;
};

int main(int argc, char** argv) {
    models::register_model(
        "skipnet", [](const models::ModelSpec& spec) { return std::make_shared<SkipNet>(spec); });
    // `prog train|compare|eval ...` exactly as `tinynn`; a config with
    // `model: {kind: skipnet, hidden: [16], activation: tanh}` trains SkipNet,
    // and `compare` varies spec.activation and records the diagnostics of its
    // Linear layers ("in", "block", "out") and of its activation.
    return cli::main(argc, argv);
}
