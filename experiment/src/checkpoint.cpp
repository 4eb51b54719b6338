#include "tinynn/experiment/checkpoint.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

#include "io/atomic_file.hpp"
#include "io/safetensors_encode.hpp"
#include "tinynn/error.hpp"
#include "tinynn/serialize.hpp"

namespace tinynn::experiment {

namespace {

constexpr const char* kFormatKey = "tinynn.checkpoint";
constexpr const char* kFormatVersion = "1";

// The shortest text that reads back as the same double.
std::string number_text(double value) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, end);
}

class Writer {
  public:
    void text(const std::string& key, std::string value) { metadata_[key] = std::move(value); }
    void count(const std::string& key, int64_t value) { text(key, std::to_string(value)); }
    void value(const std::string& key, double value) { text(key, number_text(value)); }
    void tensor(const std::string& name, const Tensor& t) { tensors_.emplace_back(name, t); }

    void state(const std::string& prefix, const optim::State& s) {
        text(prefix + "kind", s.kind);
        for (const auto& [name, t] : s.tensors)
            tensor(prefix + name, t);
        for (const auto& [name, c] : s.counts)
            count(prefix + "count." + name, c);
        for (const auto& [name, v] : s.values)
            value(prefix + "value." + name, v);
    }

    void save(const std::filesystem::path& path) const {
        detail::write_file_atomically(path, detail::encode_safetensors(tensors_, metadata_),
                                      detail::Sync::no);
    }

  private:
    nn::StateDict tensors_;
    SafetensorsMetadata metadata_;
};

class Reader {
  public:
    explicit Reader(const std::filesystem::path& path)
        : path_(path), metadata_(load_safetensors_metadata(path)) {
        for (auto& [name, t] : load_safetensors(path))
            tensors_.emplace(std::move(name), std::move(t));
        if (const auto it = metadata_.find(kFormatKey);
            it == metadata_.end() || it->second != kFormatVersion)
            fail("it is not a tinynn checkpoint of version " + std::string(kFormatVersion));
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw Error("checkpoint " + escape_text(path_.string(), 200) + ": " + what);
    }

    bool has(const std::string& key) const { return metadata_.count(key) != 0; }
    const std::string& text(const std::string& key) const {
        const auto it = metadata_.find(key);
        if (it == metadata_.end())
            fail("its metadata has no \"" + key + "\"");
        return it->second;
    }
    int64_t count(const std::string& key) const {
        const std::string& t = text(key);
        int64_t v = 0;
        const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (ec != std::errc() || end != t.data() + t.size())
            fail("\"" + key + "\" is " + escape_text(t, 40) + "; expected an integer");
        return v;
    }
    double value(const std::string& key) const {
        const std::string& t = text(key);
        double v = 0;
        const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (ec != std::errc() || end != t.data() + t.size())
            fail("\"" + key + "\" is " + escape_text(t, 40) + "; expected a number");
        return v;
    }
    std::optional<int64_t> optional_count(const std::string& key) const {
        return has(key) ? std::optional(count(key)) : std::nullopt;
    }
    std::optional<double> optional_value(const std::string& key) const {
        return has(key) ? std::optional(value(key)) : std::nullopt;
    }
    Tensor tensor(const std::string& name) const {
        const auto it = tensors_.find(name);
        if (it == tensors_.end())
            fail("it has no tensor \"" + name + "\"");
        return it->second;
    }

    // Every tensor and entry under `prefix`, as the State it was written from.
    optim::State state(const std::string& prefix) const {
        optim::State s;
        s.kind = text(prefix + "kind");
        for (const auto& [name, t] : tensors_)
            if (name.starts_with(prefix))
                s.tensors.emplace(name.substr(prefix.size()), t);
        for (const auto& [key, v] : metadata_) {
            if (key.starts_with(prefix + "count."))
                s.counts.emplace(key.substr(prefix.size() + 6), count(key));
            else if (key.starts_with(prefix + "value."))
                s.values.emplace(key.substr(prefix.size() + 6), value(key));
        }
        return s;
    }

    // The model's tensors, in the order of the file.
    nn::StateDict model() const {
        nn::StateDict out;
        for (const auto& [name, t] : load_safetensors(path_))
            if (name.starts_with("model."))
                out.emplace_back(name.substr(6), t);
        return out;
    }

  private:
    std::filesystem::path path_;
    SafetensorsMetadata metadata_;
    std::map<std::string, Tensor> tensors_;
};

// "a.b" for each line of a block-style YAML rendering (two spaces a level),
// so that two renderings of a config compare key by key.
std::vector<std::pair<std::string, std::string>> keyed_lines(const std::string& yaml) {
    std::vector<std::pair<std::string, std::string>> out;
    std::vector<std::string> path;  // the key at each indentation level
    std::istringstream in(yaml);
    std::string line;
    while (std::getline(in, line)) {
        const size_t indent = line.find_first_not_of(' ');
        if (indent == std::string::npos)
            continue;
        const size_t level = indent / 2;
        const std::string body = line.substr(indent);
        path.resize(level);
        std::string key = body.starts_with("- ") ? std::string() : body.substr(0, body.find(':'));
        std::string full;
        for (const std::string& p : path)
            full += p + ".";
        full += key;
        if (!key.empty())
            path.push_back(key);
        else if (!full.empty())
            full.pop_back();
        out.emplace_back(full, body);
    }
    return out;
}

// Keys that change how long or how loudly a run trains, or where its
// limits lie, but not the epochs it trains.
bool ignored(const std::string& key) {
    for (const char* prefix :
         {"name", "training.epochs", "training.log_every", "limits", "compare"})
        if (key == prefix || key.starts_with(std::string(prefix) + "."))
            return true;
    return false;
}

