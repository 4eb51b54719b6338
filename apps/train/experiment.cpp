#include "apps/train/experiment.hpp"

#include "apps/train/memory.hpp"
#include "models/mlp.hpp"
#include "models/registry.hpp"
#include "tinynn/autograd.hpp"
#include "tinynn/nn.hpp"
#include "tinynn/serialize.hpp"

namespace tinynn::app {

namespace {

data::Dataset load_data(const DataConfig& d, Generator& gen) {
    if (d.kind == "csv")
        return data::load_csv(
            {.path = d.path,
             .header = d.header,
             .target = d.target,
             .task = d.task == "regression" ? data::Task::regression : data::Task::classification});
    return data::make_synthetic({.kind = d.kind,
                                 .samples = d.samples,
                                 .noise = static_cast<float>(d.noise),
                                 .classes = d.classes},
                                gen);
}

std::shared_ptr<nn::Module> build_layers(const ModelConfig& m) {
    auto model = std::make_shared<nn::Sequential>();
    for (const LayerConfig& layer : m.layers) {
        if (layer.type == "linear")
            model->push_back(nn::Linear(layer.in, layer.out, layer.bias));
        else
            model->push_back(models::make_activation(
                layer.type, static_cast<float>(layer.negative_slope), layer.dim));
    }
    return model;
}

// The widths the data needs from an explicit layer list, checked before
// any data passes through it.
void check_layer_widths(const ModelConfig& m, int64_t inputs, int64_t outputs) {
    const LayerConfig* first = nullptr;
    const LayerConfig* last = nullptr;
    size_t last_index = 0, first_index = 0;
    for (size_t i = 0; i < m.layers.size(); ++i)
        if (m.layers[i].type == "linear") {
            if (!first)
                first = &m.layers[i], first_index = i;
            last = &m.layers[i], last_index = i;
        }
    if (!first)
        throw Error("model.layers: needs at least one linear layer");
    if (first->in != inputs)
        throw Error("model.layers[" + std::to_string(first_index) + "].in: the data has " +
                    std::to_string(inputs) + " features, the layer takes " +
                    std::to_string(first->in));
    if (last->out != outputs)
        throw Error("model.layers[" + std::to_string(last_index) + "].out: the data needs " +
                    std::to_string(outputs) + " outputs, the layer gives " +
                    std::to_string(last->out));
}

// How many outputs the model must give, and the targets encoded for the loss.
int64_t output_width(const Experiment& e) {
    if (!e.classification)
        return e.split.train.num_outputs();
    // A binary task may use one sigmoid-style output with MSE.
    if (e.config.loss == "mse" && e.classes == 2 && !e.config.model.layers.empty()) {
        for (auto it = e.config.model.layers.rbegin(); it != e.config.model.layers.rend(); ++it)
            if (it->type == "linear")
                return it->out == 1 ? 1 : 2;
    }
    return e.classes;
}

data::Dataset encode(const data::Dataset& set, const Experiment& e, int64_t outputs) {
    data::Dataset out = set;  // shares the feature tensor
    if (!e.classification || e.config.loss == "cross_entropy")
        return out;
    out.targets =
        outputs == 1 ? set.targets.reshape({set.size(), 1}) : data::one_hot(set.targets, e.classes);
    return out;
}

}  // namespace

Experiment prepare_experiment(const Config& config) {
    NoGradGuard no_grad;
    Experiment e;
    e.config = config;
    // Refused before anything large is allocated; again once the data is
    // loaded (a CSV file's exact size and classes), before the model is built.
    check_memory_before_loading(config);
    Generator gen(config.seed);  // data, split: all from the config's seed
    data::Dataset all = load_data(config.data, gen);
    check_memory(config, shape_of(all));
    e.split = data::train_test_split(all, config.data.test_split, config.data.shuffle_split, gen);
    if (config.data.normalize == "standard") {
        const auto scaler = data::Standardizer::fit(e.split.train);
        scaler.apply(e.split.train);
        if (e.split.test.size() > 0)
            scaler.apply(e.split.test);
    }
    e.classification = all.task == data::Task::classification;
    e.classes = all.num_classes;
    if (config.loss == "cross_entropy" && !e.classification)
        throw Error("loss: cross_entropy needs a classification task; data '" + config.data.kind +
                    "' is a regression task (use mse)");

    const int64_t inputs = all.num_features();
    const int64_t outputs = output_width(e);
    manual_seed(config.seed);  // the model's initial weights
    const ModelConfig& m = config.model;
    if (!m.layers.empty()) {
        check_layer_widths(m, inputs, outputs);
        e.model = build_layers(m);
    } else if (m.kind == "mlp") {
        e.model = std::make_shared<nn::Sequential>(
            models::make_mlp({.inputs = inputs,
                              .outputs = outputs,
                              .hidden = m.hidden,
                              .activation = m.activation,
                              .negative_slope = static_cast<float>(m.negative_slope),
                              .output = m.output}));
    } else {
        e.model = models::make_model(m.kind, inputs, outputs);
        // Its size is known only now; what it would take to train it is not.
        check_memory(config, shape_of(all), registry_parameters(m, *e.model));
    }
    if (m.init != "default")
        models::initialize(*e.model, m.init, m.activation, static_cast<float>(m.negative_slope));
    if (m.bias_init)
        models::fill_biases(*e.model, static_cast<float>(*m.bias_init));
    if (!m.init_from.empty())
        load(*e.model, m.init_from);

    e.train_encoded = encode(e.split.train, e, outputs);
    e.test_encoded = encode(e.split.test, e, outputs);
    return e;
}

Tensor compute_loss(const Experiment& e, const Tensor& output, const Tensor& targets) {
    if (e.config.loss == "cross_entropy")
        return nn::functional::cross_entropy(output, targets);
    return nn::functional::mse_loss(output, targets);
}

}  // namespace tinynn::app
