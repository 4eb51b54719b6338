#include "apps/train/trainer.hpp"

#include <chrono>
#include <cmath>

#include "tinynn/autograd.hpp"
#include "tinynn/nn/sequential.hpp"
#include "tinynn/optim.hpp"

namespace tinynn::app {

namespace {

// The parameters' values, to return to when an epoch diverges.
std::vector<Matrix> snapshot(const std::vector<Tensor>& params) {
    std::vector<Matrix> values;
    values.reserve(params.size());
    for (const Tensor& p : params)
        values.push_back(p.matrix());
    return values;
}

void restore(std::vector<Tensor>& params, const std::vector<Matrix>& values) {
    for (size_t i = 0; i < params.size(); ++i)
        params[i].matrix() = values[i];
}

// Argmax of each row against integer labels; one output column means a
// probability of class 1.
double accuracy(const Matrix& output, const float* labels) {
    int64_t correct = 0;
    for (Eigen::Index i = 0; i < output.rows(); ++i) {
        Eigen::Index predicted = 0;
        if (output.cols() == 1)
            predicted = output(i, 0) > 0.5f ? 1 : 0;
        else
            output.row(i).maxCoeff(&predicted);
        correct += predicted == static_cast<Eigen::Index>(labels[i]);
    }
    return output.rows() ? static_cast<double>(correct) / static_cast<double>(output.rows()) : 0;
}

}  // namespace

Evaluation evaluate(const Experiment& e, const data::Dataset& encoded,
                    const data::Dataset& labels) {
    NoGradGuard no_grad;
    Evaluation result;
    const Tensor output = (*e.model)(encoded.features);  // [n, outputs]
    result.loss = compute_loss(e, output, encoded.targets).item();
    if (e.classification)
        result.accuracy = accuracy(output.matrix(), labels.targets.data());
    return result;
}

void check_diagnostics(const Experiment& e) {
    if (e.config.training.diagnostics && !dynamic_cast<const nn::Sequential*>(e.model.get()))
        throw Error(
            "training.diagnostics: needs a Sequential model (the mlp shorthand or "
            "model.layers), not model.kind '" +
            e.config.model.kind + "'");
}

TrainResult train(Experiment& e, const EpochCallback& on_epoch,
                  const StopRequested& stop_requested) {
    const TrainingConfig& t = e.config.training;
    std::vector<Tensor> params = e.model->parameters();
    optim::SGD optimizer(params, e.config.optimizer.sgd);
    data::DataLoader loader(e.train_encoded, t.batch_size, t.shuffle, e.config.seed);
    const bool has_test = e.split.test.size() > 0;
    e.model->train();
    std::optional<DiagnosticsRecorder> recorder;
    check_diagnostics(e);
    if (t.diagnostics)
        recorder.emplace(static_cast<nn::Sequential&>(*e.model));

    TrainResult result;
    for (int64_t epoch = 1; epoch <= t.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        const std::vector<Matrix> before = snapshot(params);
        loader.start_epoch();
        double loss_sum = 0;
        int64_t seen = 0;
        for (int64_t b = 0; b < loader.num_batches(); ++b) {
            const data::Batch batch = loader.batch(b);
            optimizer.zero_grad();
            const Tensor output =
                recorder ? recorder->forward(batch.features) : (*e.model)(batch.features);
            Tensor loss = compute_loss(e, output, batch.targets);
            const int64_t n = batch.features.shape()[0];
            loss_sum += static_cast<double>(loss.item()) * static_cast<double>(n);
            seen += n;
            loss.backward();
            if (recorder)
                recorder->after_backward();
            optimizer.step();
            if (stop_requested && stop_requested()) {
                result.interrupted = true;
                break;
            }
        }
        if (result.interrupted)
            break;
        EpochMetrics metrics;
        metrics.epoch = epoch;
        metrics.train_loss = seen ? loss_sum / static_cast<double>(seen) : 0;
        if (recorder)
            metrics.diagnostics = recorder->finish_epoch();
        if (!std::isfinite(metrics.train_loss)) {
            restore(params, before);
            result.diverged_at = epoch;
            break;
        }
        if (has_test) {
            const Evaluation test = evaluate(e, e.test_encoded, e.split.test);
            metrics.test_loss = test.loss;
            metrics.test_accuracy = test.accuracy;
        }
        result.history.push_back(metrics);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (on_epoch)
            on_epoch(metrics, seconds > 0 ? static_cast<double>(seen) / seconds : 0);
    }
    e.model->eval();
    return result;
}

}  // namespace tinynn::app