uint64_t fnv1a(uint64_t hash, const void* data, size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
        hash ^= bytes[i];
        hash *= 1099511628211ull;
    }
    return hash;
}

uint64_t hash_tensor(uint64_t hash, const Tensor& t) {
    if (!t.defined())
        return fnv1a(hash, "-", 1);
    for (const int64_t d : t.shape())
        hash = fnv1a(hash, &d, sizeof d);
    const Matrix& m = t.matrix();
    return fnv1a(hash, m.data(), static_cast<size_t>(m.size()) * sizeof(float));
}

}  // namespace

void save_checkpoint(const Checkpoint& c, const std::filesystem::path& path) {
    Writer w;
    w.text(kFormatKey, kFormatVersion);
    w.count("epoch", c.epoch);
    for (const auto& [name, t] : c.model)
        w.tensor("model." + name, t);
    w.state("optimizer.", c.optimizer);
    if (c.scheduler)
        w.state("scheduler.", *c.scheduler);
    w.text("shuffling", c.shuffling);
    w.text("random", c.random);
    if (const auto& es = c.early_stopping) {
        w.count("early_stopping.epochs_without_improvement", es->epochs_without_improvement);
        w.count("early_stopping.last_epoch", es->last_epoch);
        if (es->best_epoch)
            w.count("early_stopping.best_epoch", *es->best_epoch);
        if (es->best_value)
            w.value("early_stopping.best_value", *es->best_value);
        if (es->stopped_after)
            w.count("early_stopping.stopped_after", *es->stopped_after);
        w.count("early_stopping.best_weights", static_cast<int64_t>(es->best_weights.size()));
        for (size_t i = 0; i < es->best_weights.size(); ++i) {
            const Matrix& m = es->best_weights[i];
            w.tensor("early_stopping." + std::to_string(i),
                     Tensor::from_matrix(m, {m.rows(), m.cols()}));
        }
    }
    w.text("config", c.config);
    w.text("data", c.data);
    w.save(path);
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
    const Reader r(path);
    Checkpoint c;
    c.epoch = r.count("epoch");
    if (c.epoch < 0)
        r.fail("its epoch is " + std::to_string(c.epoch) + "; expected 0 or more");
    c.model = r.model();
    c.optimizer = r.state("optimizer.");
    if (r.has("scheduler.kind"))
        c.scheduler = r.state("scheduler.");
    c.shuffling = r.text("shuffling");
    c.random = r.text("random");
    if (r.has("early_stopping.last_epoch")) {
        EarlyStoppingState es;
        es.epochs_without_improvement = r.count("early_stopping.epochs_without_improvement");
        es.last_epoch = r.count("early_stopping.last_epoch");
        es.best_epoch = r.optional_count("early_stopping.best_epoch");
        es.best_value = r.optional_value("early_stopping.best_value");
        es.stopped_after = r.optional_count("early_stopping.stopped_after");
        const int64_t weights = r.count("early_stopping.best_weights");
        if (weights < 0 || weights > static_cast<int64_t>(c.model.size()))
            r.fail("early_stopping.best_weights is " + std::to_string(weights) +
                   "; expected at most one per tensor of the model, " +
                   std::to_string(c.model.size()));
        for (int64_t i = 0; i < weights; ++i)
            es.best_weights.push_back(r.tensor("early_stopping." + std::to_string(i)).matrix());
        c.early_stopping = std::move(es);
    }
    c.config = r.text("config");
    c.data = r.text("data");
    return c;
}

std::string data_fingerprint(const Experiment& e) {
    uint64_t hash = 14695981039346656037ull;
    for (const data::Dataset* set : {&e.train_encoded, &e.test_encoded}) {
        hash = hash_tensor(hash, set->features);
        hash = hash_tensor(hash, set->targets);
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

void check_resumable(const Checkpoint& checkpoint, const std::string& config,
                     const std::string& data) {
    std::map<std::string, std::string> then, now;
    for (auto& [key, line] : keyed_lines(checkpoint.config))
        if (!ignored(key))
            then[key] += line + "\n";
    for (auto& [key, line] : keyed_lines(config))
        if (!ignored(key))
            now[key] += line + "\n";
    std::vector<std::string> changed;
    for (const auto& [key, lines] : now)
        if (const auto it = then.find(key); it == then.end() || it->second != lines)
            changed.push_back(key);
    for (const auto& [key, lines] : then)
        if (!now.count(key))
            changed.push_back(key);
    if (!changed.empty()) {
        std::string list;
        for (size_t i = 0; i < changed.size() && i < 5; ++i)
            list += (i ? ", " : "") + escape_text(changed[i], 60);
        if (changed.size() > 5)
            list += " and " + std::to_string(changed.size() - 5) + " more";
        // The first difference as the two renderings show it.
        const auto shown = [](const std::map<std::string, std::string>& lines,
                              const std::string& key) {
            const auto it = lines.find(key);
            if (it == lines.end())
                return std::string("absent");
            std::string text = it->second;
            text.pop_back();
            return escape_text(text, 80);
        };
        throw Error("cannot resume: the config differs from the checkpoint's in " + list + " (" +
                    shown(then, changed.front()) + " then, " + shown(now, changed.front()) +
                    " now); only training.epochs, training.log_every, name, compare and limits may "
                    "change");
    }
    if (data != checkpoint.data)
        throw Error(
            "cannot resume: the data differs from the checkpoint's (the data file or its "
            "split changed since; fingerprint " +
            escape_text(checkpoint.data, 20) + " then, " + data + " now)");
}

}  // namespace tinynn::experiment
